import Capture
import MessagePack

/// Options of the urpc dissector.
public struct DissectorOptions: Sendable {
    /// The server's TCP port; nil to find the server from the content.
    public var serverPort: UInt16?
    /// Decoding limits (standard dialect: show what is on the wire; the device's reading is
    /// reported by the lint as anomalies).
    public var decoding: DecodingOptions
    /// Run the device lint on client requests.
    public var lint: Bool

    public init(serverPort: UInt16? = nil, decoding: DecodingOptions = DecodingOptions(maxObjectSize: 16 << 20),
                lint: Bool = true) {
        self.serverPort = serverPort
        self.decoding = decoding
        self.lint = lint
    }
}

/// Turns reassembled byte streams (`StreamSegment`s, in capture order) into urpc messages:
/// requests with named arguments, replies paired in order with their requests, console output,
/// `ri` raw bytes, exception replies, the published server's raw-text traceback, and
/// resynchronisation after decode errors, lost segments and mid-stream starts.
///
/// Feed segments with `consume`; each call returns the messages completed by that segment.
/// `finish()` flushes what is left at the end of the capture.
public final class Dissector {
    public let options: DissectorOptions
    private var streams: [Int: StreamState] = [:]

    public init(options: DissectorOptions = DissectorOptions()) { self.options = options }

    /// What is known of a stream: its endpoints once the client is known.
    public struct StreamInfo: Sendable {
        public var stream: Int
        public var client: Endpoint
        public var server: Endpoint
        public var startedMidStream: Bool
    }

    public var streamInfos: [StreamInfo] {
        streams.values.compactMap { s in
            guard let c = s.client, let sv = s.server else { return nil }
            return StreamInfo(stream: s.index, client: c, server: sv, startedMidStream: s.midStream)
        }.sorted { $0.stream < $1.stream }
    }

    public func consume(_ seg: StreamSegment) -> [Message] {
        var out: [Message] = []
        consume(seg, into: &out)
        return out
    }

    /// Appends the messages completed by `seg` to `out` (lets a caller reuse one array).
    public func consume(_ seg: StreamSegment, into out: inout [Message]) {
        let st: StreamState
        if let last = lastStream, last.index == seg.stream {
            st = last
        } else if let s = streams[seg.stream] {
            st = s
        } else {
            st = StreamState(index: seg.stream, options: options)
            streams[seg.stream] = st
        }
        lastStream = st
        st.consume(seg, into: &out)
    }

    private var lastStream: StreamState?

    /// End of the capture: messages still buffered and anomalies for what never completed.
    public func finish() -> [Message] {
        var out: [Message] = []
        for k in streams.keys.sorted() { streams[k]!.finish(into: &out) }
        return out
    }
}

/// A request waiting for its reply.
struct PendingRequest {
    var index: Int
    var frame: Int
    var time: Timestamp
    var request: Request
    var tracebackSeen = false
}

/// One direction's decoding state.
struct DirectionState {
    var decoder: StreamDecoder
    /// (stream offset where a segment's bytes begin, frame), to find a message's first frame.
    var boundaries: [(offset: Int, frame: Int)] = []
    var boundaryHead = 0
    /// Resynchronising: bytes are skipped until a plausible message start.
    var resyncing = false
    var skippedStart: Int?
    var skipped: [UInt8] = []
    var skipReason = ""
    var lastTime = Timestamp(seconds: 0, nanoseconds: 0)
    var lastFrame = 0

    init(options: DecodingOptions) { decoder = StreamDecoder(options: options) }

    mutating func firstFrame(at offset: Int) -> Int {
        while boundaryHead + 1 < boundaries.count, boundaries[boundaryHead + 1].offset <= offset { boundaryHead += 1 }
        if boundaryHead > 1024 {
            boundaries.removeFirst(boundaryHead)
            boundaryHead = 0
        }
        return boundaryHead < boundaries.count ? boundaries[boundaryHead].frame : lastFrame
    }
}

final class StreamState {
    let index: Int
    let options: DissectorOptions
    var clientSide: StreamSide?
    var client: Endpoint?
    var server: Endpoint?
    var midStream = false
    var c2s: DirectionState
    var s2c: DirectionState
    var pending: [PendingRequest] = []
    var pendingHead = 0
    var nextIndex = 0
    var handshakeSeen = false
    var anyRequestSeen = false
    /// Server reply sub-state for the head request.
    enum ReplyMode { case normal, riRaw(Int), riEnd, traceback }
    var mode = ReplyMode.normal
    var traceback: [UInt8] = []
    var tracebackStart = 0
    var tracebackFirstFrame = 0

    init(index: Int, options: DissectorOptions) {
        self.index = index
        self.options = options
        c2s = DirectionState(options: options.decoding)
        s2c = DirectionState(options: options.decoding)
    }

    var head: PendingRequest? { pendingHead < pending.count ? pending[pendingHead] : nil }

    func popHead() {
        pendingHead += 1
        if pendingHead > 256 && pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    // MARK: roles

    /// Does a request plausibly start at `bytes[i]`? `91`–`95` then a fixstr of 2–3 bytes (or the
    /// end of what has arrived: the first byte of a message often travels alone).
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
            if StreamState.looksLikeRequestStart(b, bytes.count > 1 ? bytes[1] : nil, rest) {
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
            c2s.resyncing = true
            c2s.skipReason = "mid-stream"
            s2c.resyncing = true
            s2c.skipReason = "mid-stream"
        }
    }

    // MARK: input

    /// Completed messages not yet released (see `release`).
    var ready: [Message] = []
    /// Emission index of a request → its message number `n`.
    var numberOf: [Int: Int] = [:]
    var released = 0

    func consume(_ seg: StreamSegment, into out: inout [Message]) {
        consumeSegment(seg, into: &ready)
        release(into: &out, final: false)
    }

    /// The first frame of any message still being assembled (nil when none is).
    private var watermark: Int? {
        var w = Int.max
        if c2s.decoder.bufferedCount > 0 { w = min(w, c2s.firstFrame(at: c2s.decoder.offset)) }
        if s2c.decoder.bufferedCount > 0 { w = min(w, s2c.firstFrame(at: s2c.decoder.offset)) }
        if case .traceback = mode { w = min(w, tracebackFirstFrame) }
        if c2s.skippedStart != nil { w = min(w, c2s.firstFrame(at: c2s.skippedStart!)) }
        if s2c.skippedStart != nil { w = min(w, s2c.firstFrame(at: s2c.skippedStart!)) }
        return w == Int.max ? nil : w
    }

    /// Releases completed messages in the order of the frame of their first byte (then stream
    /// offset), numbering them: a message that began earlier but completed later (a release sent
    /// while a reply was arriving) keeps its place.
    private func release(into out: inout [Message], final: Bool) {
        guard !ready.isEmpty else { return }
        let w = final ? nil : watermark
        // The common case: everything completed can go, already in order.
        if w == nil || ready.allSatisfy({ $0.firstFrame <= w! }) {
            var ordered = true
            for i in ready.indices.dropFirst() where (ready[i - 1].firstFrame, ready[i - 1].index) > (ready[i].firstFrame, ready[i].index) {
                ordered = false
                break
            }
            if !ordered { ready.sort { ($0.firstFrame, $0.index) < ($1.firstFrame, $1.index) } }
            for i in ready.indices { number(&ready[i]) }
            out.append(contentsOf: ready)
            ready.removeAll(keepingCapacity: true)
            pruneNumbers()
            return
        }
        var keep: [Message] = []
        var go: [Message] = []
        for m in ready {
            if let w, m.firstFrame > w { keep.append(m) } else { go.append(m) }
        }
        if go.count > 1 {
            go.sort { ($0.firstFrame, $0.index) < ($1.firstFrame, $1.index) }
        }
        for var m in go {
            number(&m)
            out.append(m)
        }
        ready = keep
        pruneNumbers()
    }

    private func number(_ m: inout Message) {
        if m.index >= 0 {
            if m.kind == .request { numberOf[m.index] = released }
            m.index = released
            released += 1
        }
        if let r = m.replyTo { m.replyTo = numberOf[r] }
    }

    private func pruneNumbers() {
        if numberOf.count > 4096, let h = head {
            numberOf = numberOf.filter { $0.key >= h.index }
        }
    }

    func consumeSegment(_ seg: StreamSegment, into out: inout [Message]) {
        switch seg.payload {
        case .opened:
            return
        case .closed:
            return
        case .gap(let count):
            guard let cs = clientSide else { return }
            let dir: Direction = seg.side == cs ? .clientToServer : .serverToClient
            gap(count, dir, seg, &out)
        case .bytes(let bytes):
            if clientSide == nil { decideRoles(seg, bytes) }
            let dir: Direction = seg.side == clientSide ? .clientToServer : .serverToClient
            if dir == .clientToServer {
                c2s.boundaries.append((c2s.decoder.offset + c2s.decoder.bufferedCount, seg.frame))
                c2s.decoder.feed(bytes)
                c2s.lastTime = seg.time
                c2s.lastFrame = seg.frame
                drainClient(seg, &out)
            } else {
                s2c.boundaries.append((s2c.decoder.offset + s2c.decoder.bufferedCount, seg.frame))
                s2c.decoder.feed(bytes)
                s2c.lastTime = seg.time
                s2c.lastFrame = seg.frame
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
        flushSkipped(.clientToServer, &out)
        flushSkipped(.serverToClient, &out)
        truncatedTail(.clientToServer, &out)
        truncatedTail(.serverToClient, &out)
        for p in pending[pendingHead...] {
            let dead = p.tracebackSeen
            out.append(noteOnly(frame: p.frame, Anomaly(
                dead ? .serverDead : .noReply, frame: p.frame, stream: index,
                detail: dead
                    ? "no reply after the raw traceback to \(p.request.summary()) (frame \(p.frame)): the published server's RPC task died"
                    : "\(p.request.summary()) (frame \(p.frame)) has no reply by the end of the capture")))
        }
    }

    /// The bytes of a message the capture ends inside, as one skipped run.
    private func truncatedTail(_ dir: Direction, _ out: inout [Message]) {
        let ds = dir == .clientToServer ? c2s : s2c
        let n = ds.decoder.bufferedCount
        guard n > 0 else { return }
        let start = ds.decoder.offset
        let bytes = dir == .clientToServer ? c2s.decoder.skip(n) : s2c.decoder.skip(n)
        var m = rawMessage(dir, bytes, start, part: .skipped, frame: ds.lastFrame, time: ds.lastTime)
        let who = dir == .clientToServer ? "client" : "server"
        m.anomalies.append(Anomaly(.truncatedMessage, frame: ds.lastFrame, stream: index,
                                   detail: "the capture ends inside a \(who) message (\(n) bytes of it)"))
        out.append(m)
    }

    /// Anomalies at the end of a capture travel as messages with no bytes so that every consumer
    /// sees them in order; `kind` raw, `part` skipped, empty range.
    private func noteOnly(frame: Int, _ a: Anomaly) -> Message {
        // Placed at the end of the capture (the anomaly itself names the frame it is about).
        let end = max(c2s.lastFrame, s2c.lastFrame, frame)
        let time = max(c2s.lastTime, s2c.lastTime)
        return Message(index: -1, frame: end, firstFrame: end, time: time, stream: index, direction: .serverToClient,
                kind: .raw, part: .skipped, streamRange: s2c.decoder.offset..<s2c.decoder.offset, node: nil, raw: [],
                request: nil, replyTo: nil, replyToFrame: nil, command: nil, latency: nil, outstanding: 0, anomalies: [a])
    }

    private func gap(_ count: Int, _ dir: Direction, _ seg: StreamSegment, _ out: inout [Message]) {
        let a = Anomaly(.gap, frame: seg.frame, stream: index,
                        detail: "\(count) bytes of \(dir.rawValue) were not captured: messages around them are lost; resynchronising")
        if dir == .clientToServer {
            flushSkipped(.clientToServer, &out)
            let partial = c2s.decoder.bufferedCount
            let start = c2s.decoder.offset
            let bytes = c2s.decoder.skip(partial)
            var m = rawMessage(.clientToServer, bytes, start, part: .skipped, frame: seg.frame, time: seg.time)
            m.anomalies.append(a)
            out.append(m)
            c2s.decoder = StreamDecoder(options: options.decoding, origin: start + partial + count)
            c2s.boundaries.removeAll(); c2s.boundaryHead = 0
            c2s.resyncing = true
            c2s.skipReason = "gap"
        } else {
            if case .traceback = mode { emitTraceback(&out) }
            flushSkipped(.serverToClient, &out)
            let partial = s2c.decoder.bufferedCount
            let start = s2c.decoder.offset
            let bytes = s2c.decoder.skip(partial)
            var m = rawMessage(.serverToClient, bytes, start, part: .skipped, frame: seg.frame, time: seg.time)
            m.anomalies.append(a)
            // The replies of the outstanding requests may be in the lost bytes.
            while let p = head {
                m.anomalies.append(Anomaly(.replyLost, frame: seg.frame, stream: index,
                                           detail: "the reply to \(p.request.summary()) (frame \(p.frame)) may be in the lost bytes"))
                popHead()
            }
            out.append(m)
            mode = .normal
            s2c.decoder = StreamDecoder(options: options.decoding, origin: start + partial + count)
            s2c.boundaries.removeAll(); s2c.boundaryHead = 0
            s2c.resyncing = true
            s2c.skipReason = "gap"
        }
    }

    // MARK: messages

    private func rawMessage(_ dir: Direction, _ bytes: ArraySlice<UInt8>, _ start: Int, part: Message.Part,
                            frame: Int, time: Timestamp) -> Message {
        var ds = dir == .clientToServer ? c2s : s2c
        let first = ds.firstFrame(at: start)
        if dir == .clientToServer { c2s.boundaryHead = ds.boundaryHead } else { s2c.boundaryHead = ds.boundaryHead }
        defer { nextIndex += 1 }
        var m = Message(index: nextIndex, frame: frame, firstFrame: first, time: time, stream: index, direction: dir,
                        kind: .raw, part: part, streamRange: start..<(start + bytes.count), node: nil, raw: bytes,
                        request: nil, replyTo: nil, replyToFrame: nil, command: nil, latency: nil, outstanding: 0,
                        anomalies: [])
        m.bytes = bytes
        return m
    }

    private func flushSkipped(_ dir: Direction, _ out: inout [Message]) {
        let ds = dir == .clientToServer ? c2s : s2c
        guard let start = ds.skippedStart, !ds.skipped.isEmpty else { return }
        var m = rawMessage(dir, ArraySlice(ds.skipped), start, part: .skipped, frame: ds.lastFrame, time: ds.lastTime)
        let why = ds.skipReason
        m.anomalies.append(Anomaly(why == "mid-stream" ? .midStream : .desync, frame: ds.lastFrame, stream: index,
                                   detail: "\(ds.skipped.count) bytes of \(dir.rawValue) skipped to find the next message start (\(why))"))
        out.append(m)
        if dir == .clientToServer { c2s.skipped = []; c2s.skippedStart = nil } else { s2c.skipped = []; s2c.skippedStart = nil }
    }

    private func skipByte(_ dir: Direction) {
        if dir == .clientToServer {
            if c2s.skippedStart == nil { c2s.skippedStart = c2s.decoder.offset }
            c2s.skipped.append(contentsOf: c2s.decoder.skip(1))
        } else {
            if s2c.skippedStart == nil { s2c.skippedStart = s2c.decoder.offset }
            s2c.skipped.append(contentsOf: s2c.decoder.skip(1))
        }
    }

    // MARK: client side

    private func drainClient(_ seg: StreamSegment, _ out: inout [Message]) {
        while true {
            if c2s.resyncing {
                // Skip to a plausible request start.
                while let b = c2s.decoder.peek() {
                    let n = c2s.decoder.peek(1)
                    var rest: [UInt8] = []
                    if let n, n == 0xa2 || n == 0xa3 {
                        for i in 0..<Int(n & 0x1f) { if let x = c2s.decoder.peek(2 + i) { rest.append(x) } }
                    }
                    if StreamState.looksLikeRequestStart(b, n, rest.isEmpty ? nil : rest[...]) { break }
                    skipByte(.clientToServer)
                }
                guard c2s.decoder.peek() != nil else { return }
                // Need the whole plausible header before deciding.
                if c2s.decoder.peek(1) == nil { return }
                c2s.resyncing = false
                flushSkipped(.clientToServer, &out)
            }
            let node: Node?
            do {
                node = try c2s.decoder.next()
            } catch {
                if c2s.skippedStart == nil { c2s.skipReason = "\(error)" }
                c2s.resyncing = true
                skipByte(.clientToServer)
                continue
            }
            guard let node else { return }
            out.append(request(node, seg))
        }
    }

    private func request(_ node: Node, _ seg: StreamSegment) -> Message {
        let value = node.value
        let req = Request(value)
        var anomalies: [Anomaly] = []
        if let why = req.malformedReason {
            anomalies.append(Anomaly(.malformedRequest, frame: seg.frame, stream: index,
                                     detail: why + ": the published server dies on it"))
        }
        if case .other(let c, _) = req {
            anomalies.append(Anomaly(.unknownCommand, frame: seg.frame, stream: index,
                                     detail: "'\(c)' is not a urpc command; the server looks it up among its module-level names"))
        }
        if case .ver = req { handshakeSeen = true }
        if options.lint {
            for f in DeviceLint.lint(node: node) {
                anomalies.append(Anomaly(lint: f, frame: seg.frame, stream: index))
            }
            checkExtCodes(value, &anomalies, seg.frame)
        }
        let outstanding = pending.count - pendingHead
        if outstanding > 0, req.command != "_d" {
            anomalies.append(Anomaly(.pipelined, frame: seg.frame, stream: index,
                                     detail: "sent while \(outstanding) earlier request(s) were unanswered (urpc is lock-step)"))
        }
        let first = c2s.firstFrame(at: node.offset)
        var m = Message(index: nextIndex, frame: seg.frame, firstFrame: first, time: seg.time, stream: index,
                        direction: .clientToServer, kind: .request, part: .request, streamRange: node.range, node: node,
                        raw: nil, request: req, replyTo: nil, replyToFrame: nil, command: req.command, latency: nil,
                        outstanding: outstanding, anomalies: anomalies)
        m.bytes = c2s.decoder.bytes(in: node.range) ?? []
        pending.append(PendingRequest(index: nextIndex, frame: seg.frame, time: seg.time, request: req))
        nextIndex += 1
        anyRequestSeen = true
        return m
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

    // MARK: server side

    static let tracebackPrefix = Array("Traceback (most recent call last):".utf8)

    @inline(__always)
    static func isText(_ b: UInt8) -> Bool { b == 0x09 || b == 0x0a || b == 0x0d || (0x20...0x7e).contains(b) }

    private func drainServer(_ seg: StreamSegment?, final: Bool, _ out: inout [Message]) {
        let frame = seg?.frame ?? s2c.lastFrame
        let time = seg?.time ?? s2c.lastTime
        while true {
            if case .traceback = mode {
                while let b = s2c.decoder.peek(), StreamState.isText(b) {
                    traceback.append(contentsOf: s2c.decoder.skip(1))
                }
                guard s2c.decoder.peek() != nil else { return }
                emitTraceback(&out)
                continue
            }
            if case .riRaw(let k) = mode {
                // A count of 0 carries no raw bytes: no (empty) data message, as the manifests number them.
                if k == 0 { mode = .riEnd; continue }
                let start = s2c.decoder.offset
                guard let bytes = s2c.decoder.nextRaw(count: k) else { return }
                var m = rawMessage(.serverToClient, bytes, start, part: .riData, frame: frame, time: time)
                attach(&m, time)
                out.append(m)
                mode = .riEnd
                continue
            }
            if s2c.resyncing {
                // Before the first request (mid-stream) or after a gap, server bytes cannot be paired.
                if !anyRequestSeen || head == nil {
                    while s2c.decoder.peek() != nil { skipByte(.serverToClient) }
                    return
                }
                s2c.resyncing = false
                flushSkipped(.serverToClient, &out)
            }
            guard let b = s2c.decoder.peek() else { return }
            if b == 0x54, head != nil {
                // Possibly the published server's raw traceback ("T" is also fixint 84).
                let p = StreamState.tracebackPrefix
                var match = true
                var have = 0
                while have < p.count, let x = s2c.decoder.peek(have) {
                    if x != p[have] { match = false; break }
                    have += 1
                }
                if match && have < p.count && !final { return }   // wait for more bytes
                if match && have == p.count {
                    mode = .traceback
                    tracebackStart = s2c.decoder.offset
                    tracebackFirstFrame = s2c.firstFrame(at: tracebackStart)
                    traceback = []
                    continue
                }
            }
            let node: Node?
            do {
                node = try s2c.decoder.next()
            } catch {
                // Skip byte by byte until an object decodes again.
                if s2c.skippedStart == nil { s2c.skipReason = "\(error)" }
                skipByte(.serverToClient)
                continue
            }
            guard let node else { return }
            flushSkipped(.serverToClient, &out)
            out.append(reply(node, frame, time))
        }
    }

    private func emitTraceback(_ out: inout [Message]) {
        let bytes = ArraySlice(traceback)
        var m = rawMessage(.serverToClient, bytes, tracebackStart, part: .legacyTraceback,
                           frame: s2c.lastFrame, time: s2c.lastTime)
        m.kind = .error
        m.firstFrame = tracebackFirstFrame
        attach(&m, s2c.lastTime)
        m.anomalies.append(Anomaly(.legacyErrorPath, frame: s2c.lastFrame, stream: index,
                                   detail: "the published server wrote a Python traceback as raw text onto the RPC stream (\(bytes.count) bytes): a client reads it as fixints and its RPC task dies"))
        if pendingHead < pending.count { pending[pendingHead].tracebackSeen = true }
        out.append(m)
        traceback = []
        mode = .normal
    }

    /// Pairs a server message with the head request (without popping it).
    private func attach(_ m: inout Message, _ time: Timestamp) {
        guard let h = head else { return }
        m.replyTo = h.index
        m.replyToFrame = h.frame
        m.command = h.request.command
        m.latency = time.since(h.time)
    }

    private func reply(_ node: Node, _ frame: Int, _ time: Timestamp) -> Message {
        let first = s2c.firstFrame(at: node.offset)
        var m = Message(index: nextIndex, frame: frame, firstFrame: first, time: time, stream: index,
                        direction: .serverToClient, kind: .reply, part: .value, streamRange: node.range, node: node,
                        raw: nil, request: nil, replyTo: nil, replyToFrame: nil, command: nil, latency: nil,
                        outstanding: 0, anomalies: [])
        m.bytes = s2c.decoder.bytes(in: node.range) ?? []
        nextIndex += 1
        guard let h = head else {
            m.anomalies.append(Anomaly(.unsolicitedReply, frame: frame, stream: index,
                                       detail: "a server message with no request outstanding (the server never sends unsolicited)"))
            if case .ext(ExtCode.console, _) = node.content.scalarValue { m.kind = .console; m.part = .console }
            return m
        }
        attach(&m, time)
        let scalar = node.content.scalarValue
        switch (mode, scalar) {
        case (.normal, .ext(ExtCode.console, _)?):
            m.kind = .console
            m.part = .console
            if !h.request.mayPrint {
                m.anomalies.append(Anomaly(.unexpectedConsole, frame: frame, stream: index,
                                           detail: "console output during \(h.request.command), which runs no code"))
            }
        case (_, .ext(ExtCode.exception, _)?):
            m.kind = .error
            m.part = .exception
            mode = .normal
            popHead()
        case (.normal, let v):
            if case .readInto(_, let asked) = h.request, let v, v.isNil || v.intValue != nil {
                m.part = .riCount
                if let k = ReadIntoReply.rawByteCount(after: v, asked: asked, limit: options.decoding.maxObjectSize) {
                    mode = .riRaw(k)
                } else {
                    m.anomalies.append(Anomaly(.badReadIntoCount, frame: frame, stream: index,
                                               detail: "ri count \(v.intValue ?? 0) cannot be a byte count"))
                    popHead()
                }
            } else {
                popHead()
            }
        case (.riEnd, _):
            m.part = .riEnd
            if !(scalar?.isNil ?? false) {
                m.anomalies.append(Anomaly(.badReadIntoEnd, frame: frame, stream: index,
                                           detail: "an ri reply ends with nil, not \(node.value.kindName)"))
            }
            mode = .normal
            popHead()
        default:
            popHead()
        }
        return m
    }
}

extension Node.Content {
    var scalarValue: MessagePackValue? {
        if case .scalar(let v) = self { return v }
        return nil
    }
}
