import Capture
import URPC

/// HTML escaping for text and attribute values.
func esc(_ s: String) -> String {
    var r = ""
    r.reserveCapacity(s.utf8.count)
    for c in s.unicodeScalars {
        switch c {
        case "&": r += "&amp;"
        case "<": r += "&lt;"
        case ">": r += "&gt;"
        case "\"": r += "&quot;"
        default: r.unicodeScalars.append(c)
        }
    }
    return r
}

extension ProxyFate {
    var colour: String {
        switch self {
        case .leaked: "#d64541"
        case .released: "#3a9d5d"
        case .lostInRestart: "#e8a33d"
        case .unknown: "#8c8c8c"
        }
    }
}

extension LeakReport {
    /// Above this many proxies the timeline groups bars by creating call (bands + sampled bars).
    package static let htmlBarLimit = 2_000
    /// Rows shown in the proxy and anomaly tables (the JSON report has them all).
    package static let htmlTableLimit = 2_000

    /// One self-contained page (inline CSS and SVG, nothing fetched): summary, SVG timeline (one bar
    /// per proxy from birth to release or the end, coloured by fate, anomalies marked, details on
    /// hover), leak groups, anomalies, proxies and connections.
    package func html(title: String = "Proxy lifecycles and leaks") -> String {
        var o = """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(esc(title))</title>
        <style>
        body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1240px}
        h1{font-size:22px;margin:0 0 8px} h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;margin:6px 0;font-size:13px} th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
        th{background:#f3f3f3} td.n{text-align:right;font-variant-numeric:tabular-nums}
        .summary{font-size:15px;background:#f7f7f7;border-left:4px solid #d64541;padding:8px 12px}
        .ok{border-left-color:#3a9d5d} .note{color:#555;font-style:italic}
        .sev-error{color:#b00020;font-weight:600} .sev-warning{color:#a15c00} .sev-note{color:#555}
        .legend span{display:inline-block;margin-right:16px} .legend i{display:inline-block;width:14px;height:10px;margin-right:4px;vertical-align:middle}
        code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}
        svg text{font:11px ui-monospace,Menlo,Consolas,monospace;fill:#333}
        </style></head><body>

        """
        let s = summary
        o += "<h1>\(esc(title))</h1>\n"
        o += "<p class=\"summary\(s.leaked == 0 && anomalies.isEmpty ? " ok" : "")\">\(esc(summaryLine))</p>\n"
        o += "<table><tr><th>proxies</th><th>born</th><th>uses</th><th>released</th><th>leaked</th><th>leak groups</th><th>lost in restart</th><th>unknown</th><th>end frame</th><th>duration</th></tr>"
        o += "<tr><td class=n>\(s.proxies)</td><td class=n>\(s.born)</td><td class=n>\(s.uses)</td><td class=n>\(s.released)</td><td class=n>\(s.leaked)</td><td class=n>\(s.leakGroups)</td><td class=n>\(s.lostInRestart)</td><td class=n>\(s.unknown)</td><td class=n>\(endFrame)</td><td class=n>\(LeakReport.seconds(offset(endTime))) s</td></tr></table>\n"
        if !s.anomalies.isEmpty {
            o += "<p>Anomalies: \(esc(LeakReport.kindCounts(s.anomalies)))</p>\n"
        }
        o += "<h2>Timeline</h2>\n"
        o += timelineSVG()
        o += "<p class=\"legend\">" + ProxyFate.allCases.map { "<span><i style=\"background:\($0.colour)\"></i>\($0.rawValue)</span>" }.joined()
        o += "<span><svg width=\"12\" height=\"12\"><path d=\"M6 1 L11 6 L6 11 L1 6 Z\" fill=\"#111\"/></svg> anomaly</span>"
        o += "<span><svg width=\"14\" height=\"12\"><line x1=\"7\" y1=\"0\" x2=\"7\" y2=\"12\" stroke=\"#7b3fb5\" stroke-width=\"2\" stroke-dasharray=\"3 2\"/></svg> restart / registry dump</span>"
        o += "<span><svg width=\"10\" height=\"12\"><line x1=\"5\" y1=\"2\" x2=\"5\" y2=\"10\" stroke=\"#fff\" stroke-width=\"2\" style=\"stroke:#222\"/></svg> use</span></p>\n"

        // Leak groups.
        let groups = leakGroups
        o += "<h2>Leaks by creating call</h2>\n"
        if groups.isEmpty {
            o += "<p>No proxy is left registered at the end of the capture.</p>\n"
        } else {
            o += "<table><tr><th>created by</th><th>leaked</th><th>born at frames</th><th>oldest age</th><th>last use</th></tr>\n"
            for g in groups.prefix(200) {
                let frames = g.members.compactMap { records[$0].birth?.frame }
                var ft = frames.prefix(12).map(String.init).joined(separator: ", ")
                if frames.count > 12 { ft += ", … (\(frames.count - 12) more)" }
                let oldest = g.members.compactMap { records[$0].birth?.time }.min().map { endTime.since($0) } ?? 0
                let last = g.members.compactMap { records[$0].lastUse }.max { $0.frame < $1.frame }
                o += "<tr><td><code>\(esc(g.creator))</code></td><td class=n>\(g.members.count)</td><td>\(ft)</td><td class=n>\(LeakReport.seconds(oldest)) s</td><td>\(last.map { "frame \($0.frame) (\(esc($0.command)))" } ?? "never used")</td></tr>\n"
            }
            o += "</table>\n"
            if groups.count > 200 { o += "<p class=\"note\">\(groups.count - 200) smaller groups not shown.</p>\n" }
        }

        // Anomalies.
        o += "<h2>Anomalies</h2>\n"
        if anomalies.isEmpty {
            o += "<p>None.</p>\n"
        } else {
            o += "<table><tr><th>kind</th><th>severity</th><th>stream</th><th>frame</th><th>proxy</th><th>detail</th></tr>\n"
            for a in anomalies.prefix(LeakReport.htmlTableLimit) {
                o += "<tr><td>\(esc(a.kind))</td><td class=\"sev-\(a.severity.rawValue)\">\(a.severity.rawValue)</td><td class=n>\(a.stream.map(String.init) ?? "")</td><td class=n>\(a.frame.map(String.init) ?? "")</td><td>\(a.proxy.map { "P\($0)" } ?? "")</td><td>\(esc(a.detail))</td></tr>\n"
            }
            o += "</table>\n"
            if anomalies.count > LeakReport.htmlTableLimit {
                o += "<p class=\"note\">Showing the first \(LeakReport.htmlTableLimit) of \(anomalies.count) anomalies; the JSON report has them all.</p>\n"
            }
        }

        // Proxies.
        o += "<h2>Proxies</h2>\n<table><tr><th>id</th><th>stream</th><th>boot</th><th>born frame</th><th>created by</th><th>uses</th><th>last use</th><th>released frame</th><th>fate</th></tr>\n"
        for r in records.prefix(LeakReport.htmlTableLimit) {
            o += "<tr><td>P\(r.id)</td><td class=n>\(r.stream)</td><td class=n>\(r.epoch + 1)</td><td class=n>\(r.birth.map { String($0.frame) } ?? "–")</td>"
            o += "<td><code>\(esc(r.birth?.creator ?? "(never seen born)"))</code></td><td class=n>\(r.useCount)</td>"
            o += "<td>\(r.lastUse.map { "\($0.frame) (\(esc($0.command)))" } ?? "–")</td>"
            o += "<td class=n>\(r.release.map { "\($0.frame)" + ($0.answered ? "" : " (unanswered)") } ?? "–")</td>"
            o += "<td style=\"color:\(r.fate.colour);font-weight:600\">\(r.fate.rawValue)</td></tr>\n"
        }
        o += "</table>\n"
        if records.count > LeakReport.htmlTableLimit {
            o += "<p class=\"note\">Showing the first \(LeakReport.htmlTableLimit) of \(records.count) proxies; the JSON report has them all.</p>\n"
        }

        // Connections.
        o += "<h2>Connections</h2>\n<table><tr><th>stream</th><th>client</th><th>server</th><th>born</th><th>uses</th><th>released</th><th>double releases</th><th>uses after release</th><th>unknown ids</th><th>leaked at end</th><th>registry dumps</th></tr>\n"
        for c in connections {
            let snaps = c.registrySnapshots.map { "msg \($0.msg): \($0.ids.count) ids " + ($0.matchesLifecycle ? "✓" : "✗ mismatch") }
            o += "<tr><td class=n>\(c.stream)</td><td>\(esc(c.client?.description ?? "?"))</td><td>\(esc(c.server?.description ?? "?"))</td>"
            o += "<td class=n>\(c.born.count)</td><td class=n>\(c.used.count)</td><td class=n>\(c.released.count)</td><td class=n>\(c.doubleReleases.count)</td>"
            o += "<td class=n>\(c.usesAfterRelease.count)</td><td class=n>\(c.unknownIDs.count)</td><td class=n>\(c.leakedAtEnd.count)</td>"
            o += "<td>\(esc(snaps.prefix(20).joined(separator: "; ")))\(snaps.count > 20 ? " …" : "")</td></tr>\n"
        }
        o += "</table>\n</body></html>\n"
        return o
    }

    // MARK: timeline

    /// Where a proxy's bar starts and ends, in frames.
    func span(_ i: Int, restarts: [Int: [Int]]) -> (start: Int, end: Int) {
        let r = records[i]
        let start = r.birth?.frame ?? min(r.uses.first?.frame ?? endFrame, r.release?.frame ?? endFrame)
        var end = endFrame
        switch r.fate {
        case .released: end = r.release?.frame ?? endFrame
        case .lostInRestart:
            end = restarts[r.stream]?.first { $0 > start } ?? endFrame
        case .unknown:
            end = max(r.uses.last?.frame ?? start, r.release?.frame ?? start)
        case .leaked: end = endFrame
        }
        return (start, max(end, start))
    }

    func timelineSVG() -> String {
        var firstFrame = endFrame
        for i in records.indices { firstFrame = min(firstFrame, self.span(i, restarts: [:]).start) }
        let lo: Int = max(1, min(firstFrame, endFrame))
        let hi: Int = max(endFrame, lo + 1)
        let left = 190.0, plotW = 1000.0, top = 24.0
        let width: Double = Double(hi - lo)
        func x(_ f: Int) -> Double {
            let r: Double = Double(f - lo) / width
            return left + r * plotW
        }
        func fmt(_ v: Double) -> String { LeakReport.decimal1(v) }
        var restarts: [Int: [Int]] = [:]
        for a in anomalies where a.kind == AnomalyKind.idRestart.name && a.proxy == nil {
            if let s = a.stream, let f = a.frame { restarts[s, default: []].append(f) }
        }
        let grouped = records.count > LeakReport.htmlBarLimit
        var body = ""
        var rowY = top
        // Rows: (label, record indices to draw as bars, optional band of live counts)
        if !grouped {
            let rowH = records.count <= 120 ? 16.0 : (records.count <= 600 ? 8.0 : 4.0)
            var rowOf: [Int: Double] = [:]   // record index → y
            for i in records.indices {
                let r = records[i]
                let (a, b) = self.span(i, restarts: restarts)
                rowOf[i] = rowY
                let h = max(2.0, rowH - 4)
                var tip = "P\(r.id)"
                if connections.count > 1 { tip += " (stream \(r.stream))" }
                if r.epoch > 0 { tip += " boot \(r.epoch + 1)" }
                if let bb = r.birth { tip += ": born frame \(bb.frame) by \(bb.creator)" } else { tip += ": never seen born" }
                tip += ", \(r.useCount) use\(r.useCount == 1 ? "" : "s")"
                if let u = r.lastUse { tip += " (last frame \(u.frame))" }
                if let rel = r.release { tip += ", _d at frame \(rel.frame)\(rel.answered ? "" : " (unanswered)")" }
                tip += "; \(r.fate.rawValue)"
                if rowH >= 14 {
                    body += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(rowY + h))\" text-anchor=\"end\">\(esc(label(r)))</text>"
                }
                let w = max(r.fate == .unknown ? 5.0 : 2.0, x(b) - x(a))
                body += "<rect x=\"\(fmt(x(a)))\" y=\"\(fmt(rowY + 1))\" width=\"\(fmt(w))\" height=\"\(fmt(h))\" fill=\"\(r.fate.colour)\"\(r.fate == .unknown ? " fill-opacity=\"0.6\"" : "")><title>\(esc(tip))</title></rect>"
                if rowH >= 8 {
                    for u in r.uses.prefix(60) {
                        body += "<line x1=\"\(fmt(x(u.frame)))\" y1=\"\(fmt(rowY + 2))\" x2=\"\(fmt(x(u.frame)))\" y2=\"\(fmt(rowY + h))\" stroke=\"#fff\" stroke-opacity=\"0.85\"><title>\(esc("P\(r.id) used by \(u.command) at frame \(u.frame)"))</title></line>"
                    }
                }
                rowY += rowH
            }
            // Anomalies on their proxy's row: the latest record of that id born at or before the frame.
            var latest: [String: [Int]] = [:]
            for i in records.indices { latest["\(records[i].stream)/\(records[i].id)", default: []].append(i) }
            for a in anomalies {
                guard let f = a.frame else { continue }
                if let p = a.proxy, let cands = latest["\(a.stream ?? 0)/\(p)"] {
                    let i = cands.last { span($0, restarts: restarts).start <= f } ?? cands[0]
                    guard let y = rowOf[i] else { continue }
                    let cy = y + rowH / 2, cx = x(f), d = max(3.0, min(6.0, rowH / 2))
                    body += "<path d=\"M\(fmt(cx)) \(fmt(cy - d)) L\(fmt(cx + d)) \(fmt(cy)) L\(fmt(cx)) \(fmt(cy + d)) L\(fmt(cx - d)) \(fmt(cy)) Z\" fill=\"#111\"><title>\(esc("\(a.kind) at frame \(f): \(a.detail)"))</title></path>"
                }
            }
        } else {
            // Too many bars: one band per creating call with the number of live proxies over time,
            // and a few sampled proxies of the group as thin bars under it.
            let buckets = 250
            func bucket(_ f: Int) -> Int {
                let r: Double = Double(f - lo) / width * Double(buckets)
                return min(buckets - 1, max(0, Int(r)))
            }
            var groups = self.groups(of: nil)
            let unknown = records.indices.filter { records[$0].birth == nil }
            if !unknown.isEmpty { groups.append(Group(creator: "(never seen born)", members: unknown)) }
            let shown = groups.prefix(24)
            let rest = groups.dropFirst(24).flatMap(\.members)
            var rows = Array(shown)
            if !rest.isEmpty { rows.append(Group(creator: "(\(groups.count - 24) other calls)", members: rest)) }
            body += "<text x=\"\(fmt(left))\" y=\"\(fmt(rowY - 8))\">\(records.count) proxies: grouped by creating call; bands show live proxies over time, bars are sampled proxies</text>"
            // Anomalies other than leaks on one strip (leaks are the red part of the bands).
            let marked = anomalies.filter { $0.kind != AnomalyKind.leaked.name && $0.frame != nil && $0.proxy != nil }
            if !marked.isEmpty {
                body += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(rowY + 11))\" text-anchor=\"end\">anomalies (\(marked.count))</text>"
                let every = max(1, marked.count / LeakReport.htmlBarLimit)
                for (k, a) in marked.enumerated() where k % every == 0 {
                    let cx = x(a.frame!), cy = rowY + 7
                    body += "<path d=\"M\(fmt(cx)) \(fmt(cy - 5)) L\(fmt(cx + 5)) \(fmt(cy)) L\(fmt(cx)) \(fmt(cy + 5)) L\(fmt(cx - 5)) \(fmt(cy)) Z\" fill=\"#111\"><title>\(esc("\(a.kind) at frame \(a.frame!): \(a.detail)"))</title></path>"
                }
                rowY += 20
            }
            for g in rows {
                // Live proxies per bucket: all of them, and those that end up leaked (drawn on top).
                var deltaAll = [Int](repeating: 0, count: buckets + 1)
                var deltaLeak = [Int](repeating: 0, count: buckets + 1)
                var byFate: [ProxyFate: [Int]] = [:]
                for i in g.members {
                    let (a, b) = self.span(i, restarts: restarts)
                    let leaks = records[i].fate == .leaked
                    deltaAll[bucket(a)] += 1
                    if leaks { deltaLeak[bucket(a)] += 1 } else { deltaAll[bucket(b) + 1] -= 1 }
                    byFate[records[i].fate, default: []].append(i)
                }
                var liveAll = [Int](repeating: 0, count: buckets)
                var liveLeak = [Int](repeating: 0, count: buckets)
                var runA = 0, runL = 0
                for k in 0..<buckets {
                    runA += deltaAll[k]; runL += deltaLeak[k]
                    liveAll[k] = runA; liveLeak[k] = runL
                }
                let peak = max(1, liveAll.max() ?? 1)
                let bandH = 36.0
                let base = rowY + bandH
                func area(_ live: [Int]) -> String {
                    var pts = "\(fmt(left)),\(fmt(base))"
                    for k in 0..<buckets {
                        let x0 = left + Double(k) / Double(buckets) * plotW
                        let x1 = left + Double(k + 1) / Double(buckets) * plotW
                        let y = base - Double(live[k]) / Double(peak) * bandH
                        pts += " \(fmt(x0)),\(fmt(y)) \(fmt(x1)),\(fmt(y))"
                    }
                    return pts + " \(fmt(left + plotW)),\(fmt(base))"
                }
                let tally = ProxyFate.allCases.compactMap { f in byFate[f].map { "\($0.count) \(f.rawValue)" } }.joined(separator: ", ")
                let tip = "\(g.creator): \(g.members.count) proxies (\(tally)); at most \(peak) live at once"
                body += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(rowY + 14))\" text-anchor=\"end\">\(esc(String(g.creator.prefix(26))))</text>"
                body += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(rowY + 27))\" text-anchor=\"end\" style=\"fill:#777\">\(g.members.count) (peak \(peak))</text>"
                body += "<polygon points=\"\(area(liveAll))\" fill=\"\(ProxyFate.released.colour)\" fill-opacity=\"0.35\" stroke=\"\(ProxyFate.released.colour)\"><title>\(esc(tip))</title></polygon>"
                if runL > 0 {
                    body += "<polygon points=\"\(area(liveLeak))\" fill=\"\(ProxyFate.leaked.colour)\" fill-opacity=\"0.45\" stroke=\"\(ProxyFate.leaked.colour)\"><title>\(esc(tip + "; red: live proxies that are never released"))</title></polygon>"
                }
                rowY += bandH + 3
                // Sampled bars, each fate in proportion (at least one of each), evenly spaced in birth order.
                let sample = 12
                var picked: [Int] = []
                for f in ProxyFate.allCases {
                    guard let list = byFate[f] else { continue }
                    let want = max(1, sample * list.count / g.members.count)
                    let step = max(1, list.count / want)
                    var k = 0
                    while k < list.count && picked.count < sample + 4 && k / step < want { picked.append(list[k]); k += step }
                }
                picked.sort()
                for i in picked {
                    let r = records[i]
                    let (a, b) = self.span(i, restarts: restarts)
                    let tip = "sampled P\(r.id): born frame \(r.birth.map { String($0.frame) } ?? "?"), \(r.useCount) uses, \(r.fate.rawValue)"
                    body += "<rect x=\"\(fmt(x(a)))\" y=\"\(fmt(rowY))\" width=\"\(fmt(max(1.5, x(b) - x(a))))\" height=\"2\" fill=\"\(r.fate.colour)\"><title>\(esc(tip))</title></rect>"
                    rowY += 3
                }
                rowY += 10
            }
        }
        let height = rowY + 30
        // Restarts and registry dumps: dashed verticals across the plot.
        var marks = ""
        for a in anomalies where a.proxy == nil {
            guard let f = a.frame else { continue }
            marks += "<line x1=\"\(fmt(x(f)))\" y1=\"\(fmt(top - 6))\" x2=\"\(fmt(x(f)))\" y2=\"\(fmt(rowY))\" stroke=\"#7b3fb5\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"><title>\(esc("\(a.kind) at frame \(f): \(a.detail)"))</title></line>"
        }
        // Axis with frame ticks.
        var axis = "<line x1=\"\(fmt(left))\" y1=\"\(fmt(rowY + 4))\" x2=\"\(fmt(left + plotW))\" y2=\"\(fmt(rowY + 4))\" stroke=\"#999\"/>"
        let frameSpan = hi - lo
        var step = 1
        let steps: [Int] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000]
        for s in steps {
            step = s
            if frameSpan / s <= 10 { break }
        }
        var t = (lo + step - 1) / step * step
        while t <= hi {
            axis += "<line x1=\"\(fmt(x(t)))\" y1=\"\(fmt(rowY + 4))\" x2=\"\(fmt(x(t)))\" y2=\"\(fmt(rowY + 9))\" stroke=\"#999\"/><text x=\"\(fmt(x(t)))\" y=\"\(fmt(rowY + 21))\" text-anchor=\"middle\">\(t)</text>"
            t += step
        }
        axis += "<text x=\"\(fmt(left - 24))\" y=\"\(fmt(rowY + 21))\" text-anchor=\"end\">frame</text>"
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + plotW + 20))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(left + plotW + 20)) \(Int(height))\" role=\"img\" aria-label=\"proxy timeline\">"
            + body + marks + axis + "</svg>\n"
            + (grouped ? "<p class=\"note\">\(records.count) proxies are more than \(LeakReport.htmlBarLimit): bars are grouped by creating call. Each band shows how many of that call's proxies are live over time: red for those never released (leaked), green for the others; under it about 12 of its proxies (each fate in proportion) are drawn as sampled bars. Other anomalies are marked on one strip. Hover for details.</p>\n" : "")
    }

    /// One decimal, no Foundation formatting (SVG coordinates).
    static func decimal1(_ v: Double) -> String {
        let t = Int((v * 10).rounded())
        let a = abs(t)
        return (t < 0 ? "-" : "") + String(a / 10) + "." + String(a % 10)
    }

    /// Row label: `P7 cm P5.socket()`.
    func label(_ r: ProxyRecord) -> String {
        var s = "P\(r.id)"
        if connections.count > 1 { s = "s\(r.stream) " + s }
        let c = r.birth?.creator ?? "?"
        s += " " + (c.count > 18 ? String(c.prefix(17)) + "…" : c)
        return s
    }
}
