#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `msgdissect --stats`: counts per command, latency percentiles, bytes, errors and anomalies.
package struct ConversationStats: Sendable {
    package private(set) var messages = 0
    /// Requests and latencies (seconds) of final replies, per command: the urpc commands by their
    /// place in the command table (no hashing per message), any other name (unknown, malformed)
    /// in a dictionary. Latencies are log-scale histograms, so memory stays flat however long the
    /// capture.
    private var known = [PerCommand](repeating: PerCommand(), count: Command.allCases.count)
    private var others: [String: PerCommand] = [:]

    struct PerCommand: Sendable {
        var requests = 0
        var latency: LatencyHistogram?
    }

    package var requestsByCommand: [String: Int] {
        var d: [String: Int] = [:]
        for (i, c) in known.enumerated() where c.requests > 0 { d[Command.allCases[i].rawValue] = c.requests }
        for (k, c) in others where c.requests > 0 { d[k] = c.requests }
        return d
    }

    package var latency: [String: LatencyHistogram] {
        var d: [String: LatencyHistogram] = [:]
        for (i, c) in known.enumerated() { if let h = c.latency { d[Command.allCases[i].rawValue] = h } }
        for (k, c) in others { if let h = c.latency { d[k] = h } }
        return d
    }

    /// The counters of a message's command: by its table entry, or by name for any other.
    @inline(__always)
    private mutating func withCounters(_ m: UnsafePointer<Message>, _ body: (inout PerCommand) -> Void) {
        if let c = m.pointee.commandEntry {
            body(&known[c.tableIndex])
        } else if let name = m.pointee.command {
            body(&others[name, default: PerCommand()])
        }
    }
    /// Bytes per direction (client→server, server→client) and messages per part name, as plain
    /// counters: no hashing per message.
    private var bytesC2S = 0, bytesS2C = 0
    private var partCounts = [Int](repeating: 0, count: MessageText.partNames.count)
    package var bytes: [Direction: Int] {
        var d: [Direction: Int] = [:]
        if bytesC2S > 0 { d[.clientToServer] = bytesC2S }
        if bytesS2C > 0 { d[.serverToClient] = bytesS2C }
        return d
    }
    package var byPart: [String: Int] {
        var d: [String: Int] = [:]
        for (i, n) in partCounts.enumerated() where n > 0 { d[MessageText.partNames[i], default: 0] += n }
        return d
    }
    private var lastStream: Int?
    package private(set) var anomalies: [String: Int] = [:]
    package private(set) var exceptions: [String: Int] = [:]
    package private(set) var streams = Set<Int>()

    package init() {}

    /// Counts a batch of messages, each read in place (a message passed by value would be copied).
    package mutating func add(_ ms: [Message]) {
        ms.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            for i in 0..<p.count { count(base + i) }
        }
    }

    package mutating func add(_ m: Message) {
        withUnsafePointer(to: m) { count($0) }
    }

    /// Reads the message's stored fields where it is; only the rare parts (exceptions,
    /// anomalies) read it whole.
    @inline(__always)
    private mutating func count(_ p: UnsafePointer<Message>) {
        let part = p.pointee.part
        if p.pointee.index >= 0 {
            messages += 1
            let stream = p.pointee.stream
            if stream != lastStream { streams.insert(stream); lastStream = stream }
            let n = p.pointee.streamRange.count
            if p.pointee.direction == .clientToServer { bytesC2S += n } else { bytesS2C += n }
            let k = part != .request ? MessageText.partIndex(part, p.pointee.direction)
                : !p.pointee.isMalformedRequest && !p.pointee.hasAnomalies ? 0 : MessageText.partIndex(p.pointee)
            partCounts[k] += 1
        }
        if p.pointee.kind == .request { withCounters(p) { $0.requests += 1 } }
        if let l = p.pointee.latency, part == .value || part == .riEnd || part == .exception {
            withCounters(p) {
                if $0.latency == nil { $0.latency = LatencyHistogram() }
                $0.latency!.add(l)
            }
        }
        if part == .exception || part == .legacyTraceback { countException(p.pointee) }
        if p.pointee.hasAnomalies { for a in p.pointee.anomalies { anomalies[a.kind, default: 0] += 1 } }
    }

    @inline(never)
    private mutating func countException(_ m: Message) {
        guard let e = m.exceptionLine else { return }
        exceptions[m.part == .legacyTraceback ? e + " (raw traceback)" : e, default: 0] += 1
    }

    package func render() -> String {
        var s = "\n=== urpc statistics ===\n"
        s += "streams: \(streams.count)   messages: \(messages)   bytes C>S: \(bytesC2S)   S>C: \(bytesS2C)\n"
        s += "\nrequests by command:\n"
        s += pad("cmd", 8) + pad("count", 10, right: true) + pad("p50", 12, right: true) + pad("p90", 12, right: true)
            + pad("p99", 12, right: true) + pad("max", 12, right: true) + "\n"
        var all = LatencyHistogram()
        let latency = self.latency
        for (c, n) in requestsByCommand.sorted(by: { ($0.value, $1.key) > ($1.value, $0.key) }) {
            let h = latency[c] ?? LatencyHistogram()
            all.merge(h)
            s += pad(c, 8) + pad(String(n), 10, right: true) + pctl(h)
        }
        s += pad("all", 8) + pad(String(requestsByCommand.values.reduce(0, +)), 10, right: true) + pctl(all)
        s += "\nmessages by part:\n"
        for (k, n) in byPart.sorted(by: { $0.key < $1.key }) { s += "  " + pad(k, 16) + String(n) + "\n" }
        s += "\nerrors:\n"
        if exceptions.isEmpty { s += "  none\n" }
        for (k, n) in exceptions.sorted(by: { $0.key < $1.key }) { s += "  " + pad(k, 24) + String(n) + "\n" }
        s += "\nanomalies:\n"
        if anomalies.isEmpty { s += "  none\n" }
        for (k, n) in anomalies.sorted(by: { $0.key < $1.key }) { s += "  " + pad(k, 24) + String(n) + "\n" }
        return s
    }

    private func pctl(_ h: LatencyHistogram) -> String {
        guard h.count > 0 else { return pad("-", 12, right: true) + pad("-", 12, right: true) + pad("-", 12, right: true) + pad("-", 12, right: true) + "\n" }
        return [0.5, 0.9, 0.99].map { pad(MessageText.milliseconds(h.quantile($0)), 12, right: true) }.joined()
            + pad(MessageText.milliseconds(h.max), 12, right: true) + "\n"
    }

    private func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let k = s.count
        if k >= n { return s + " " }
        let sp = String(repeating: " ", count: n - k)
        return right ? sp + s : s + sp
    }
}

/// Log-scale latency histogram in the manner of HdrHistogram: fixed size whatever the capture's
/// length (1 µs to 1000 s, 231 buckets per decade, so a percentile is within 1 % of the truth).
package struct LatencyHistogram: Sendable {
    static let perDecade = 231.0
    static let minLog = -6.0
    static let buckets = 9 * 231 + 2
    package private(set) var counts = [Int](repeating: 0, count: LatencyHistogram.buckets)
    package private(set) var count = 0
    package private(set) var max = 0.0

    package init() {}

    package mutating func add(_ seconds: Double) {
        count += 1
        if seconds > max { max = seconds }
        counts[Self.bucket(seconds)] += 1
    }

    package mutating func merge(_ o: LatencyHistogram) {
        for i in counts.indices { counts[i] += o.counts[i] }
        count += o.count
        if o.max > max { max = o.max }
    }

    static func bucket(_ s: Double) -> Int {
        guard s > 0 else { return 0 }
        let b = Int(((log10(s) - minLog) * perDecade).rounded(.down)) + 1
        return Swift.max(0, Swift.min(buckets - 1, b))
    }

    /// Upper edge of the bucket holding quantile q.
    package func quantile(_ q: Double) -> Double {
        guard count > 0 else { return 0 }
        let target = Int((Double(count) * q).rounded(.up))
        var acc = 0
        for (i, c) in counts.enumerated() {
            acc += c
            if acc >= target {
                if i == 0 { return 0 }
                return Swift.min(max, pow10(Self.minLog + Double(i) / Self.perDecade))
            }
        }
        return max
    }

    private func pow10(_ x: Double) -> Double { pow(10, x) }
}


