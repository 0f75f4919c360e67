import Capture
import MessagePack
import URPC

/// Server messages: births, restarts and registry dumps.
extension ProxyTracker {
    // MARK: server messages

    /// A server message (`inout` only so that it is read in place: it is never written). Most
    /// replies end here: a reply value whose first byte rules out a registry dump and a proxy.
    @inline(__always)
    func server(_ m: inout Message, _ st: StreamTrack) {
        if let r = m.replyTo {
            st.pending.dropAnswered(before: r)
            if !st.releaseRequests.isEmpty { answered(r, st) }
        }
        // Only reply values carry proxies (console output, exceptions and raw bytes do not).
        switch m.part {
        case .value, .riCount, .riEnd:
            // A registry dump is a map, which `mayCarry` lets through too.
            if let first = m.bytes.first, Proxy.mayCarryID(firstByte: first) { value(m, first, st) }
        default:
            return
        }
    }

    /// The reply to request n: a `_d` it answers is processed by the server.
    @inline(never)
    private func answered(_ n: Int, _ st: StreamTrack) {
        guard let rr = st.releaseRequests.removeValue(forKey: n) else { return }
        records[rr.record].release?.answered = true
        if let e = rr.entry { st.manifest.released[e].processedByServer = true }
    }

    /// A reply value that may be a registry dump or carry proxies.
    @inline(never)
    private func value(_ m: borrowing Message, _ first: UInt8, _ st: StreamTrack) {
        if case .value = m.part, first & 0xf0 == 0x80 || first == 0xde || first == 0xdf, m.command == "re" {
            registry(m, st)
        }
        idScratch.removeAll(keepingCapacity: true)
        Proxy.forEachID(inWire: m.bytes) { idScratch.append($0) }
        guard !idScratch.isEmpty else { return }
        births(idScratch, m, st)
    }

    /// A reply that carries proxies: the ids it issues are born (an id not above the largest one
    /// born so far means the server restarted).
    private func births(_ ids: [UInt32], _ m: borrowing Message, _ st: StreamTrack) {
        let asked = m.replyTo.flatMap(st.pending.pending)
        let creator = m.replyTo == nil ? "(no request)" : asked.map(ProxyTracker.creator(of:)) ?? (m.command ?? "?")
        if st.anyBorn, let low = ids.min(), low <= st.maxBorn {
            restart(m, firstID: low, st)
        }
        // Most births are a reply that is one proxy, `d6 01 id` (`Proxy.all` finds it at the path
        // ""): no value to decode.
        if ids.count == 1, m.bytes.count == 6, m.bytes.first == 0xd6 {
            born(ids[0], path: "", m, creator, st)
            return
        }
        guard let value = m.value else { return }
        if case .ext(let t, let d) = value {
            if let id = Proxy.id(type: t, data: d) { born(id, path: "", m, creator, st) }
            return
        }
        let found = Proxy.all(in: value)
        var seen = Set<UInt32>()
        for (id, path) in found where found.count == 1 || seen.insert(id).inserted {
            born(id, path: path, m, creator, st)
        }
    }

    private func born(_ id: UInt32, path: String, _ m: borrowing Message, _ creator: String, _ st: StreamTrack) {
        let birth = ProxyBirth(message: m.index, frame: m.frame, time: m.time, inReplyTo: m.replyTo,
                               command: m.command, creator: creator, path: path)
        let r: Int
        if let slot = st.current[id] {
            guard !slot.born else { return }
            r = slot.record
            records[r].birth = birth
            records[r].fate = .leaked
        } else {
            r = add(ProxyRecord(id: id, stream: m.stream, epoch: st.epoch, birth: birth), st)
        }
        st.current[id] = IDSlot(record: r, bornFrame: m.frame, released: records[r].release != nil)
        // Live (`StreamTrack.live`) unless released before its birth.
        if let rel = records[r].release, let n = st.releasedUnborn.removeValue(forKey: r) {
            // Released by a pipelined `_d` before this reply issued the id: the server processes
            // requests in order, so the release follows this birth.
            st.manifest.released.append(.init(id: id, msg: rel.message, frame: rel.frame, processedByServer: rel.answered))
            if st.releaseRequests[n] != nil { st.releaseRequests[n]!.entry = st.manifest.released.count - 1 }
        }
        st.maxBorn = max(st.maxBorn, id)
        st.anyBorn = true
        st.manifest.born.append(.init(id: id, msg: m.index, frame: m.frame, inReplyTo: m.replyTo, cmd: m.command))
    }

    /// The server restarted: its registry is gone, ids count from 1 again.
    func restart(_ m: borrowing Message, firstID: UInt32, _ st: StreamTrack) {
        var lost = 0
        for (id, r) in st.current.records where records[r].birth != nil {
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
        st.current.removeAll()
        st.releaseLog = []
        st.maxBorn = 0
        st.anyBorn = false
        st.epoch += 1
    }

    /// A reply to `re`: a registry dump when its value is a map.
    func registry(_ m: borrowing Message, _ st: StreamTrack) {
        guard let value = m.value, case .map(let entries) = value else { return }
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
        st.lastRegistry = (reN, listed)
        if !st.handshakeSeen {
            // A capture that starts mid-session: ids the dump lists that were never seen born are
            // live proxies born before the capture began (the dump is the server's own word).
            for id in listed where !(st.current[id]?.born ?? false) {
                expected.insert(id)
            }
        }
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
}
