import Foundation

/// One distinct finding of a run, as the summary lists it (`findings[]` of `--summary-json`) for
/// every target. The session targets fill the optional fields.
package struct Finding: Sendable, Equatable, Codable {
    package var signature: String
    package var oracle: String
    package var detail: String
    /// Seconds since the start of the run.
    package var firstFoundSeconds: Double
    /// Path of the input file (`<findings>/crash-<sha1>`, a `.json` for a client's replies).
    package var inputPath: String
    package var size: Int
    /// Inputs that gave this signature.
    package var hits: Int
    /// Names of the mutations that produced the input (codec mutators, session or reply operations).
    package var mutations: [String]
    /// How a spawned program ended (`exit:71`, `signal:11`).
    package var status: String?
    /// The execution (case) number when it was first seen.
    package var firstExec: Int?
    /// The culprit request's shape, the number of messages (replies for a client).
    package var shape: String?
    package var messages: Int?
    /// The minimised reproducer: its path, size, messages and bytes in hex.
    package var minimized: String?
    package var minimizedSize: Int?
    package var minimizedMessages: Int?
    package var minimizedHex: String?
    /// A capture of the minimised reproducer's failing session.
    package var capture: String?
    package var minimizeRuns: Int?
    /// What the target program printed about its end.
    package var targetOutput: String?
    /// The failing case did not fail again on a fresh session (tried twice): reported under the
    /// class its evidence names, never as a class of its own.
    package var flaky: Bool?
    /// Bytes of the minimised culprit request up to the end of its hostile header (the filler
    /// after it excluded).
    package var requestSize: Int?

    package init(signature: String, oracle: String, detail: String, firstFoundSeconds: Double, inputPath: String,
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
package struct Sidecar: Sendable, Codable {
    package struct Message: Sendable, Codable {
        package var hex: String
        package var splits: [Int]?
        package var garbage: Bool?
    }
    package struct Reply: Sendable, Codable {
        package var index: Int
        package var hex: String
    }
    package var target: String
    package var signature: String?
    package var oracle: String?
    package var status: String?
    package var detail: String?
    package var firstFoundSeconds: Double?
    package var size: Int?
    package var mutations: [String]?
    package var messages: [Message]?
    package var gapMicros: Int?
    package var restartFirst: Bool?
    package var idBase: Int?
    package var replies: [Reply]?
    package var repliesHex: String?
    package var capture: String?
    package var original: String?

    package init(target: String, verdict: Verdict?, signature: String?) {
        self.target = target
        self.signature = signature ?? verdict.map(\.signature)
        if let v = verdict { oracle = v.oracle; status = v.end?.key; detail = v.detail }
    }

    enum CodingKeys: String, CodingKey {
        case target, signature, oracle, status, detail, size, mutations, messages, replies, capture, original
        case firstFoundSeconds = "first_found_s", gapMicros = "gap_us", restartFirst = "restart_first", idBase = "id_base"
        case repliesHex = "replies_hex"
    }

    package var bytes: [UInt8] { Self.encode(self) }

    /// Pretty, key-sorted JSON with a final newline (sidecars and summaries alike).
    package static func encode<T: Encodable>(_ value: T) -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? e.encode(value)).map(Array.init) ?? []) + [0x0a]
    }

    package static func load(_ path: String) -> Sidecar? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(Sidecar.self, from: data)
    }
}

/// The findings of a run, for every target: deduplicated by signature (other signatures may be
/// aliases of a finding, e.g. the one a session case had before minimisation), with hit counts.
/// `save` puts an input on disk (atomically) and then its sidecar, before the caller does
/// anything else with it.
package struct FindingBook: Sendable {
    package let directory: String
    package private(set) var findings: [Finding] = []
    private var index: [String: Int] = [:]

    /// The directory must exist before the first `save` (the engine's caller makes it; the
    /// session fuzzers make it when they start).
    package init(directory: String) {
        self.directory = directory
    }

    package var count: Int { findings.count }
    package func contains(_ signature: String) -> Bool { index[signature] != nil }
    package func finding(_ signature: String) -> Finding? { index[signature].map { findings[$0] } }

    /// Counts a hit when `signature` is known; false for a new one.
    package mutating func hit(_ signature: String, times: Int = 1) -> Bool {
        guard let i = index[signature] else { return false }
        findings[i].hits += times
        return true
    }

    /// Adds a new finding, reachable by its signature and by `aliases`.
    package mutating func add(_ f: Finding, aliases: [String] = []) {
        for s in [f.signature] + aliases { index[s] = findings.count }
        findings.append(f)
    }

    /// Makes `alias` count towards the finding of `signature`.
    package mutating func alias(_ alias: String, to signature: String) {
        if let i = index[signature] { index[alias] = i }
    }

    /// Writes `input` as `name` (default `crash-<sha1>`), then its sidecar; returns the input's path.
    @discardableResult
    package func save(_ input: [UInt8], name: String? = nil, sidecar: Sidecar) throws(FileError) -> String {
        let path = directory + "/" + (name ?? "crash-" + SHA1.hex(input))
        try Files.writeAtomically(input, to: path)
        try Files.writeAtomically(sidecar.bytes, to: path + ".json")
        return path
    }

    /// Writes a file into the findings directory (atomically); returns its path.
    @discardableResult
    package func write(_ name: String, _ bytes: [UInt8]) throws(FileError) -> String {
        let path = directory + "/" + name
        try Files.writeAtomically(bytes, to: path)
        return path
    }

    /// Groups inputs by signature and keeps the smallest of each group (ties: lexicographic path).
    /// Returns (kept, removed).
    package static func deduplicate(_ inputs: [(path: String, bytes: [UInt8])], signature: ([UInt8]) -> String)
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
