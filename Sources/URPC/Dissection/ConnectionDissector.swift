import Capture
import MessagePack

/// The dissection of one connection: which side is the client, one `DirectionReader` per
/// direction, the requests waiting for replies (the server answers strictly in order), and the
/// server's reply state.
final class ConnectionDissector {
    let index: Int
    let options: DissectorOptions
    var clientSide: StreamSide?
    var client: Endpoint?
    var server: Endpoint?
    var midStream = false
    let c2s: DirectionReader
    let s2c: DirectionReader
    var pending: [PendingRequest] = []
    var pendingHead = 0
    var nextIndex = 0
    var handshakeSeen = false
    var anyRequestSeen = false
    /// The frame of the client's FIN, once seen.
    var clientClosedFrame: Int?

    /// What the server is in the middle of sending.
    enum ReplyMode { case normal, riRaw(Int), riEnd, traceback }
    var mode = ReplyMode.normal
    var traceback = TracebackState()
    /// The client object just decoded as a node (-V), until its message keeps it.
    var clientNode: Node?
    /// The server object just decoded (with nodes kept, or strict UTF-8), until its message keeps it.
    var eager: (value: MessagePackValue, node: Node?)?
    /// The server wrote a raw traceback and nothing since: its RPC task is dead (spec §7).
    var serverDead = false

    /// Completed messages not yet released, and their numbering (MessageOrder.swift).
    var ready: [Message] = []
    var numberOf = RequestNumbers()
    var released = 0
    /// The standard dialect's header table, for the request walks (fetched once, not per walk).
    let headerTable = HeaderTable.table(.standard)

    init(index: Int, options: DissectorOptions) {
        self.index = index
        self.options = options
        c2s = DirectionReader(.clientToServer, options: options.decoding)
        s2c = DirectionReader(.serverToClient, options: options.decoding)
    }

    func reader(_ dir: Direction) -> DirectionReader { dir == .clientToServer ? c2s : s2c }

    var head: PendingRequest? { pendingHead < pending.count ? pending[pendingHead] : nil }
    /// A request is waiting for its reply (without copying it, as `head` does).
    var hasHead: Bool { pendingHead < pending.count }

    func popHead() {
        pendingHead += 1
        if pendingHead > 256 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    // MARK: roles

    /// Does a request plausibly start at `b`? `91`–`95` then a fixstr of 2–3 bytes naming a command
    /// (or the end of what has arrived: the first byte of a message often travels alone).
    static func looksLikeRequestStart(_ b: UInt8, _ next: UInt8?, _ rest: ArraySlice<UInt8>?) -> Bool {
        guard (0x91...0x95).contains(b) else { return false }
        guard let n = next else { return true }
        guard n == 0xa2 || n == 0xa3 else { return false }
        guard let rest, rest.count >= Int(n & 0x1f) else { return true }
        return Command.named(rest.prefix(Int(n & 0x1f))) != nil
    }

    func decideRoles(_ seg: StreamSegment, _ bytes: [UInt8]) {
        let sender = seg.side
        if let port = options.serverPort {
            if seg.destination.port == port { clientSide = sender }
            else if seg.source.port == port { clientSide = sender.other }
        }
        if clientSide == nil, let b = bytes.first {
            let rest = bytes.count > 2 ? bytes[2...] : nil
            if Self.looksLikeRequestStart(b, bytes.count > 1 ? bytes[1] : nil, rest) {
                clientSide = sender
            } else if !seg.startedMidStream {
                clientSide = .a
            } else {
                // Mid-stream and no request in sight: the listening side usually has the lower port.
                clientSide = seg.source.port > seg.destination.port ? sender : sender.other
            }
        }
        if clientSide == sender {
            client = seg.source; server = seg.destination
        } else {
            client = seg.destination; server = seg.source
        }
        if seg.startedMidStream {
            midStream = true
            c2s.startResync("mid-stream")
            s2c.startResync("mid-stream")
        }
    }

    // MARK: input

    func consume(_ seg: StreamSegment, into out: inout [Message]) {
        consumeSegment(seg, into: &ready)
        release(into: &out, final: false)
    }

    func consumeSegment(_ seg: StreamSegment, into out: inout [Message]) {
        switch seg.payload {
        case .opened:
            return
        case .closed:
            if let cs = clientSide, seg.side == cs, clientClosedFrame == nil { clientClosedFrame = seg.frame }
        case .gap(let count):
            guard let cs = clientSide else { return }
            gap(count, seg.side == cs ? .clientToServer : .serverToClient, seg, &out)
        case .bytes(let bytes):
            if clientSide == nil { decideRoles(seg, bytes) }
            if let cs = clientSide, seg.side.isSame(as: cs) {
                c2s.feed(bytes, frame: seg.frame, time: seg.time)
                drainClient(seg, &out)
            } else {
                s2c.feed(bytes, frame: seg.frame, time: seg.time)
                drainServer(seg, final: false, &out)
            }
        }
    }

    func finish(into out: inout [Message]) {
        finishStream(into: &ready)
        release(into: &out, final: true)
    }

    func finishStream(into out: inout [Message]) {
        // A traceback or skipped run that reaches the end of the capture is complete now.
        if case .traceback = mode { emitTraceback(&out) }
        drainServer(nil, final: true, &out)
        flushSkipped(c2s, &out)
        flushSkipped(s2c, &out)
        truncatedTail(c2s, &out)
        truncatedTail(s2c, &out)
        for p in pending[pendingHead...] {
            let dead = p.tracebackSeen || serverDead
            out.append(noteOnly(frame: p.frame, Anomaly(
                dead ? .serverDead : .noReply, frame: p.frame, stream: index,
                detail: dead
                    ? "no reply after the raw traceback to \(p.summary(options.decoding)) (frame \(p.frame)): the published server's RPC task died"
                    : "\(p.summary(options.decoding)) (frame \(p.frame)) has no reply by the end of the capture")))
        }
    }

    /// The bytes of a message the capture ends inside, as one skipped run.
    private func truncatedTail(_ r: DirectionReader, _ out: inout [Message]) {
        let n = r.bufferedCount
        guard n > 0 else { return }
        let start = r.offset
        var m = rawMessage(r, r.take(n), start, part: .skipped, frame: r.lastFrame, time: r.lastTime)
        let who = r.direction == .clientToServer ? "client" : "server"
        m.anomalies.append(Anomaly(.truncatedMessage, frame: r.lastFrame, stream: index,
                                   detail: "the capture ends inside a \(who) message (\(n) bytes of it)"))
        out.append(m)
    }

    /// Anomalies at the end of a capture travel as messages with no bytes so that every consumer
    /// sees them in order; `kind` raw, `part` skipped, empty range, placed at the end of the
    /// capture (the anomaly itself names the frame it is about).
    private func noteOnly(frame: Int, _ a: Anomaly) -> Message {
        let end = max(c2s.lastFrame, s2c.lastFrame, frame)
        let time = max(c2s.lastTime, s2c.lastTime)
        let at = s2c.offset
        return Message(index: -1, frame: end, firstFrame: end, time: time, stream: index, direction: .serverToClient,
                       kind: .raw, part: .skipped, streamRange: at..<at, node: nil, raw: [], request: nil,
                       replyTo: nil, replyToFrame: nil, command: nil, latency: nil, outstanding: 0, anomalies: [a])
    }

    private func gap(_ count: Int, _ dir: Direction, _ seg: StreamSegment, _ out: inout [Message]) {
        let r = reader(dir)
        if dir == .serverToClient, case .traceback = mode { emitTraceback(&out) }
        flushSkipped(r, &out)
        let (start, partial) = r.restart(afterLost: count)
        var m = rawMessage(r, partial, start, part: .skipped, frame: seg.frame, time: seg.time)
        m.anomalies.append(Anomaly(.gap, frame: seg.frame, stream: index,
                                   detail: "\(count) bytes of \(dir.rawValue) were not captured: messages around them are lost; resynchronising"))
        if dir == .serverToClient {
            // The replies of the outstanding requests may be in the lost bytes.
            while let p = head {
                m.anomalies.append(Anomaly(.replyLost, frame: seg.frame, stream: index,
                                           detail: "the reply to \(p.summary(options.decoding)) (frame \(p.frame)) may be in the lost bytes"))
                popHead()
            }
            mode = .normal
        }
        out.append(m)
    }

    // MARK: messages

    func rawMessage(_ r: DirectionReader, _ bytes: ArraySlice<UInt8>, _ start: Int, part: Message.Part,
                    frame: Int, time: Timestamp) -> Message {
        defer { nextIndex += 1 }
        return Message(index: nextIndex, frame: frame, firstFrame: r.firstFrame(at: start), time: time, stream: index,
                       direction: r.direction, kind: .raw, part: part, streamRange: start..<(start + bytes.count),
                       bytes: bytes, commandEntry: nil, isRaw: true)
    }

    func flushSkipped(_ r: DirectionReader, _ out: inout [Message]) {
        guard let (start, bytes, why) = r.takeSkipped() else { return }
        var m = rawMessage(r, ArraySlice(bytes), start, part: .skipped, frame: r.lastFrame, time: r.lastTime)
        m.anomalies.append(Anomaly(why == "mid-stream" ? .midStream : .desync, frame: r.lastFrame, stream: index,
                                   detail: "\(bytes.count) bytes of \(r.direction.rawValue) skipped to find the next message start (\(why))"))
        out.append(m)
    }
}

extension StreamSide {
    /// `==` without the generic witness call (once per segment).
    @inline(__always)
    func isSame(as other: StreamSide) -> Bool {
        switch (self, other) {
        case (.a, .a), (.b, .b): true
        default: false
        }
    }
}
