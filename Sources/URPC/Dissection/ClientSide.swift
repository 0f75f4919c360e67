import Capture
import MessagePack

/// The client→server direction: requests, their analysis, and resynchronisation to the next
/// plausible request start.
extension ConnectionDissector {
    func drainClient(_ seg: StreamSegment, _ out: inout [Message]) {
        while true {
            if c2s.resyncing {
                // Skip to a plausible request start.
                while let b = c2s.peek() {
                    let n = c2s.peek(1)
                    var rest: [UInt8] = []
                    if let n, n == 0xa2 || n == 0xa3 {
                        for i in 0..<Int(n & 0x1f) { if let x = c2s.peek(2 + i) { rest.append(x) } }
                    }
                    if Self.looksLikeRequestStart(b, n, rest.isEmpty ? nil : rest[...]) { break }
                    c2s.skipByte()
                }
                guard c2s.peek() != nil else { return }
                // Need the whole plausible header before deciding.
                if c2s.peek(1) == nil { return }
                c2s.resyncing = false
                flushSkipped(c2s, &out)
            }
            let decoded: (value: MessagePackValue, range: Range<Int>)?
            do {
                decoded = options.keepsNodes ? try nextClientNode() : try c2s.nextValue()
            } catch {
                if case .depthBeyondLimit = error {
                    switch deepRequest(seg) {
                    case .message(let m): out.append(m); continue
                    case .wait: return
                    case .notOne: break
                    }
                }
                if case .lengthBeyondLimit(let at, _, _) = error, let m = oversizedRequest(headerAt: at, seg) {
                    out.append(m)
                    continue
                }
                if c2s.skippedStart == nil { c2s.skipReason = "\(error)" }
                c2s.resyncing = true
                c2s.skipByte()
                continue
            }
            guard let decoded else { return }
            request(decoded.value, decoded.range, seg, into: &out)
        }
    }

    /// The next client object as a node (-V): its value, and the node kept aside in `clientNode`.
    @inline(never)
    private func nextClientNode() throws(DecodingError) -> (value: MessagePackValue, range: Range<Int>)? {
        guard let n = try c2s.next() else { return nil }
        clientNode = n
        return (n.value, n.range)
    }

    private func request(_ value: MessagePackValue, _ range: Range<Int>, _ seg: StreamSegment, into out: inout [Message]) {
        let node = options.keepsNodes ? clientNode.take() : nil
        let req = Request(value)
        var anomalies = analyse(req, frame: seg.frame)
        let bytes = c2s.bytes(in: range)
        if options.lint {
            // One header walk says whether the lint or the ext-code check can find anything; a
            // node is built (without a kept one) only for the requests the lint may report on.
            let check = RequestPrecheck(bytes)
            if check.mayLint, let n = node ?? lintNode(bytes, range) {
                for f in DeviceLint.lint(node: n) {
                    anomalies.append(Anomaly(lint: f, frame: seg.frame, stream: index))
                }
            }
            if check.mayHaveBadExt { checkExtCodes(value, &anomalies, seg.frame) }
        }
        appendRequest(req, bytes: bytes, madeUp: false, range: range, firstFrame: c2s.firstFrame(at: range.lowerBound),
                      node: node, value: value, seg.frame, seg.time, anomalies, into: &out)
    }

    private func lintNode(_ bytes: ArraySlice<UInt8>, _ range: Range<Int>) -> Node? {
        try? Decoder(options: options.decoding).decodeNode(Array(bytes), origin: range.lowerBound)
    }

    /// A request message (the paths that change it before it goes out), queued for its reply.
    func requestMessage(_ req: Request, bytes: ArraySlice<UInt8>, madeUp: Bool, range: Range<Int>, firstFrame: Int,
                        node: Node?, _ frame: Int, _ time: Timestamp, _ anomalies: [Anomaly]) -> Message {
        var one: [Message] = []
        appendRequest(req, bytes: bytes, madeUp: madeUp, range: range, firstFrame: firstFrame, node: node, value: nil,
                      frame, time, anomalies, into: &one)
        return one.removeLast()
    }

    /// Appends a request message to `out` and queues the request for its reply.
    /// `madeUp`: the request is not what its bytes parse to (see `PendingRequest.madeUp`).
    func appendRequest(_ req: consuming Request, bytes: ArraySlice<UInt8>, madeUp: Bool, range: Range<Int>,
                       firstFrame: Int, node: Node?, value: MessagePackValue?, _ frame: Int, _ time: Timestamp,
                       _ anomalies: [Anomaly], into out: inout [Message]) {
        var anomalies = anomalies
        let outstanding = pending.count - pendingHead
        let command = req.command
        if outstanding > 0, req.known != .release, !serverDead {
            anomalies.append(Anomaly(.pipelined, frame: frame, stream: index,
                                     detail: "sent while \(outstanding) earlier request(s) were unanswered (urpc is lock-step)"))
        }
        if serverDead {
            anomalies.append(Anomaly(.serverDead, frame: frame, stream: index,
                                     detail: "sent after the server's raw traceback: its RPC task is dead and never answers"))
        }
        pending.append(PendingRequest(index: nextIndex, frame: frame, time: time, command: command,
                                      readIntoCount: req.readIntoCount, mayPrint: req.mayPrint, bytes: bytes,
                                      madeUp: madeUp ? MadeUpRequest(copy req) : nil))
        out.append(Message(index: nextIndex, frame: frame, firstFrame: firstFrame, time: time, stream: index,
                           direction: .clientToServer, kind: .request, part: .request, streamRange: range, bytes: bytes,
                           command: command, outstanding: outstanding, anomalies: anomalies))
        out[out.count - 1].keep(request: consume req, value: value, node: node)
        nextIndex += 1
        anyRequestSeen = true
    }

    /// The protocol-level anomalies of a parsed request.
    private func analyse(_ req: Request, frame: Int) -> [Anomaly] {
        var anomalies: [Anomaly] = []
        if let why = req.malformedReason {
            anomalies.append(Anomaly(.malformedRequest, frame: frame, stream: index, detail: why + ": the published server dies on it"))
        }
        if case .other(let c, _) = req {
            anomalies.append(Anomaly(.unknownCommand, frame: frame, stream: index,
                                     detail: "'\(c)' is not a urpc command; the server looks it up among its module-level names"))
        }
        if case .ver = req { handshakeSeen = true }
        return anomalies
    }

    /// Ext codes other than 1 in a request are rejected by the server (spec §3).
    private func checkExtCodes(_ v: MessagePackValue, _ a: inout [Anomaly], _ frame: Int) {
        switch v {
        case .ext(let t, let d):
            if t != ExtCode.proxy {
                a.append(Anomaly(.badExtCode, frame: frame, stream: index,
                                 detail: "ext code \(t) in a request: the server accepts only proxies (code 1)"))
            } else if d.count != 4 {
                a.append(Anomaly(.badProxy, frame: frame, stream: index,
                                 detail: "a proxy ext with \(d.count) bytes of id (4 expected)"))
            }
        case .timestamp:
            a.append(Anomaly(.badExtCode, frame: frame, stream: index,
                             detail: "a timestamp (ext code -1) in a request: the server accepts only proxies (code 1)"))
        case .array(let x): for e in x { checkExtCodes(e, &a, frame) }
        case .map(let m): for e in m { checkExtCodes(e.key, &a, frame); checkExtCodes(e.value, &a, frame) }
        default: break
        }
    }

    /// The server gave up on the client's message while it was still arriving (its read timed
    /// out: spec §7 "short read"). Client bytes that arrived before the traceback's first frame are
    /// that message, cut where the server stopped reading; later bytes are new messages.
    func cutShortRead(beforeFrame frame: Int, _ out: inout [Message]) {
        guard !c2s.resyncing, c2s.bufferedCount > 0 else { return }
        let start = c2s.offset
        let cut = c2s.offset(beforeFrame: frame)
        guard cut > start else { return }
        let first = c2s.firstFrame(at: start)
        let last = c2s.firstFrame(at: cut - 1)
        let bytes = c2s.take(cut - start)
        let req = Request.malformed(reason: "cut short: the server's read timed out after \(bytes.count) bytes of it (short read)",
                                    command: Request.command(ofPartial: bytes), args: [])
        appendRequest(req, bytes: bytes, madeUp: true, range: start..<cut, firstFrame: first, node: nil, value: nil,
                      last, c2s.lastTime, [
            Anomaly(.shortRead, frame: frame, stream: index,
                    detail: "the server's read timed out inside this request after \(bytes.count) bytes; it ends here and what the client sends later are new messages"),
        ], into: &out)
    }
}
