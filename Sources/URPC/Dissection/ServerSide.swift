import Capture
import MessagePack

/// The server→client direction: replies paired in order with the requests, console output, the
/// `ri` framing, exception replies and the raw traceback of the published server's error path.
extension ConnectionDissector {
    func drainServer(_ seg: StreamSegment?, final: Bool, _ out: inout [Message]) {
        let frame = seg?.frame ?? s2c.lastFrame
        let time = seg?.time ?? s2c.lastTime
        // Each object framed lands here (no optional tuple to destroy per reply).
        var range = 0..<0
        var bytes: ArraySlice<UInt8> = []
        while true {
            if case .traceback = mode {
                while let b = s2c.peek(), TracebackState.isText(b), !traceback.isComplete {
                    traceback.text.append(contentsOf: s2c.take(1))
                }
                guard s2c.peek() != nil || traceback.isComplete else { return }
                emitTraceback(&out)
                continue
            }
            if case .riRaw(let k) = mode {
                // A count of 0 carries no raw bytes: no (empty) data message, as the manifests number them.
                if k == 0 { mode = .riEnd; continue }
                let start = s2c.offset
                guard let bytes = s2c.nextRaw(count: k) else { return }
                var m = rawMessage(s2c, bytes, start, part: .riData, frame: frame, time: time)
                attach(&m, time)
                out.append(m)
                mode = .riEnd
                continue
            }
            guard let b = s2c.peek() else { return }
            // The raw traceback is recognised in every state: a request outstanding or not, the
            // client's message complete or not, even while resynchronising.
            if b == TracebackState.prefix[0] {
                switch tracebackAhead(final: final) {
                case nil: return   // wait for more bytes
                case true?:
                    startTraceback(&out)
                    continue
                case false?: break
                }
            }
            if s2c.resyncing {
                // Before the first request (mid-stream) or after a gap, server bytes cannot be paired.
                if !anyRequestSeen || !hasHead {
                    s2c.skipByte()
                    continue
                }
                // Deliberately alike: each direction resynchronises and decodes with its own rules.
                s2c.resyncing = false
                flushSkipped(s2c, &out)
            }
            do {
                guard try nextServerObject(&range, &bytes) else { return }
            } catch {
                // Skip byte by byte until an object decodes again.
                if s2c.skippedStart == nil { s2c.skipReason = "\(error)" }
                s2c.skipByte()
                continue
            }
            flushSkipped(s2c, &out)
            serverDead = false
            reply(range, bytes, frame, time, into: &out)
        }
    }

    /// The next whole server object. Replies are framed, not decoded: the state machine reads
    /// their first header and `Message.value` decodes their bytes when an output asks. With nodes
    /// kept (-V), or when strict UTF-8 may refuse a str only a decode sees, they are decoded now
    /// (into `eager`).
    private func nextServerObject(_ range: inout Range<Int>, _ bytes: inout ArraySlice<UInt8>) throws(DecodingError) -> Bool {
        guard options.keepsNodes || options.decoding.strictUTF8 else { return try s2c.nextObject(&range, &bytes) }
        guard let framed = try nextDecodedServerObject() else { return false }
        range = framed.range
        bytes = framed.bytes
        return true
    }

    @inline(never)
    private func nextDecodedServerObject() throws(DecodingError) -> (range: Range<Int>, bytes: ArraySlice<UInt8>)? {
        if options.keepsNodes {
            guard let n = try s2c.next() else { return nil }
            eager = (n.value, n)
            return (n.range, s2c.bytes(in: n.range))
        }
        guard let (v, r) = try s2c.nextValue() else { return nil }
        eager = (v, nil)
        return (r, s2c.bytes(in: r))
    }

    /// The last message appended keeps the value (and node) decoded by `nextDecodedServerObject`.
    @inline(never)
    private func keepEager(_ out: inout [Message]) {
        guard let e = eager.take() else { return }
        out[out.count - 1].keep(request: nil, value: e.value, node: e.node)
    }

    /// Does the traceback header start here? nil: not enough bytes yet to tell.
    private func tracebackAhead(final: Bool) -> Bool? {
        let p = TracebackState.prefix
        var have = 0
        while have < p.count, let x = s2c.peek(have) {
            if x != p[have] { return false }
            have += 1
        }
        if have == p.count { return true }
        return final ? false : nil
    }

    private func startTraceback(_ out: inout [Message]) {
        flushSkipped(s2c, &out)
        s2c.resyncing = false
        mode = .traceback
        let start = s2c.offset
        traceback = TracebackState(text: [], start: start, firstFrame: s2c.firstFrame(at: start))
        let before = pending.count
        cutShortRead(beforeFrame: traceback.firstFrame, &out)
        if pending.count > before {
            traceback.trigger = .shortRead
        } else if hasHead {
            traceback.trigger = .request
        } else {
            traceback.trigger = .eof
        }
    }

    func emitTraceback(_ out: inout [Message]) {
        let bytes = ArraySlice(traceback.text)
        var m = rawMessage(s2c, bytes, traceback.start, part: .legacyTraceback, frame: s2c.lastFrame, time: s2c.lastTime)
        m.kind = .error
        m.firstFrame = traceback.firstFrame
        m.trigger = traceback.trigger
        attach(&m, s2c.lastTime)
        let exception = TracebackState.exceptionLine(bytes)
        var why = "the published server wrote a Python traceback as raw text onto the RPC stream (\(bytes.count) bytes, \(exception))"
        switch traceback.trigger {
        case .eof: why += " when the client closed its side with nothing outstanding"
        case .shortRead: why += " while the client's request was still arriving"
        case .request: why += ""
        }
        m.anomalies.append(Anomaly(.legacyErrorPath, frame: s2c.lastFrame, stream: index,
                                   detail: why + ": a client reads it as fixints and its RPC task dies"))
        if pendingHead < pending.count { pending[pendingHead].tracebackSeen = true }
        out.append(m)
        traceback = TracebackState()
        mode = .normal
        serverDead = true
    }

    /// Pairs a server message with the head request (without popping it).
    private func attach(_ m: inout Message, _ time: Timestamp) {
        guard pendingHead < pending.count else { return }
        m.replyTo = pending[pendingHead].index
        m.replyToFrame = pending[pendingHead].frame
        m.setCommand(pending[pendingHead].commandEntry, other: pending[pendingHead].otherCommand)
        m.latency = time.since(pending[pendingHead].time)
    }

    /// A server object as a message, paired with the head request and classified from its first
    /// header (the message is built once, when its fields are known).
    private func reply(_ range: Range<Int>, _ bytes: ArraySlice<UInt8>, _ frame: Int, _ time: Timestamp,
                       into out: inout [Message]) {
        let head = ReplyHead(bytes)
        var kind = Message.Kind.reply
        var part = Message.Part.value
        var anomalies: [Anomaly] = []
        var replyTo: Int?, replyToFrame: Int?, entry: Command?, other: String?, latency: Double?
        if pendingHead < pending.count {
            replyTo = pending[pendingHead].index
            replyToFrame = pending[pendingHead].frame
            entry = pending[pendingHead].commandEntry
            other = pending[pendingHead].otherCommand
            latency = time.since(pending[pendingHead].time)
            switch (mode, head) {
            case (.normal, .ext(ExtCode.console)):
                kind = .console
                part = .console
                if !pending[pendingHead].mayPrint {
                    anomalies.append(Anomaly(.unexpectedConsole, frame: frame, stream: index,
                                             detail: "console output during \(pending[pendingHead].command), which runs no code"))
                }
            case (_, .ext(ExtCode.exception)):
                kind = .error
                part = .exception
                mode = .normal
                popHead()
            case (.normal, _):
                if let asked = pending[pendingHead].readIntoCount, let v = head.countValue {
                    part = .riCount
                    if let k = ReadIntoReply.rawByteCount(after: v, asked: asked, limit: options.decoding.maxObjectSize) {
                        mode = .riRaw(k)
                    } else {
                        anomalies.append(Anomaly(.badReadIntoCount, frame: frame, stream: index,
                                                 detail: "ri count \(v.intValue ?? 0) cannot be a byte count"))
                        popHead()
                    }
                } else {
                    popHead()
                }
            case (.riEnd, _):
                part = .riEnd
                if head != .nil {
                    let v = eager?.value ?? (try? Decoder(options: options.decoding).decodeValue(filling: bytes))
                    anomalies.append(Anomaly(.badReadIntoEnd, frame: frame, stream: index,
                                             detail: "an ri reply ends with nil, not \(v?.kindName ?? "?")"))
                }
                mode = .normal
                popHead()
            default:
                popHead()
            }
        } else {
            anomalies.append(Anomaly(.unsolicitedReply, frame: frame, stream: index,
                                     detail: "a server message with no request outstanding (the server never sends unsolicited)"))
            if head == .ext(ExtCode.console) { kind = .console; part = .console }
        }
        let isEager = options.keepsNodes || options.decoding.strictUTF8
        out.append(Message(index: nextIndex, frame: frame, firstFrame: s2c.firstFrame(at: range.lowerBound), time: time,
                           stream: index, direction: .serverToClient, kind: kind, part: part, streamRange: range,
                           bytes: bytes, replyTo: replyTo, replyToFrame: replyToFrame, commandEntry: entry, otherCommand: other,
                           latency: latency, anomalies: anomalies, lazyDecoding: isEager ? nil : options.decoding))
        nextIndex += 1
        if isEager { keepEager(&out) }
    }
}
