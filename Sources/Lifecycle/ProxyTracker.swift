import Capture
import MessagePack
import URPC

/// Follows every proxy of a capture from birth to release, from the dissector's messages.
///
/// Feed all messages of a capture in order with `observe(_:)` (each stream is one server session
/// chain: ids count up within a server boot, and a birth of an id not above the largest one born so
/// far starts a new epoch), then call `finish(endFrame:endTime:)` for the `LeakReport`.
/// Every lookup is a dictionary keyed by id: cost is linear in the number of messages and proxies.
package final class ProxyTracker {
    var records: [ProxyRecord] = []
    var anomalies: [Anomaly] = []
    var streams: [Int: StreamTrack] = [:]
    private var firstTime: Timestamp?
    private var lastFrame = 0
    private var lastTime = Timestamp(seconds: 0, nanoseconds: 0)
    /// The stream of the previous message (captures are mostly one stream: no lookup per message).
    private var lastTrack: StreamTrack?
    /// Reused for the proxy ids of each message (no array allocated per message).
    var idScratch: [UInt32] = []

    /// The proxy ids a message carries, into `idScratch`. A message that decoded whole is read by
    /// the header scanner from its bytes (no value is built); one that did not (a request cut
    /// short, too deep or oversized: `Request.malformed` with at most a partial value) from the
    /// value the dissector kept, as far as it goes.
    func collectIDs(_ m: Message, wholeValue: Bool) {
        idScratch.removeAll(keepingCapacity: true)
        if wholeValue {
            Proxy.ids(inWire: m.bytes, into: &idScratch)
        } else if let v = m.value {
            Proxy.ids(in: v, into: &idScratch)
        }
    }

    /// Keep every use of every proxy (the JSON and HTML reports list them). Without it, memory
    /// grows with the proxies, not with the capture; the text report is the same.
    let keepsHistory: Bool

    package init(keepsHistory: Bool = true) { self.keepsHistory = keepsHistory }

    /// Endpoints of a stream, for the report (e.g. from `Dissector.streamInfos`).
    package func describe(stream: Int, client: Endpoint, server: Endpoint) {
        let st = track(stream)
        st.manifest.client = client
        st.manifest.server = server
    }

    package func describe(_ infos: [Dissector.Endpoints]) {
        for i in infos { describe(stream: i.stream, client: i.client, server: i.server) }
    }

    /// Feeds one dissected message (in the dissector's order).
    package func observe(_ m: Message) {
        guard m.index >= 0 else { return }   // end-of-capture notes carry no bytes
        if firstTime == nil { firstTime = m.time }
        if m.frame > lastFrame { lastFrame = m.frame; lastTime = m.time }
        let st: StreamTrack
        if let t = lastTrack, t.stream == m.stream { st = t } else { st = track(m.stream); lastTrack = st }
        switch m.direction {
        case .clientToServer:
            if m.kind == .request, m.hasRequest { request(m, st) }
        case .serverToClient:
            server(m, st)
        }
    }

    /// The dissector's batches (not generic: a call from another module is not specialised).
    package func observe(_ ms: [Message]) {
        for i in ms.indices { observe(ms[i]) }
    }

    package func observe<S: Sequence>(_ ms: S) where S.Element == Message {
        for m in ms { observe(m) }
    }

    /// Ends the capture: fates, leaks and unknown ids are settled. `endFrame`/`endTime` default to
    /// the last message seen.
    package func finish(endFrame: Int? = nil, endTime: Timestamp? = nil) -> LeakReport {
        let endFrame = max(endFrame ?? lastFrame, lastFrame)
        let endTime = endTime ?? lastTime
        var connections: [ConnectionLifecycle] = []
        var extra: [Anomaly] = []
        // Built on first need (an id never seen born): most captures have none.
        var elsewhere: Elsewhere?
        for key in streams.keys.sorted() {
            let st = streams[key]!
            settle(st, endTime: endTime, elsewhere: &elsewhere, into: &extra)
            connections.append(st.manifest)
        }
        var all = anomalies + extra
        // Stable order: by stream, then frame; anomalies without a frame last.
        all = all.enumerated().sorted { a, b in
            let ka = (a.element.stream ?? -1, a.element.frame ?? Int.max, a.offset)
            let kb = (b.element.stream ?? -1, b.element.frame ?? Int.max, b.offset)
            return ka < kb
        }.map(\.element)
        return LeakReport(records: records, anomalies: all, connections: connections,
                          startTime: firstTime ?? endTime, endFrame: endFrame, endTime: endTime)
    }

    private func track(_ stream: Int) -> StreamTrack {
        if let s = streams[stream] { return s }
        let s = StreamTrack(stream: stream)
        streams[stream] = s
        return s
    }

    func add(_ rec: ProxyRecord, _ st: StreamTrack) -> Int {
        let r = records.count
        records.append(rec)
        st.recordIndices.append(r)
        return r
    }

    func flag(_ kind: AnomalyKind, _ m: Message, id: UInt32?, _ detail: String) {
        anomalies.append(Anomaly(kind, frame: m.frame, stream: m.stream, proxy: id, detail: detail))
    }
}
