/// One distinct finding of a run.
public struct Finding: Sendable, Equatable {
    public var signature: String
    public var oracle: String
    public var detail: String
    /// Seconds since the start of the run.
    public var firstFoundSeconds: Double
    /// Path of the input file (`<findings>/crash-<sha1>`).
    public var inputPath: String
    public var size: Int
    /// Names of the mutations that produced the input from its corpus parent.
    public var mutations: [String]

    public init(signature: String, oracle: String, detail: String, firstFoundSeconds: Double, inputPath: String,
                size: Int, mutations: [String]) {
        self.signature = signature; self.oracle = oracle; self.detail = detail
        self.firstFoundSeconds = firstFoundSeconds; self.inputPath = inputPath; self.size = size; self.mutations = mutations
    }
}

/// Writes findings: the input first (atomically), then a `.json` sidecar with what was found.
public enum FindingStore {
    public static func write(_ input: [UInt8], finding: Finding, to dir: String) throws(FileError) {
        try Files.writeAtomically(input, to: finding.inputPath)
        let json = "{\"signature\":\(JSON.string(finding.signature)),\"oracle\":\(JSON.string(finding.oracle)),"
            + "\"detail\":\(JSON.string(finding.detail)),\"first_found_s\":\(JSON.number(finding.firstFoundSeconds)),"
            + "\"size\":\(finding.size),\"mutations\":[\(finding.mutations.map(JSON.string).joined(separator: ","))]}\n"
        try Files.writeAtomically(Array(json.utf8), to: finding.inputPath + ".json")
    }

    /// Reads a sidecar's signature (nil when there is none).
    public static func signature(ofSidecar path: String) -> String? {
        guard let bytes = try? Files.read(path) else { return nil }
        let s = String(decoding: bytes, as: UTF8.self)
        guard let r = s.firstRange(of: "\"signature\":\"") else { return nil }
        var out = "", escaped = false
        for c in s[r.upperBound...] {
            if escaped { out.append(c); escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "\"" { break }
            out.append(c)
        }
        return out
    }

    /// Groups inputs by signature and keeps the smallest of each group (ties: lexicographic path).
    /// Returns (kept, removed).
    public static func deduplicate(_ inputs: [(path: String, bytes: [UInt8])], signature: ([UInt8]) -> String)
        -> (kept: [(signature: String, path: String)], duplicates: [String])
    {
        var best: [String: (path: String, size: Int)] = [:]
        var dups: [String] = []
        for (path, bytes) in inputs.sorted(by: { $0.path < $1.path }) {
            let s = signature(bytes)
            if let b = best[s] {
                if bytes.count < b.size { dups.append(b.path); best[s] = (path, bytes.count) } else { dups.append(path) }
            } else { best[s] = (path, bytes.count) }
        }
        return (best.map { ($0.key, $0.value.path) }.sorted { $0.signature < $1.signature }, dups)
    }
}

/// Minimal JSON writing (the engine avoids Foundation).
public enum JSON {
    public static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += "\\u00" + (u.value < 16 ? "0" : "") + String(u.value, radix: 16) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    public static func number(_ d: Double) -> String {
        guard d.isFinite else { return "0" }
        return String((d * 1000).rounded() / 1000)
    }
}
