/// Options of a session fuzzing run, server or client (the engine's common options plus the target's).
package struct SessionConfig: Sendable {
    package var seed: UInt64 = 1
    /// Stop after this many cases (nil: no limit).
    package var runs: Int?
    /// Stop after this many seconds (nil: no limit).
    package var maxTime: Double?
    /// Seconds without a reply before a case counts as unanswered.
    package var timeout: Double = 0.25
    package var findingsDirectory = "findings"
    package var summaryJSON: String?
    /// Seconds between stats lines (0: none).
    package var statsInterval: Double = 1
    /// Cases between registry audits (`["re"]`, the leak oracle).
    package var auditEvery = 4096
    /// Registry entries left after every proxy was released that count as a leak.
    package var leakThreshold = 256
    /// Growth of the spawned program's resident memory (MB) that counts as a finding.
    package var rssGrowthMB = 256
    /// Time budget for minimising one finding.
    package var minimizeSeconds: Double = 30
    /// Stop at the first finding.
    package var stopOnFirst = false
    /// Cases pipelined per round trip (each with its own probe and fence).
    package var batch = 32
    /// What one life of the target costs (ms), when it is expensive (`--life-cost-ms`): with a
    /// twin predictor, cases are chosen on the twin first.
    package var lifeCostMillis: Int?
    /// Batches written ahead of the replies being read: the server works while msgfuzz judges,
    /// and the write gaps of split messages overlap with both (8 ran ~6 % faster than 4 on
    /// loopback; the culprit search after a lost batch covers the batches behind it too).
    package var inFlight = 8

    /// Set in a worker of a parallel run (`--jobs`): its number, used in its file names (the
    /// spawned program's stderr) and log lines.
    package var worker: Int?

    /// Where a spawned target's stderr goes: one file per worker in the findings directory.
    package var targetStderrPath: String { findingsDirectory + "/.target-stderr" + (worker.map { "-w\($0)" } ?? "") }

    package init() {}
}

extension SessionConfig {
    /// Writes the summary JSON, prints the findings table (not in a worker: its parent merges
    /// and prints); returns the exit status (0 no finding, 1 findings, 2 set-up error).
    package func report(_ summary: RunSummary, quiet: Bool) -> Int32 {
        if let path = summaryJSON {
            do { try Files.writeAtomically(summary.json, to: path) } catch { Files.printError("msgfuzz: \(error)\n"); return 2 }
        }
        if !quiet && worker == nil { Files.printError("SUMMARY: " + summary.text + "\n") }
        return summary.findings.isEmpty ? 0 : 1
    }
}
