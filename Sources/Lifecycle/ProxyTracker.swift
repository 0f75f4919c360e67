import Capture
import MessagePack
import URPC

/// Follows every proxy of a capture from birth to release, from the dissector's messages.
///
/// Feed all messages of a capture in order with `observe(_:)` (each stream is one server session
/// chain: ids count up within a server boot, and a birth of an id not above the largest one born so
/// far starts a new epoch), then call `finish(endFrame:endTime:)` for the `LeakReport`.
/// Ids are looked up in a flat table (`IDTable`): cost is linear in the number of messages and proxies.
package final class ProxyTracker {
    var records: [ProxyRecord] = []
    var anomalies: [Anomaly] = []
    var streams: [Int: StreamTrack] = [:]
    private var firstTime: Timestamp?
    private var lastFrame = 0
    private var lastTime = Timestamp(seconds: 0, nanoseconds: 0)
    /// The stream of the previous message (captures are mostly one stream: no lookup per message),
    /// unretained: `streams` keeps every track for the tracker's life.
    private var lastTrack: Unmanaged<StreamTrack>?
    private var lastStream = 0
    /// Reused for the proxy ids of a message read from its value (requests that did not decode whole).
    var idScratch: [UInt32] = []

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
        var m = m
        track(message: &m)
    }

    /// The dissector's batches (not generic: a call from another module is not specialised).
    /// The messages are read in place: none is copied.
    package func observe(_ ms: [Message]) {
        ms.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress else { return }
            // A message read through a pointer would be copied before each call that borrows it
            // (the compiler cannot prove that nothing writes it meanwhile); an inout access is
            // exclusive, so it is borrowed in place. `track` only reads it: nothing is written.
            let messages = UnsafeMutablePointer(mutating: base)
            for i in p.indices { track(message: &messages[i]) }
        }
    }

    package func observe<S: Sequence>(_ ms: S) where S.Element == Message {
        for m in ms { observe(m) }
    }

    /// One message (`inout` only so that it is read in place: it is never written).
    private func track(message m: inout Message) {
        guard m.index >= 0 else { return }   // end-of-capture notes carry no bytes
        if firstTime == nil { firstTime = m.time }
        if m.frame > lastFrame { lastFrame = m.frame; lastTime = m.time }
        if lastTrack == nil || m.stream != lastStream {
            lastTrack = .passUnretained(track(m.stream))
            lastStream = m.stream
        }
        lastTrack.unsafelyUnwrapped._withUnsafeGuaranteedRef { dispatch(&m, $0) }
    }

    @inline(never)
    private func dispatch(_ m: inout Message, _ st: StreamTrack) {
        switch m.direction {
        case .clientToServer:
            // Borrowed from here on (getters read it): one bitwise copy, no retain.
            if case .request = m.kind { request(m, st) }
        case .serverToClient:
            server(&m, st)
        }
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

    func add(_ rec: consuming ProxyRecord, _ st: StreamTrack) -> Int {
        let r = records.count
        records.append(rec)
        st.recordIndices.append(r)
        return r
    }

    @inline(never)
    func flag(_ kind: AnomalyKind, _ m: borrowing Message, id: UInt32?, _ detail: String) {
        anomalies.append(Anomaly(kind, frame: m.frame, stream: m.stream, proxy: id, detail: detail))
    }
}
