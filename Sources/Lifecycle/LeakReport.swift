import Capture
import URPC

/// The result of tracking a capture's proxies: every proxy's life, the lifecycle anomalies, and each
/// connection's facts in the manifest shape. Render it with `text()`, `json()` or `html()`.
package struct LeakReport: Sendable {
    package var records: [ProxyRecord]
    /// Lifecycle anomalies, by stream then frame. `kind` is a lifecycle kind of the `AnomalyRegistry`.
    package var anomalies: [Anomaly]
    package var connections: [ConnectionLifecycle]
    /// Time of the first message (relative times in the renderers start here).
    package var startTime: Timestamp
    package var endFrame: Int
    package var endTime: Timestamp

    package init(records: [ProxyRecord], anomalies: [Anomaly], connections: [ConnectionLifecycle],
                startTime: Timestamp, endFrame: Int, endTime: Timestamp) {
        (self.records, self.anomalies, self.connections) = (records, anomalies, connections)
        (self.startTime, self.endFrame, self.endTime) = (startTime, endFrame, endTime)
    }

    /// Leaked proxies that share a creating call (`cm P5.socket()`, `im io`, `gp P2` …).
    package struct Group: Sendable {
        package var creator: String
        /// Indices into `records`, in birth order.
        package var members: [Int]
    }

    /// Leaked proxies grouped by the call that created them, the largest group first.
    package var leakGroups: [Group] { groups(of: .leaked) }

    /// All born proxies of a fate (nil: every born proxy) grouped by creating call, largest first.
    package func groups(of fate: ProxyFate?) -> [Group] {
        var index: [String: Int] = [:]
        var out: [Group] = []
        for (i, r) in records.enumerated() {
            guard fate == nil || r.fate == fate,
                  let creator = r.birth?.creator ?? (r.bornBeforeCapture ? "(born before the capture)" : nil) else { continue }
            if let g = index[creator] {
                out[g].members.append(i)
            } else {
                index[creator] = out.count
                out.append(Group(creator: creator, members: [i]))
            }
        }
        return out.enumerated().sorted { a, b in
            (a.element.members.count, -a.offset) > (b.element.members.count, -b.offset)
        }.map(\.element)
    }

    /// Counts for the summary line and the JSON `summary`.
    package struct Summary: Sendable, Equatable {
        package var proxies = 0, born = 0, released = 0, leaked = 0, lostInRestart = 0, unknown = 0, uses = 0
        package var leakGroups = 0
        /// Anomaly counts by kind (kinds with none are absent).
        package var anomalies: [String: Int] = [:]
    }

    package var summary: Summary {
        var s = Summary()
        s.proxies = records.count
        for r in records {
            if r.birth != nil { s.born += 1 }
            s.uses += r.useCount
            switch r.fate {
            case .released: s.released += 1
            case .leaked: s.leaked += 1
            case .lostInRestart: s.lostInRestart += 1
            case .unknown: s.unknown += 1
            }
        }
        s.leakGroups = leakGroups.count
        for a in anomalies { s.anomalies[a.kind, default: 0] += 1 }
        return s
    }

    /// `6 proxies: 2 released, 4 leaked (3 groups); anomalies: none` — one line for a terminal.
    package var summaryLine: String {
        let s = summary
        var parts = ["\(s.released) released", "\(s.leaked) leaked (\(s.leakGroups) group\(s.leakGroups == 1 ? "" : "s"))"]
        if s.lostInRestart > 0 { parts.append("\(s.lostInRestart) lost in restart") }
        if s.unknown > 0 { parts.append("\(s.unknown) unknown") }
        let other = s.anomalies.filter { $0.key != AnomalyKind.leaked.name }
        let an = other.isEmpty ? "none" : LeakReport.kindCounts(other)
        return "\(s.proxies) prox\(s.proxies == 1 ? "y" : "ies"): " + parts.joined(separator: ", ") + "; other anomalies: " + an
    }

    static func kindCounts(_ d: [String: Int]) -> String {
        let order = AnomalyRegistry.lifecycleKinds.map(\.name)
        return d.sorted { (order.firstIndex(of: $0.key) ?? 99, $0.key) < (order.firstIndex(of: $1.key) ?? 99, $1.key) }
            .map { "\($0.value) \($0.key)" }.joined(separator: ", ")
    }

    /// `--fail-on`: true when an anomaly of one of these kinds exists. `all` (or `any`) matches every kind.
    package func has(kinds: some Sequence<String>) -> Bool {
        let want = Set(kinds.map { $0.lowercased() })
        if want.contains("all") || want.contains("any") { return !anomalies.isEmpty }
        return anomalies.contains { want.contains($0.kind) }
    }

    /// Parses a `--fail-on` list (`leaked,double-release`); returns the names that are not anomaly kinds.
    package static func unknownKinds(in list: String) -> [String] {
        AnomalyRegistry.unknownNames(in: kinds(list))
    }

    /// Splits a `--fail-on` list at commas and spaces.
    package static func kinds(_ list: String) -> [String] {
        list.split(whereSeparator: { $0 == "," || $0 == " " }).map { $0.lowercased() }
    }

    /// Seconds from the first message.
    func offset(_ t: Timestamp) -> Double { t.since(startTime) }

    /// Seconds with two decimals (no Foundation formatting in loops).
    static func seconds(_ v: Double) -> String {
        let c = Int((abs(v) * 100).rounded())
        let s = "\(c / 100)." + (c % 100 < 10 ? "0" : "") + "\(c % 100)"
        return v < 0 ? "-" + s : s
    }
}
