import Capture
import MessagePack
import URPC

/// Follows every proxy of a capture from birth to release, from the dissector's messages.
///
/// Feed all messages of a capture in order with `observe(_:)` (each stream is one server session
/// chain: ids count up within a server boot, and a birth of an id not above the largest one born so
/// far starts a new epoch), then call `finish(endFrame:endTime:)` for the `LeakReport`.
/// Every lookup is a dictionary keyed by id: cost is linear in the number of messages and proxies.
public final class ProxyTracker {
    private var records: [ProxyRecord] = []
    private var anomalies: [Anomaly] = []
    private var streams: [Int: StreamTrack] = [:]
    private var firstTime: Timestamp?
    private var lastFrame = 0
    private var lastTime = Timestamp(seconds: 0, nanoseconds: 0)

    public init() {}

    /// Endpoints of a stream, for the report (e.g. from `Dissector.streamInfos`).
    public func describe(stream: Int, client: Endpoint, server: Endpoint) {
        let st = track(stream)
        st.manifest.client = client
        st.manifest.server = server
    }

    public func describe(_ infos: [Dissector.Endpoints]) {
        for i in infos { describe(stream: i.stream, client: i.client, server: i.server) }
    }

    /// Feeds one dissected message (in the dissector's order).
    public func observe(_ m: Message) {
        guard m.index >= 0 else { return }   // end-of-capture notes carry no bytes
        if firstTime == nil { firstTime = m.time }
        if m.frame > lastFrame { lastFrame = m.frame; lastTime = m.time }
        let st = track(m.stream)
        switch m.direction {
        case .clientToServer:
            if m.kind == .request, let req = m.request { request(m, req, st) }
        case .serverToClient:
            server(m, st)
        }
    }

    public func observe<S: Sequence>(_ ms: S) where S.Element == Message {
        for m in ms { observe(m) }
    }

    /// Ends the capture: fates, leaks and unknown ids are settled. `endFrame`/`endTime` default to
    /// the last message seen.
    public func finish(endFrame: Int? = nil, endTime: Timestamp? = nil) -> LeakReport {
        let endFrame = max(endFrame ?? lastFrame, lastFrame)
        let endTime = endTime ?? lastTime
        var connections: [ConnectionLifecycle] = []
        var extra: [Anomaly] = []
        let elsewhere = bornElsewhere()
        for key in streams.keys.sorted() {
            let st = streams[key]!
            settle(st, endTime: endTime, elsewhere: elsewhere, into: &extra)
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

    // MARK: per-stream state

    /// What one stream's tracking needs between messages.
    final class StreamTrack {
        let stream: Int
        var epoch = 0
        var maxBorn: UInt32 = 0
        var anyBorn = false
        /// id → record index, current epoch (born, or seen only in uses/releases so far).
        var current: [UInt32: Int] = [:]
        /// id → record index of the latest earlier epoch in which it was born.
        var previous: [UInt32: Int] = [:]
        /// Issued in the current epoch and not yet released by a `_d` request (the server's view
        /// once it has processed everything sent so far).
        var live: Set<UInt32> = []
        var handshakeSeen = false
        /// Requests awaiting their reply: n → creator key; `order` keeps them in n order.
        var pending: [Int: String] = [:]
        var order: [Int] = []
        var orderHead = 0
        /// `_d` request n → (record, index in manifest.released).
        var releaseRequests: [Int: (record: Int, entry: Int)] = [:]
        /// First releases (request n, id) not yet older than every `re` request to come.
        var releaseLog: [(n: Int, id: UInt32)] = []
        /// Records never born when first seen, with whether the handshake had been seen then.
        var unknown: [(record: Int, handshake: Bool)] = []
        /// Indices of this stream's records, in creation order.
        var recordIndices: [Int] = []
        var manifest: ConnectionLifecycle

        init(stream: Int) {
            self.stream = stream
            manifest = ConnectionLifecycle(stream: stream)
        }

        func dropAnswered(before n: Int) {
            while orderHead < order.count, order[orderHead] < n {
                pending[order[orderHead]] = nil
                orderHead += 1
            }
            if orderHead > 1024, orderHead * 2 > order.count {
                order.removeFirst(orderHead)
                orderHead = 0
            }
        }
    }

    private func track(_ stream: Int) -> StreamTrack {
        if let s = streams[stream] { return s }
        let s = StreamTrack(stream: stream)
        streams[stream] = s
        return s
    }

    private func add(_ rec: ProxyRecord, _ st: StreamTrack) -> Int {
        let r = records.count
        records.append(rec)
        st.recordIndices.append(r)
        return r
    }

    private func flag(_ kind: AnomalyKind, _ m: Message, id: UInt32?, _ detail: String) {
        anomalies.append(Anomaly(kind, frame: m.frame, stream: m.stream, proxy: id, detail: detail))
    }

    // MARK: client requests

    private func request(_ m: Message, _ req: Request, _ st: StreamTrack) {
        if case .ver = req { st.handshakeSeen = true }
        st.pending[m.index] = ProxyTracker.creator(of: req)
        st.order.append(m.index)
        if case .release(let id) = req {
            release(id, m, st)
            return
        }
        guard let value = m.value else { return }
        var ids: [UInt32] = []
        Proxy.ids(in: value, into: &ids)
        for id in ids { use(id, m, req.command, st) }
    }

    private func use(_ id: UInt32, _ m: Message, _ cmd: String, _ st: StreamTrack) {
        let u = ProxyUse(message: m.index, frame: m.frame, time: m.time, command: cmd)
        let entry = ConnectionLifecycle.Used(id: id, msg: m.index, frame: m.frame, cmd: cmd)
        st.manifest.used.append(entry)
        if let r = st.current[id] {
            records[r].uses.append(u)
            if records[r].birth != nil, let rel = records[r].release {
                st.manifest.usesAfterRelease.append(entry)
                flag(.useAfterRelease, m, id: id,
                     "P\(id) is used by \(cmd) after its release (_d at frame \(rel.frame)): the server resolves it to None")
            }
        } else if let old = st.previous[id] {
            records[old].uses.append(u)
            flag(.idRestart, m, id: id,
                 "P\(id) was born before the server restarted (frame \(records[old].birth?.frame ?? 0)) and is not issued again: the server resolves it to None, or to a new object once the id is reissued")
        } else {
            var rec = ProxyRecord(id: id, stream: m.stream, epoch: st.epoch, birth: nil)
            rec.uses.append(u)
            let r = add(rec, st)
            st.current[id] = r
            st.unknown.append((r, st.handshakeSeen))
        }
    }

    private func release(_ id: UInt32, _ m: Message, _ st: StreamTrack) {
        if m.outstanding > 0 {
            flag(.releaseDuringReply, m, id: id,
                 "_d P\(id) was sent while \(m.outstanding == 1 ? "a reply was" : "\(m.outstanding) replies were") still outstanding: the client's finaliser ran mid-reply")
        }
        let rel = ProxyRelease(message: m.index, frame: m.frame, time: m.time, answered: false)
        if let r = st.current[id] {
            if records[r].release == nil {
                records[r].release = rel
                if records[r].birth != nil {
                    st.releaseRequests[m.index] = (r, st.manifest.released.count)
                    st.manifest.released.append(.init(id: id, msg: m.index, frame: m.frame, processedByServer: false))
                    st.live.remove(id)
                    st.releaseLog.append((m.index, id))
                }
            } else {
                records[r].extraReleases.append(m.index)
                if records[r].birth != nil {
                    st.manifest.doubleReleases.append(.init(id: id, msg: m.index, frame: m.frame))
                    flag(.doubleRelease, m, id: id,
                         "P\(id) is released again (first _d at frame \(records[r].release!.frame))")
                }
            }
        } else if let old = st.previous[id] {
            records[old].extraReleases.append(m.index)
            flag(.idRestart, m, id: id,
                 "_d P\(id) names a proxy born before the server restarted (frame \(records[old].birth?.frame ?? 0)): it releases nothing, or a new object once the id is reissued")
        } else {
            var rec = ProxyRecord(id: id, stream: m.stream, epoch: st.epoch, birth: nil)
            rec.release = rel
            let r = add(rec, st)
            st.current[id] = r
            st.unknown.append((r, st.handshakeSeen))
        }
    }

    // MARK: server messages

    private func server(_ m: Message, _ st: StreamTrack) {
        var creator = "(no request)"
        if let r = m.replyTo {
            st.dropAnswered(before: r)
            creator = st.pending[r] ?? (m.command ?? "?")
            if let rr = st.releaseRequests.removeValue(forKey: r) {
                records[rr.record].release?.answered = true
                st.manifest.released[rr.entry].processedByServer = true
            }
        }
        guard let value = m.value, m.part != .console, m.part != .exception else { return }
        if m.command == "re", m.part == .value, case .map(let entries) = value {
            registry(entries, m, st)
        }
        var ids: [UInt32] = []
        Proxy.ids(in: value, into: &ids)
        guard !ids.isEmpty else { return }
        if st.anyBorn, let low = ids.min(), low <= st.maxBorn {
            restart(m, firstID: low, st)
        }
        var seen = Set<UInt32>()
        for (id, path) in Proxy.all(in: value) where seen.insert(id).inserted {
            let birth = ProxyBirth(message: m.index, frame: m.frame, time: m.time, inReplyTo: m.replyTo,
                                   command: m.command, creator: creator, path: path)
            if let r = st.current[id] {
                guard records[r].birth == nil else { continue }
                records[r].birth = birth
                records[r].fate = .leaked
            } else {
                st.current[id] = add(ProxyRecord(id: id, stream: m.stream, epoch: st.epoch, birth: birth), st)
            }
            if records[st.current[id]!].release == nil { st.live.insert(id) }
            st.maxBorn = max(st.maxBorn, id)
            st.anyBorn = true
            st.manifest.born.append(.init(id: id, msg: m.index, frame: m.frame, inReplyTo: m.replyTo, cmd: m.command))
        }
    }

    /// The server restarted: its registry is gone, ids count from 1 again.
    private func restart(_ m: Message, firstID: UInt32, _ st: StreamTrack) {
        var lost = 0
        for (id, r) in st.current where records[r].birth != nil {
            if records[r].release?.answered == true {
                records[r].fate = .released
            } else {
                records[r].fate = .lostInRestart
                lost += 1
            }
            st.previous[id] = r
        }
        flag(.idRestart, m, id: nil,
             "the server restarted: P\(firstID) is issued again (largest id before: P\(st.maxBorn)); \(lost) proxies of the old session are lost")
        st.current = [:]
        st.live = []
        st.releaseLog = []
        st.maxBorn = 0
        st.anyBorn = false
        st.epoch += 1
    }

    private func registry(_ entries: [(key: MessagePackValue, value: MessagePackValue)], _ m: Message, _ st: StreamTrack) {
        var listed = Set<UInt32>()
        for e in entries {
            if let i = e.key.intValue, i >= 0, i <= Int64(UInt32.max) { listed.insert(UInt32(i)) }
        }
        // The server answered `re` when it had processed everything sent before it, and nothing after.
        var expected = st.live
        let reN = m.replyTo ?? Int.max
        for e in st.releaseLog.reversed() {
            if e.n <= reN { break }
            expected.insert(e.id)
        }
        st.releaseLog.removeAll { $0.n <= reN }
        let matches = listed == expected
        st.manifest.registrySnapshots.append(.init(msg: m.index, ids: listed.sorted(), matchesLifecycle: matches))
        guard !matches else { return }
        let extra = listed.subtracting(expected).sorted()
        let missing = expected.subtracting(listed).sorted()
        var parts: [String] = []
        if !extra.isEmpty {
            parts.append("registered but not tracked as live: " + ProxyTracker.list(extra)
                         + (st.handshakeSeen ? "" : " (possibly born before the capture began)"))
        }
        if !missing.isEmpty { parts.append("tracked as live but not registered: " + ProxyTracker.list(missing)) }
        flag(.registryMismatch, m, id: nil, "the registry dump disagrees with the tracked live set: " + parts.joined(separator: "; "))
    }

    static func list(_ ids: [UInt32], limit: Int = 20) -> String {
        var s = ids.prefix(limit).map { "P\($0)" }.joined(separator: ", ")
        if ids.count > limit { s += " and \(ids.count - limit) more" }
        return s
    }

    // MARK: end of capture

    /// Births by server endpoint (id → records) and the ids born on each stream, so that an id
    /// unknown on one connection can be traced to another connection to the same server.
    struct Elsewhere {
        var byServer: [String: [UInt32: [Int]]] = [:]
        var bornIDs: [Int: Set<UInt32>] = [:]
    }

    private func bornElsewhere() -> Elsewhere {
        var out = Elsewhere()
        for st in streams.values {
            var ids = Set<UInt32>()
            for r in st.recordIndices where records[r].birth != nil { ids.insert(records[r].id) }
            out.bornIDs[st.stream] = ids
            guard let server = st.manifest.server?.description else { continue }
            for r in st.recordIndices where records[r].birth != nil {
                out.byServer[server, default: [:]][records[r].id, default: []].append(r)
            }
        }
        return out
    }

    private func settle(_ st: StreamTrack, endTime: Timestamp, elsewhere: Elsewhere,
                        into out: inout [Anomaly]) {
        var leaked: [UInt32] = []
        for (id, r) in st.current where records[r].birth != nil {
            if records[r].release?.answered == true {
                records[r].fate = .released
            } else {
                records[r].fate = .leaked
                leaked.append(id)
            }
        }
        st.manifest.leakedAtEnd = leaked.sorted()
        // Leaks, uses that predict an id, in record order.
        var early: [ConnectionLifecycle.Used] = []
        for r in st.recordIndices {
            let rec = records[r]
            guard let b = rec.birth else { continue }
            for u in rec.uses where u.frame < b.frame {
                early.append(.init(id: rec.id, msg: u.message, frame: u.frame, cmd: u.command))
                out.append(Anomaly(.usedBeforeIssued, frame: u.frame, stream: st.stream, proxy: rec.id,
                                   detail: "P\(rec.id) is used by \(u.command) (frame \(u.frame)) before the reply that issues it (frame \(b.frame)): a pipelined request predicting the id"))
            }
            guard rec.fate == .leaked else { continue }
            let age = endTime.since(b.time)
            var d = "P\(rec.id) created by \(b.creator) at frame \(b.frame) is still registered at the end of the capture (age \(LeakReport.seconds(age)) s"
            if let u = rec.lastUse { d += ", last use \(u.command) at frame \(u.frame))" } else { d += ", never used)" }
            if let rel = rec.release { d += "; its _d at frame \(rel.frame) was never answered" }
            out.append(Anomaly(.leaked, frame: b.frame, stream: st.stream, proxy: rec.id, detail: d))
        }
        st.manifest.usedBeforeIssuedOnWire = early.sorted { ($0.msg, $0.frame) < ($1.msg, $1.frame) }
        var unknownIDs = Set<UInt32>()
        for (r, handshake) in st.unknown where records[r].birth == nil {
            let rec = records[r]
            unknownIDs.insert(rec.id)
            let frame = min(rec.uses.first?.frame ?? Int.max, rec.release?.frame ?? Int.max)
            let how = rec.uses.isEmpty ? "released" : "used"
            var detail = handshake
                ? "P\(rec.id) is \(how) but the server never issued it on this connection (the handshake was seen): invalid id"
                : "P\(rec.id) is \(how) but never seen born: it was probably issued before the capture began (no ver handshake seen)"
            var kind = AnomalyKind.unknownID
            var severity = handshake ? Anomaly.Severity.error : kind.severity
            // Born on another connection to the same server before this use?
            if let server = st.manifest.server?.description,
               let other = elsewhere.byServer[server]?[rec.id]?.last(where: { records[$0].stream != st.stream && records[$0].birth!.frame < frame }) {
                let o = records[other]
                // Ids never repeat within one boot: an id born on both connections proves a restart between them.
                let restarted = !(elsewhere.bornIDs[st.stream] ?? []).isDisjoint(with: elsewhere.bornIDs[o.stream] ?? [])
                if restarted {
                    kind = .idRestart
                    severity = kind.severity
                    detail = "P\(rec.id) was born on stream \(o.stream) (frame \(o.birth!.frame)) before the server restarted: it names nothing, or a new object once the id is reissued"
                } else {
                    severity = .note
                    detail = "P\(rec.id) is \(how) but was issued on another connection to the same server (stream \(o.stream), frame \(o.birth!.frame)): valid, the registry is shared"
                }
            }
            out.append(Anomaly(kind, severity: severity, frame: frame == Int.max ? nil : frame,
                               stream: st.stream, proxy: rec.id, detail: detail))
        }
        st.manifest.unknownIDs = unknownIDs.sorted()
    }

    // MARK: creating calls

    /// The group key of the call that created a proxy: `cm P5.socket()`, `im io`, else command + target.
    static func creator(of req: Request) -> String {
        let f = Proxy.formatter
        switch req {
        case let .call(t, name, _, _): return "cm " + f.format(t) + "." + name + "()"
        case .importModule(let m): return "im " + m
        case let .getProperty(t, _), let .setProperty(t, _, _), let .readInto(t, _), let .str(t), let .identity(t),
             let .equal(t, _):
            return req.command + " " + f.format(t)
        case .release(let id): return "_d P\(id)"
        case .other(let c, let args): return args.first.map { c + " " + f.format($0) } ?? c
        case .ver, .registry, .exec, .malformed: return req.command
        }
    }
}
