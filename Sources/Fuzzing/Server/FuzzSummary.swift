import Foundation

/// The end-of-run summary: a table for people, JSON for scripts (`--summary-json`).
public enum FuzzSummary {
    public static func json(target: String, endpoint: String, config: ServerFuzzConfig, stats: ServerFuzzer.Stats,
                            findings: [ServerFinding], extra: [String: Any] = [:]) -> [UInt8] {
        var o: [String: Any] = [
            "target": target,
            "endpoint": endpoint,
            "seed": config.seed,
            "cases": stats.cases,
            "seconds": (stats.seconds * 1000).rounded() / 1000,
            "cases_per_second": stats.casesPerSecond.rounded(),
            "restarts": stats.restarts,
            "timeouts": stats.timeouts,
            "slow_cases": stats.slowCases,
            "probe_resets": stats.probeResets,
            "minimize_runs": stats.minimizeRuns,
            "operations": stats.operations,
            "findings": findings.map { f -> [String: Any] in
                [
                    "signature": f.signature,
                    "oracle": f.verdict.oracle.rawValue,
                    "status": f.verdict.end?.key ?? NSNull(),
                    "shape": RequestShape.describe(f.best.signatureRequest ?? []),
                    "detail": f.verdict.detail,
                    "hits": f.hits,
                    "first_seconds": (f.firstSeconds * 1000).rounded() / 1000,
                    "first_case": f.firstCase,
                    "bytes": f.original.byteCount,
                    "messages": f.original.messages.count,
                    "minimized_bytes": f.minimized?.byteCount ?? NSNull(),
                    "minimized_messages": f.minimized?.messages.count ?? NSNull(),
                    "minimized_hex": f.minimized.map { HexText.string($0.bytes) } ?? NSNull(),
                    "reproducer": f.reproducerPath,
                    "minimized": f.minimizedPath ?? NSNull(),
                    "capture": f.capturePath ?? NSNull(),
                ]
            },
        ]
        for (k, v) in extra { o[k] = v }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return Array(data) + [0x0a]
    }

    /// The findings table printed at the end.
    public static func text(findings: [ServerFinding], stats: ServerFuzzer.Stats) -> String {
        var lines = ["\(stats.cases) cases in \(format1(stats.seconds)) s (\(Int(stats.casesPerSecond)) cases/s), \(findings.count) finding(s)"]
        for (i, f) in findings.enumerated() {
            let size = f.minimized.map { "\($0.messages.count) msg, \($0.byteCount) bytes" } ?? "\(f.original.byteCount) bytes (not minimised)"
            lines.append("  \(i + 1). \(f.signature)  hits \(f.hits)  first at \(format1(f.firstSeconds)) s  \(size)")
            lines.append("     \(f.verdict.detail.prefix(150))")
            lines.append("     reproducer: \(f.minimizedPath ?? f.reproducerPath)" + (f.capturePath.map { "  capture: \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}
