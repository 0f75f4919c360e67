import Foundation

/// The end-of-run summary of every target (`--summary-json`): `execs`, `exec_per_s`, `seconds`
/// and `findings[]`, plus what a target adds (the codec's corpus and features; a session target's
/// endpoint, restarts, timeouts, operations …; a `--jobs` run's workers).
package struct RunSummary: Sendable, Codable {
    package var target: String
    package var execs: Int
    package var seconds: Double
    package var findings: [Finding]
    package var execPerSecond: Double
    // The codec.
    package var corpusSize: Int?
    package var features: Int?
    // Session targets.
    package var seed: UInt64?, endpoint: String?
    package var restarts: Int?, timeouts: Int?, slowCases: Int?, probeResets: Int?, minimizeRuns: Int?
    package var operations: [String: Int]?
    /// Lives of the target: processes started or resets run, lives the twin's prediction saved
    /// (cases not sent or sent without their fatal request), seconds spent bringing it back.
    package var livesUsed: Int?, livesSaved: Int?, restartSeconds: Double?, minimizeSeconds: Double?
    /// Cases the twin predicted to die of a known class and that were not sent.
    package var skippedCases: Int?
    /// Failing cases that did not fail again on a fresh session and name no class.
    package var flakyCases: Int?
    // A `--jobs` run.
    package var workers: Int?, endpoints: [String]?, seeds: [UInt64]?

    package init(target: String, execs: Int, seconds: Double, findings: [Finding]) {
        self.target = target; self.execs = execs; self.findings = findings
        self.seconds = Self.milli(seconds)
        execPerSecond = Self.milli(seconds > 0 ? Double(execs) / seconds : 0)
    }

    enum CodingKeys: String, CodingKey {
        case target, execs, seconds, findings, features, seed, endpoint, restarts, timeouts, operations, workers, endpoints, seeds
        case execPerSecond = "exec_per_s", corpusSize = "corpus_size", slowCases = "slow_cases", probeResets = "probe_resets"
        case minimizeRuns = "minimize_runs", livesUsed = "lives_used", livesSaved = "lives_saved", restartSeconds = "restart_s"
        case minimizeSeconds = "minimize_s", skippedCases = "skipped_cases", flakyCases = "flaky_cases"
    }

    package static func load(_ path: String) -> RunSummary? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(RunSummary.self, from: data)
    }

    static func milli(_ d: Double) -> Double { d.isFinite ? (d * 1000).rounded() / 1000 : 0 }

    package var json: [UInt8] { Sidecar.encode(self) }

    /// `--jobs`: the workers' summaries merged. Executions and counters are summed, findings
    /// deduplicated by signature (hits summed, the earliest report kept), the rate taken over the
    /// parent's wall-clock `seconds`.
    package static func merge(_ workers: [RunSummary], seconds: Double) -> RunSummary {
        var m = RunSummary(target: workers.first?.target ?? "codec", execs: workers.reduce(0) { $0 + $1.execs }, seconds: seconds, findings: [])
        func add(_ a: Int?, _ b: Int?) -> Int? { a == nil && b == nil ? nil : (a ?? 0) + (b ?? 0) }
        func most(_ a: Int?, _ b: Int?) -> Int? { a == nil && b == nil ? nil : max(a ?? 0, b ?? 0) }
        var bySignature: [String: Finding] = [:]
        for w in workers {
            m.corpusSize = most(m.corpusSize, w.corpusSize)
            m.features = most(m.features, w.features)
            m.restarts = add(m.restarts, w.restarts)
            m.timeouts = add(m.timeouts, w.timeouts)
            m.slowCases = add(m.slowCases, w.slowCases)
            m.probeResets = add(m.probeResets, w.probeResets)
            m.minimizeRuns = add(m.minimizeRuns, w.minimizeRuns)
            if let ops = w.operations { m.operations = (m.operations ?? [:]).merging(ops, uniquingKeysWith: +) }
            if let e = w.endpoint { m.endpoints = (m.endpoints ?? []) + [e] }
            if let s = w.seed { m.seeds = (m.seeds ?? []) + [s] }
            for f in w.findings {
                guard var kept = bySignature[f.signature] else { bySignature[f.signature] = f; continue }
                let hits = kept.hits + f.hits
                if f.firstFoundSeconds < kept.firstFoundSeconds { kept = f }
                kept.hits = hits
                bySignature[f.signature] = kept
            }
        }
        m.workers = workers.count
        m.findings = bySignature.values.sorted { ($0.firstFoundSeconds, $0.signature) < ($1.firstFoundSeconds, $1.signature) }
        return m
    }

    /// The summary for people, printed at the end of a run.
    package var text: String {
        let by = (workers ?? 1) > 1 ? " by \(workers!) workers" : ""
        var head = "\(execs) execs in \(format1(seconds)) s (\(Int(execPerSecond)) exec/s)\(by)"
        if let c = corpusSize, let f = features { head += ", corpus \(c), features \(f)" }
        if let r = restarts { head += ", \(r) restarts" }
        var lines = [head + ", \(findings.count) finding(s)"]
        for (i, f) in findings.enumerated() {
            let size: String
            if let b = f.minimizedSize { size = "\(f.minimizedMessages ?? 0) msg, \(b) bytes" } else {
                size = "\(f.size) bytes" + (f.messages != nil ? " (not minimised)" : "")
            }
            lines.append("  \(i + 1). \(f.signature)  hits \(f.hits)  first at \(format1(f.firstFoundSeconds)) s  \(size)")
            if !f.detail.isEmpty { lines.append("     \(f.detail.prefix(150))") }
            lines.append("     reproducer: \(f.minimized ?? f.inputPath)" + (f.capture.map { "  capture: \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}

/// One decimal, for people (`2.5 s`).
func format1(_ d: Double) -> String {
    String((d * 10).rounded() / 10)
}

extension RunSummary {
    /// The status line of every target: `#N execs: N exec/s: R <fields> time: Ts` (`DONE` for
    /// the last one).
    static func statusLine(final: Bool, execs: Int, seconds: Double, _ fields: KeyValuePairs<String, Int>) -> String {
        let rate = seconds > 0 ? Int(Double(execs) / seconds) : 0
        let rest = fields.map { " \($0.key): \($0.value)" }.joined()
        return "\(final ? "DONE" : "#\(execs)") execs: \(execs) exec/s: \(rate)\(rest) time: \(Int(seconds))s"
    }
}
