import URPC

extension LeakReport {
    /// A LeakSanitizer-style report: one block per group of leaked proxies (by creating call), with
    /// each proxy's age and last use, then the other anomalies, then a `SUMMARY:` line.
    /// Long groups list the first `perGroup` proxies and say how many more there are.
    package func text(perGroup: Int = 10) -> String {
        var out = ""
        let groups = leakGroups
        if !groups.isEmpty {
            let total = groups.reduce(0) { $0 + $1.members.count }
            out += "==proxies== ERROR: ProxyLeakSanitizer: detected \(total) leaked prox\(total == 1 ? "y" : "ies") in \(groups.count) group\(groups.count == 1 ? "" : "s")\n"
        }
        for g in groups {
            let frames = g.members.compactMap { records[$0].birth?.frame }
            var framesText = frames.prefix(12).map(String.init).joined(separator: ", ")
            if frames.count > 12 { framesText += ", … (\(frames.count - 12) more)" }
            let n = g.members.count
            if frames.isEmpty {
                out += "\n\(n) prox\(n == 1 ? "y" : "ies") leaked, born before the capture began (listed by the last registry dump)\n"
            } else {
                out += "\n\(n) prox\(n == 1 ? "y" : "ies") leaked, created by \(g.creator) at frame\(n == 1 ? "" : "s") \(framesText)\n"
            }
            for (k, i) in g.members.prefix(perGroup).enumerated() {
                let r = records[i]
                guard let b = r.birth else {
                    var line = "    #\(k) P\(r.id) born before the capture, "
                    line += r.lastUse.map { "last use frame \($0.frame) (\($0.command)), \(r.useCount) use\(r.useCount == 1 ? "" : "s")" } ?? "never used"
                    out += line + "\n"
                    continue
                }
                var line = "    #\(k) P\(r.id)"
                if connections.count > 1 { line += " stream \(r.stream)" }
                if r.epoch > 0 { line += " boot \(r.epoch + 1)" }
                line += " born frame \(b.frame) (msg \(b.message)"
                if let q = b.inReplyTo { line += ", reply to msg \(q)" }
                if !b.path.isEmpty { line += ", at \(b.path)" }
                line += "), age \(LeakReport.seconds(endTime.since(b.time))) s, "
                if let u = r.lastUse {
                    line += "last use frame \(u.frame) (\(u.command)), \(r.useCount) use\(r.useCount == 1 ? "" : "s")"
                } else {
                    line += "never used"
                }
                if let rel = r.release { line += ", _d at frame \(rel.frame) never answered" }
                out += line + "\n"
            }
            if n > perGroup { out += "    … and \(n - perGroup) more\n" }
        }
        let other = anomalies.filter { $0.kind != AnomalyKind.leaked.name }
        if !other.isEmpty {
            out += (out.isEmpty ? "" : "\n") + "Other proxy anomalies (\(other.count)):\n"
            for a in other {
                var line = "  \(a.kind)"
                if let f = a.frame { line += " at frame \(f)" }
                if connections.count > 1, let s = a.stream { line += " (stream \(s))" }
                if let p = a.proxy { line += " P\(p)" }
                out += line + ": " + a.detail + "\n"
            }
        }
        out += (out.isEmpty ? "" : "\n") + "SUMMARY: ProxyLeakSanitizer: " + summaryLine + "\n"
        return out
    }
}
