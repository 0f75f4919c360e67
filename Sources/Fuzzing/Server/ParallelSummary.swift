import Foundation

/// `--jobs N` with a server or client target: the workers' summaries (the JSON each one wrote with
/// `--summary-json`) merged into one. Cases and counters are summed, findings deduplicated by
/// signature (hits summed, the earliest report kept), the rate taken over the parent's
/// wall-clock time.
public enum ParallelSummary {
    public static func merge(_ workers: [[String: Any]], seconds: Double) -> [String: Any] {
        var counters: [String: Int] = ["cases": 0, "restarts": 0, "timeouts": 0, "slow_cases": 0, "probe_resets": 0, "minimize_runs": 0]
        var operations: [String: Int] = [:]
        var bySignature: [String: [String: Any]] = [:]
        for w in workers {
            for k in counters.keys { counters[k, default: 0] += w[k] as? Int ?? 0 }
            for (op, n) in w["operations"] as? [String: Any] ?? [:] { operations[op, default: 0] += n as? Int ?? 0 }
            for f in w["findings"] as? [[String: Any]] ?? [] {
                guard let sig = f["signature"] as? String else { continue }
                guard var kept = bySignature[sig] else { bySignature[sig] = f; continue }
                let hits = (kept["hits"] as? Int ?? 0) + (f["hits"] as? Int ?? 0)
                if firstSeconds(f) < firstSeconds(kept) { kept = f }
                kept["hits"] = hits
                bySignature[sig] = kept
            }
        }
        let findings = bySignature.values.sorted { firstSeconds($0) < firstSeconds($1) }
        let cases = counters["cases"] ?? 0
        var o: [String: Any] = [
            "target": workers.first?["target"] as? String ?? "server",
            "workers": workers.count,
            "endpoints": workers.map { $0["endpoint"] as? String ?? "" },
            "seeds": workers.map { $0["seed"] as? Int ?? 0 },
            "seconds": (seconds * 1000).rounded() / 1000,
            "cases_per_second": seconds > 0 ? (Double(cases) / seconds).rounded() : 0,
            "operations": operations,
            "findings": findings,
        ]
        for (k, v) in counters { o[k] = v }
        return o
    }

    public static func json(_ summary: [String: Any]) -> [UInt8] {
        let data = (try? JSONSerialization.data(withJSONObject: summary, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return Array(data) + [0x0a]
    }

    /// The findings table printed at the end, as a single run prints it.
    public static func text(_ summary: [String: Any]) -> String {
        let findings = summary["findings"] as? [[String: Any]] ?? []
        let seconds = summary["seconds"] as? Double ?? 0
        var lines = ["\(summary["cases"] as? Int ?? 0) cases in \(format1(seconds)) s (\(Int(summary["cases_per_second"] as? Double ?? 0)) cases/s) by \(summary["workers"] as? Int ?? 0) workers, \(findings.count) finding(s)"]
        for (i, f) in findings.enumerated() {
            let size: String
            if let b = f["minimized_bytes"] as? Int { size = "\(f["minimized_messages"] as? Int ?? 0) msg, \(b) bytes" } else {
                size = "\(f["bytes"] as? Int ?? 0) bytes (not minimised)"
            }
            lines.append("  \(i + 1). \(f["signature"] as? String ?? "")  hits \(f["hits"] as? Int ?? 0)  first at \(format1(firstSeconds(f))) s  \(size)")
            lines.append("     \((f["detail"] as? String ?? "").prefix(150))")
            let repro = f["minimized"] as? String ?? f["reproducer"] as? String ?? ""
            lines.append("     reproducer: \(repro)" + ((f["capture"] as? String).map { "  capture: \($0)" } ?? ""))
        }
        return lines.joined(separator: "\n")
    }

    static func firstSeconds(_ f: [String: Any]) -> Double { f["first_seconds"] as? Double ?? .infinity }
}
