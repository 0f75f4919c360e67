import Capture
import MessagePack
import URPC

/// Server messages: births, restarts and registry dumps.
extension ProxyTracker {
    // MARK: server messages

    func server(_ m: Message, _ st: StreamTrack) {
        // The creator is named only when the reply carries proxies (most replies do not).
        if let r = m.replyTo {
            st.dropAnswered(before: r)
            if !st.releaseRequests.isEmpty, let rr = st.releaseRequests.removeValue(forKey: r) {
                records[rr.record].release?.answered = true
                if let e = rr.entry { st.manifest.released[e].processedByServer = true }
            }
        }
        // Only reply values carry proxies (console output, exceptions and raw bytes do not).
        guard m.part == .value || m.part == .riCount || m.part == .riEnd, !m.bytes.isEmpty else { return }
        if m.part == .value, m.command == "re", let value = m.value, case .map(let entries) = value {
            registry(entries, m, st)
        }
        collectIDs(m, wholeValue: true)
        guard !idScratch.isEmpty else { return }
        let ids = idScratch
        let asked = m.replyTo.flatMap(st.pending)
        let creator = m.replyTo == nil ? "(no request)" : asked.map(ProxyTracker.creator(of:)) ?? (m.command ?? "?")
        if st.anyBorn, let low = ids.min(), low <= st.maxBorn {
            restart(m, firstID: low, st)
        }
        guard let value = m.value else { return }
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
            let r = st.current[id]!
            if records[r].release == nil {
                st.live.insert(id)
            } else if let n = st.releasedUnborn.removeValue(forKey: r), let rel = records[r].release {
                // Released by a pipelined `_d` before this reply issued the id: the server processes
                // requests in order, so the release follows this birth.
                st.manifest.released.append(.init(id: id, msg: rel.message, frame: rel.frame, processedByServer: rel.answered))
                if st.releaseRequests[n] != nil { st.releaseRequests[n]!.entry = st.manifest.released.count - 1 }
            }
            st.maxBorn = max(st.maxBorn, id)
            st.anyBorn = true
            st.manifest.born.append(.init(id: id, msg: m.index, frame: m.frame, inReplyTo: m.replyTo, cmd: m.command))
        }
    }

    /// The server restarted: its registry is gone, ids count from 1 again.
    func restart(_ m: Message, firstID: UInt32, _ st: StreamTrack) {
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

    func registry(_ entries: [(key: MessagePackValue, value: MessagePackValue)], _ m: Message, _ st: StreamTrack) {
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
            for id in listed where st.current[id].map({ records[$0].birth == nil }) ?? true {
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
