import Capture
import MessagePack
import URPC

/// Client requests: uses and releases, in the order the server processes them.
extension ProxyTracker {
    // MARK: client requests

    /// A request, from what the dissector read of it (its `Request` is parsed only if a reply
    /// names its creator).
    func request(_ m: borrowing Message, _ st: StreamTrack) {
        // Most requests: kept as their bytes, parsed again only if the reply issues proxies.
        if let o = m.lazyRequestOptions {
            st.pending.append(m.index, bytes: m.bytes, options: o)
        } else {
            guard m.hasRequest else { return }
            st.pending.append(m.index, m.requestSource)
        }
        if case .ver? = m.requestKnown { st.handshakeSeen = true }
        if let id = m.releaseID {
            release(id, m, st)
            return
        }
        if m.isMalformedRequest {
            malformed(m, st)
            return
        }
        // The command as its table entry (no string on the per-use path); a name outside the
        // table, or none, is looked up once a proxy is found.
        var entry = m.commandEntry
        var other: String?
        var named = entry != nil
        Proxy.forEachID(inWire: m.bytes) { id in
            if !named {
                (entry, other) = Self.commandName(m)
                named = true
            }
            // The common case inline: a proxy of the current epoch, no history kept.
            if !keepsHistory, let slot = st.current[id] {
                records[slot.record].addUse(message: m.index, frame: m.frame, time: m.time, entry: entry, other: other,
                                            kept: m.frame < slot.bornFrame)
                if slot.born && slot.released { useAfterRelease(id, slot.record, m, entry?.rawValue ?? other ?? "?", st) }
            } else {
                use(id, m, entry, other, st)
            }
        }
    }

    /// The command of a request whose `commandEntry` is nil: its table entry if its parsed
    /// request names one, else the name (`?` for none).
    @inline(never)
    static func commandName(_ m: borrowing Message) -> (Command?, String?) {
        let s = m.command ?? m.request?.command ?? "?"
        let e = Command(rawValue: s)
        return (e, e == nil ? s : nil)
    }

    /// A request cut short, too deep or oversized: the ids of the value the dissector kept, as far as it goes.
    @inline(never)
    private func malformed(_ m: borrowing Message, _ st: StreamTrack) {
        idScratch.removeAll(keepingCapacity: true)
        if let v = m.value { Proxy.ids(in: v, into: &idScratch) }
        guard !idScratch.isEmpty else { return }
        let ids = idScratch, (entry, other) = Self.commandName(m)
        for id in ids { use(id, m, entry, other, st) }
    }

    @inline(never)
    func use(_ id: UInt32, _ m: borrowing Message, _ entry: Command?, _ other: String?, _ st: StreamTrack) {
        let cmd = entry?.rawValue ?? other ?? "?"
        if keepsHistory { st.manifest.used.append(.init(id: id, msg: m.index, frame: m.frame, cmd: cmd)) }
        if let slot = st.current[id] {
            records[slot.record].addUse(message: m.index, frame: m.frame, time: m.time, entry: entry, other: other,
                                        kept: keepsHistory || m.frame < slot.bornFrame)
            if slot.born && slot.released { useAfterRelease(id, slot.record, m, cmd, st) }
            return
        }
        let u = ProxyUse(message: m.index, frame: m.frame, time: m.time, command: cmd)
        if let old = st.previous[id] {
            records[old].addUse(u, keepHistory: keepsHistory)
            flag(.idRestart, m, id: id,
                 "P\(id) was born before the server restarted (frame \(records[old].birth?.frame ?? 0)) and is not issued again: the server resolves it to None, or to a new object once the id is reissued")
        } else {
            var rec = ProxyRecord(id: id, stream: m.stream, epoch: st.epoch, birth: nil)
            rec.addUse(u, keepHistory: keepsHistory)
            let r = add(rec, st)
            st.current[id] = IDSlot(record: r)
            st.unknown.append((r, st.handshakeSeen))
        }
    }

    @inline(never)
    private func useAfterRelease(_ id: UInt32, _ r: Int, _ m: borrowing Message, _ cmd: String, _ st: StreamTrack) {
        guard let rel = records[r].release else { return }
        st.manifest.usesAfterRelease.append(.init(id: id, msg: m.index, frame: m.frame, cmd: cmd))
        flag(.useAfterRelease, m, id: id,
             "P\(id) is used by \(cmd) after its release (_d at frame \(rel.frame)): the server resolves it to None")
    }

    @inline(never)
    func release(_ id: UInt32, _ m: borrowing Message, _ st: StreamTrack) {
        let slot = st.current[id]
        let known = slot?.born ?? false
        if m.outstanding > 0, known {
            // A release of an id whose birth reply is still in flight is a pipelined request, not
            // a finaliser running mid-reply (settled as a note once the birth is seen).
            flag(.releaseDuringReply, m, id: id,
                 "_d P\(id) was sent while \(m.outstanding == 1 ? "a reply was" : "\(m.outstanding) replies were") still outstanding: the client's finaliser ran mid-reply")
        }
        let rel = ProxyRelease(message: m.index, frame: m.frame, time: m.time, answered: false)
        if let r = slot?.record {
            if records[r].release == nil {
                records[r].release = rel
                st.current[id]!.released = true
                if known {
                    st.releaseRequests[m.index] = (r, st.manifest.released.count)
                    st.manifest.released.append(.init(id: id, msg: m.index, frame: m.frame, processedByServer: false))
                    st.releaseLog.append((m.index, id))
                } else {
                    st.releaseRequests[m.index] = (r, nil)
                    st.releasedUnborn[r] = m.index
                }
            } else {
                records[r].extraReleases.append(m.index)
                if known {
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
            st.current[id] = IDSlot(record: r, released: true)
            st.unknown.append((r, st.handshakeSeen))
            st.releaseRequests[m.index] = (r, nil)
            st.releasedUnborn[r] = m.index
        }
    }
}
