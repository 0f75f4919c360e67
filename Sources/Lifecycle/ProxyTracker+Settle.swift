import Capture
import MessagePack
import URPC

/// The end of the capture: fates, leaks, unknown ids, and the creating calls that group them.
extension ProxyTracker {
    // MARK: end of capture

    /// Births by server endpoint (id → records) and the ids born on each stream, so that an id
    /// unknown on one connection can be traced to another connection to the same server.
    struct Elsewhere {
        var byServer: [String: [UInt32: [Int]]] = [:]
        var bornIDs: [Int: Set<UInt32>] = [:]
    }

    func bornElsewhere() -> Elsewhere {
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

    func settle(_ st: StreamTrack, endTime: Timestamp, elsewhere: inout Elsewhere?,
                into out: inout [Anomaly]) {
        var leaked = settleBornBeforeCapture(st, into: &out)
        for (id, r) in st.current.records where records[r].birth != nil {
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
            if let rel = rec.release, rel.frame < b.frame {
                out.append(Anomaly(.usedBeforeIssued, frame: rel.frame, stream: st.stream, proxy: rec.id,
                                   detail: "P\(rec.id) is released by _d (frame \(rel.frame)) before the reply that issues it (frame \(b.frame)): a pipelined release; the server processes it after the birth"))
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
        for (r, handshake) in st.unknown where records[r].birth == nil && !records[r].bornBeforeCapture {
            let rec = records[r]
            unknownIDs.insert(rec.id)
            let frame = min(rec.firstUse?.frame ?? Int.max, rec.release?.frame ?? Int.max)
            let how = rec.useCount == 0 ? "released" : "used"
            var detail = handshake
                ? "P\(rec.id) is \(how) but the server never issued it on this connection (the handshake was seen): invalid id"
                : "P\(rec.id) is \(how) but never seen born: it was probably issued before the capture began (no ver handshake seen)"
            var kind = AnomalyKind.unknownID
            var severity = handshake ? Anomaly.Severity.error : kind.severity
            // Born on another connection to the same server before this use?
            if elsewhere == nil { elsewhere = bornElsewhere() }
            if let elsewhere, let server = st.manifest.server?.description,
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

    /// A capture that starts mid-session: the last registry dump is the server's own word on what
    /// is live. Ids it lists that were never seen born, and are not released after it, are leaked
    /// (born before the capture); ids never seen born, released by an answered `_d` before the
    /// dump and absent from it, are released. Returns the leaked ids.
    func settleBornBeforeCapture(_ st: StreamTrack, into out: inout [Anomaly]) -> [UInt32] {
        guard !st.handshakeSeen, let dump = st.lastRegistry else { return [] }
        var leaked: [UInt32] = []
        for id in dump.ids.sorted() where st.current[id] == nil {
            st.current[id] = IDSlot(record: add(ProxyRecord(id: id, stream: st.stream, epoch: st.epoch, birth: nil), st))
        }
        for r in st.recordIndices where records[r].birth == nil && records[r].epoch == st.epoch {
            let id = records[r].id
            let released = records[r].release.map { $0.answered } ?? false
            let releasedAfterDump = released && records[r].release!.message > dump.requestN
            if dump.ids.contains(id) {
                records[r].bornBeforeCapture = true
                if releasedAfterDump {
                    records[r].fate = .released
                } else {
                    records[r].fate = .leaked
                    leaked.append(id)
                    var d = "P\(id) was born before the capture began and is still live at its end (listed by the registry dump"
                    if let u = records[r].lastUse { d += ", last use \(u.command) at frame \(u.frame))" } else { d += ", never used)" }
                    out.append(Anomaly(.leaked, frame: records[r].firstUse?.frame, stream: st.stream, proxy: id, detail: d))
                }
            } else if released && !releasedAfterDump {
                records[r].bornBeforeCapture = true
                records[r].fate = .released
            }
        }
        return leaked
    }

    // MARK: creating calls

    /// The group key of the call that created a proxy: `cm P5.socket()`, `im io`, else command + target.
    static func creator(of req: Request) -> String {
        let f = Proxy.formatter
        switch req {
        case let .call(t, name, _, _): return "cm \(f.format(t)).\(name)()"
        case .importModule(let m): return "im \(m)"
        case let .getProperty(t, _), let .setProperty(t, _, _), let .readInto(t, _), let .str(t), let .identity(t),
             let .equal(t, _):
            return "\(req.command) \(f.format(t))"
        case .release(let id): return "_d P\(id)"
        case .other(let c, let args): return args.first.map { "\(c) \(f.format($0))" } ?? c
        case .ver, .registry, .exec, .malformed: return req.command
        }
    }
}
