import Capture
import MessagePack

/// The client→server direction: requests, their analysis, and resynchronisation to the next
/// plausible request start.
extension ConnectionDissector {
    func drainClient(_ seg: StreamSegment, _ out: inout [Message]) {
        // Each request framed lands here (no optional tuple to destroy per request).
        var range = 0..<0
        var bytes: ArraySlice<UInt8> = []
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
            if !(options.keepsNodes || options.decoding.strictUTF8) {
                // Requests are framed, not decoded: their headers say what the dissector needs
                // and `Message.request` parses them when an output asks.
                do {
                    guard try c2s.nextObject(&range, &bytes) else { return }
                } catch {
                    if clientObjectFailed(error, seg, &out) { continue }
                    return
                }
                request(range, bytes, seg, into: &out)
                continue
            }
            let next: (range: Range<Int>, bytes: ArraySlice<UInt8>, value: MessagePackValue?)?
            do {
                next = try nextDecodedClientObject()
            } catch {
                if clientObjectFailed(error, seg, &out) { continue }
                return
            }
            guard let next else { return }
            if let v = next.value {
                request(v, next.range, next.bytes, seg, into: &out)
            } else {
                request(next.range, next.bytes, seg, into: &out)
            }
        }
    }

    /// A client object did not frame or decode: a request too deep or too long for the limits
    /// becomes its message, anything else starts a resynchronisation. False: wait for more bytes.
    @inline(never)
    private func clientObjectFailed(_ error: DecodingError, _ seg: StreamSegment, _ out: inout [Message]) -> Bool {
        if case .depthBeyondLimit = error {
            switch deepRequest(seg) {
            case .message(let m): out.append(m); return true
            case .wait: return false
            case .notOne: break
            }
        }
        if case .lengthBeyondLimit(let at, _, _) = error, let m = oversizedRequest(headerAt: at, seg) {
            out.append(m)
            return true
        }
        if c2s.skippedStart == nil { c2s.skipReason = "\(error)" }
        c2s.resyncing = true
        c2s.skipByte()
        return true
    }

    /// The next client object decoded: as a node (-V, kept aside in `clientNode`) or a value.
    @inline(never)
    private func nextDecodedClientObject() throws(DecodingError) -> (range: Range<Int>, bytes: ArraySlice<UInt8>, value: MessagePackValue?)? {
        if options.keepsNodes {
            guard let n = try c2s.next() else { return nil }
            clientNode = n
            return (n.range, c2s.bytes(in: n.range), n.value)
        }
        guard let (v, r) = try c2s.nextValue() else { return nil }
        return (r, c2s.bytes(in: r), v)
    }

    /// A framed request: what the dissector needs is read from its headers in one walk, and the
    /// `Request` and its value are left to `Message.request`/`value`. A request the walk cannot
    /// settle (or whose ext codes the lint must check on its value) is decoded and parsed now.
    private func request(_ range: Range<Int>, _ bytes: ArraySlice<UInt8>, _ seg: StreamSegment, into out: inout [Message]) {
        let walk = RequestPrecheck(bytes, table: headerTable)
        var head = RequestHead()
        guard !(options.lint && walk.mayHaveBadExt), head.read(walk: walk, bytes: bytes, options: options.decoding) else {
            let v = (try? Decoder(options: options.decoding).decodeValue(filling: bytes, origin: range.lowerBound)) ?? .nil
            request(v, range, bytes, seg, into: &out)
            return
        }
        var anomalies = analyse(head, frame: seg.frame)
        if options.lint, walk.mayLint, let n = lintNode(bytes, range) {
            for f in DeviceLint.lint(node: n) {
                anomalies.append(Anomaly(lint: f, frame: seg.frame, stream: index))
            }
        }
        queueRequest(head, bytes: bytes, madeUp: nil, lazy: true, range: range, firstFrame: c2s.firstFrame(at: range.lowerBound),
                     seg.frame, seg.time, anomalies, into: &out)
    }

    /// A decoded request.
    private func request(_ value: MessagePackValue, _ range: Range<Int>, _ bytes: ArraySlice<UInt8>, _ seg: StreamSegment,
                         into out: inout [Message]) {
        let node = options.keepsNodes ? clientNode.take() : nil
        let req = Request(value)
        let head = RequestHead(req)
        var anomalies = analyse(head, frame: seg.frame)
        if options.lint {
            // One header walk says whether the lint or the ext-code check can find anything; a
            // node is built (without a kept one) only for the requests the lint may report on.
            let check = RequestPrecheck(bytes, table: headerTable)
            if check.mayLint, let n = node ?? lintNode(bytes, range) {
                for f in DeviceLint.lint(node: n) {
                    anomalies.append(Anomaly(lint: f, frame: seg.frame, stream: index))
                }
            }
            if check.mayHaveBadExt { checkExtCodes(value, &anomalies, seg.frame) }
        }
        appendRequest(head, req, bytes: bytes, madeUp: false, range: range, firstFrame: c2s.firstFrame(at: range.lowerBound),
                      node: node, value: value, seg.frame, seg.time, anomalies, into: &out)
    }

    private func lintNode(_ bytes: ArraySlice<UInt8>, _ range: Range<Int>) -> Node? {
        try? Decoder(options: options.decoding).decodeNode(Array(bytes), origin: range.lowerBound)
    }

    /// A request message (the paths that change it before it goes out), queued for its reply.
    func requestMessage(_ req: Request, bytes: ArraySlice<UInt8>, madeUp: Bool, range: Range<Int>, firstFrame: Int,
                        node: Node?, _ frame: Int, _ time: Timestamp, _ anomalies: [Anomaly]) -> Message {
        var one: [Message] = []
        appendRequest(RequestHead(req), req, bytes: bytes, madeUp: madeUp, range: range, firstFrame: firstFrame, node: node,
                      value: nil, frame, time, anomalies, into: &one)
        return one.removeLast()
    }

    /// Appends a request message to `out` and queues the request for its reply.
    /// `madeUp`: the request is not what its bytes parse to (see `PendingRequest.madeUp`).
    /// `req` nil: the message parses its request from its bytes when read.
    func appendRequest(_ head: RequestHead, _ req: consuming Request?, bytes: ArraySlice<UInt8>, madeUp: Bool,
                       range: Range<Int>, firstFrame: Int, node: Node?, value: MessagePackValue?, _ frame: Int,
                       _ time: Timestamp, _ anomalies: [Anomaly], into out: inout [Message]) {
        let made = madeUp ? req.map(MadeUpRequest.init) : nil
        queueRequest(head, bytes: bytes, madeUp: made, lazy: req == nil, range: range, firstFrame: firstFrame,
                     frame, time, anomalies, into: &out)
        if let req { out[out.count - 1].keep(request: req, value: value, node: node) }
    }

    /// Appends a request message to `out` (with no `Request` kept: `lazy` says whether it parses
    /// one from its bytes when read) and queues the request for its reply.
    private func queueRequest(_ head: RequestHead, bytes: ArraySlice<UInt8>, madeUp: MadeUpRequest?, lazy: Bool,
                              range: Range<Int>, firstFrame: Int, _ frame: Int, _ time: Timestamp, _ anomalies: [Anomaly],
                              into out: inout [Message]) {
        var anomalies = anomalies
        let outstanding = pending.count - pendingHead
        if outstanding > 0, head.known != .release, !serverDead {
            anomalies.append(Anomaly(.pipelined, frame: frame, stream: index,
                                     detail: "sent while \(outstanding) earlier request(s) were unanswered (urpc is lock-step)"))
        }
        if serverDead {
            anomalies.append(Anomaly(.serverDead, frame: frame, stream: index,
                                     detail: "sent after the server's raw traceback: its RPC task is dead and never answers"))
        }
        let entry = head.commandEntry
        let other = entry == nil ? head.command : nil
        pending.append(PendingRequest(index: nextIndex, frame: frame, time: time, commandEntry: entry, otherCommand: other,
                                      readIntoCount: head.readIntoCount, mayPrint: head.mayPrint, bytes: bytes,
                                      madeUp: madeUp))
        out.append(Message(index: nextIndex, frame: frame, firstFrame: firstFrame, time: time, stream: index,
                           direction: .clientToServer, kind: .request, part: .request, streamRange: range, bytes: bytes,
                           commandEntry: entry, otherCommand: other, outstanding: outstanding, anomalies: anomalies,
                           lazyDecoding: lazy ? options.decoding : nil, lazyRequest: lazy,
                           head: head))
        nextIndex += 1
        anyRequestSeen = true
    }

    /// The protocol-level anomalies of a parsed request.
    private func analyse(_ req: RequestHead, frame: Int) -> [Anomaly] {
        var anomalies: [Anomaly] = []
        if let why = req.malformedReason {
            anomalies.append(Anomaly(.malformedRequest, frame: frame, stream: index, detail: why + ": the published server dies on it"))
        }
        if req.isOther {
            anomalies.append(Anomaly(.unknownCommand, frame: frame, stream: index,
                                     detail: "'\(req.command)' is not a urpc command; the server looks it up among its module-level names"))
        }
        if req.known == .ver { handshakeSeen = true }
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
        appendRequest(RequestHead(req), req, bytes: bytes, madeUp: true, range: start..<cut, firstFrame: first, node: nil, value: nil,
                      last, c2s.lastTime, [
            Anomaly(.shortRead, frame: frame, stream: index,
                    detail: "the server's read timed out inside this request after \(bytes.count) bytes; it ends here and what the client sends later are new messages"),
        ], into: &out)
    }
}
