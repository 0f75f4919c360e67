import Foundation

/// One distinct finding of a run, as the summary lists it (`findings[]` of `--summary-json`) for
/// every target. The session targets fill the optional fields.
public struct Finding: Sendable, Equatable, Codable {
    public var signature: String
    public var oracle: String
    public var detail: String
    /// Seconds since the start of the run.
    public var firstFoundSeconds: Double
    /// Path of the input file (`<findings>/crash-<sha1>`, a `.json` for a client's replies).
    public var inputPath: String
    public var size: Int
    /// Inputs that gave this signature.
    public var hits: Int
    /// Names of the mutations that produced the input (codec mutators, session or reply operations).
    public var mutations: [String]
    /// How a spawned program ended (`exit:71`, `signal:11`).
    public var status: String?
    /// The execution (case) number when it was first seen.
    public var firstExec: Int?
    /// The culprit request's shape, the number of messages (replies for a client).
    public var shape: String?
    public var messages: Int?
    /// The minimised reproducer: its path, size, messages and bytes in hex.
    public var minimized: String?
    public var minimizedSize: Int?
    public var minimizedMessages: Int?
    public var minimizedHex: String?
    /// A capture of the minimised reproducer's failing session.
    public var capture: String?
    public var minimizeRuns: Int?
    /// What the target program printed about its end.
    public var targetOutput: String?
    /// The failing case did not fail again on a fresh session (tried twice): reported under the
    /// class its evidence names, never as a class of its own.
    public var flaky: Bool?
    /// Bytes of the minimised culprit request up to the end of its hostile header (the filler
    /// after it excluded).
    public var requestSize: Int?

    public init(signature: String, oracle: String, detail: String, firstFoundSeconds: Double, inputPath: String,
                size: Int, hits: Int = 1, mutations: [String]) {
        self.signature = signature; self.oracle = oracle; self.detail = detail
        self.firstFoundSeconds = firstFoundSeconds; self.inputPath = inputPath; self.size = size
        self.hits = hits; self.mutations = mutations
    }

    enum CodingKeys: String, CodingKey {
        case signature, oracle, detail, size, hits, mutations, status, shape, messages, minimized, capture
        case firstFoundSeconds = "first_found_s", inputPath = "input", firstExec = "first_exec"
        case minimizedSize = "minimized_size", minimizedMessages = "minimized_messages", minimizedHex = "minimized_hex"
        case minimizeRuns = "minimize_runs", targetOutput = "target_output", flaky, requestSize = "request_size"
    }
}

/// The `.json` beside every saved input: what was found, and for a session target what it takes
/// to replay it (the messages and how they were written, or a client's mutated replies).
public struct Sidecar: Sendable, Codable {
    public struct Message: Sendable, Codable {
        public var hex: String
        public var splits: [Int]?
        public var garbage: Bool?
    }
    public struct Reply: Sendable, Codable {
        public var index: Int
        public var hex: String
    }
    public var target: String
    public var signature: String?
    public var oracle: String?
    public var status: String?
    public var detail: String?
    public var firstFoundSeconds: Double?
    public var size: Int?
    public var mutations: [String]?
    public var messages: [Message]?
    public var gapMicros: Int?
    public var restartFirst: Bool?
    public var idBase: Int?
    public var replies: [Reply]?
    public var repliesHex: String?
    public var capture: String?
    public var original: String?

    public init(target: String, verdict: Verdict?, signature: String?) {
        self.target = target
        self.signature = signature ?? verdict.map(\.signature)
        if let v = verdict { oracle = v.oracle; status = v.end?.key; detail = v.detail }
    }

    enum CodingKeys: String, CodingKey {
        case target, signature, oracle, status, detail, size, mutations, messages, replies, capture, original
        case firstFoundSeconds = "first_found_s", gapMicros = "gap_us", restartFirst = "restart_first", idBase = "id_base"
        case repliesHex = "replies_hex"
    }

    public var bytes: [UInt8] { Self.encode(self) }

    /// Pretty, key-sorted JSON with a final newline (sidecars and summaries alike).
    public static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? e.encode(value)).map(Array.init) ?? []) + [0x0a]
    }

    public static func load(_ path: String) -> Sidecar? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Sidecar.self, from: data)
    }
}

/// The findings of a run, for every target: deduplicated by signature (other signatures may be
/// aliases of a finding, e.g. the one a session case had before minimisation), with hit counts.
/// `save` puts an input on disk (atomically) and then its sidecar, before the caller does
/// anything else with it.
public struct FindingBook: Sendable {
    public let directory: String
    public private(set) var findings: [Finding] = []
    private var index: [String: Int] = [:]

    /// The directory must exist before the first `save` (the engine's caller makes it; the
    /// session fuzzers make it when they start).
    public init(directory: String) {
        self.directory = directory
    }

    public var count: Int { findings.count }
    public func contains(_ signature: String) -> Bool { index[signature] != nil }
    public func finding(_ signature: String) -> Finding? { index[signature].map { findings[$0] } }

    /// Counts a hit when `signature` is known; false for a new one.
    public mutating func hit(_ signature: String, times: Int = 1) -> Bool {
        guard let i = index[signature] else { return false }
        findings[i].hits += times
        return true
    }

    /// Adds a new finding, reachable by its signature and by `aliases`.
    public mutating func add(_ f: Finding, aliases: [String] = []) {
        for s in [f.signature] + aliases { index[s] = findings.count }
        findings.append(f)
    }

    /// Makes `alias` count towards the finding of `signature`.
    public mutating func alias(_ alias: String, to signature: String) {
        if let i = index[signature] { index[alias] = i }
    }

    /// Writes `input` as `name` (default `crash-<sha1>`), then its sidecar; returns the input's path.
    @discardableResult
    public func save(_ input: [UInt8], name: String? = nil, sidecar: Sidecar) throws(FileError) -> String {
        let path = directory + "/" + (name ?? "crash-" + SHA1.hex(input))
        try Files.writeAtomically(input, to: path)
        try Files.writeAtomically(sidecar.bytes, to: path + ".json")
        return path
    }

    /// Writes a file into the findings directory (atomically); returns its path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws(FileError) -> String {
        let path = directory + "/" + name
        try Files.writeAtomically(bytes, to: path)
        return path
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
