import Capture
import MessagePack

package enum Direction: String, Sendable, Hashable {
    case clientToServer = "C>S"
    case serverToClient = "S>C"
}

/// One urpc message as the dissector sees it: a request, a part of a reply, or bytes that are not
/// MessagePack (ri data, the published server's raw traceback, bytes skipped to resynchronise).
package struct Message: Sendable {
    package enum Kind: String, Sendable {
        case request, reply, console, error, raw
    }

    /// What a server→client message is within its reply.
    package enum Part: String, Sendable {
        case request
        /// The reply value (the whole reply for most commands).
        case value
        case riCount = "ri count"
        case riData = "ri data"
        case riEnd = "ri end"
        case console
        /// An ExtType(2) exception reply.
        case exception
        /// The published server's broken error path: a Python traceback as raw text on the stream.
        case legacyTraceback = "legacy traceback"
        /// Bytes skipped while resynchronising (after a decode error, a lost segment, or a capture
        /// that starts mid-stream).
        case skipped
    }

    /// 0-based index of the message in its stream (both directions), as in the captures' README.
    package var index: Int
    /// Capture frame (1-based) in which the message ends.
    package var frame: Int
    /// Capture frame in which the message begins.
    package var firstFrame: Int
    package var time: Timestamp
    package var stream: Int
    package var direction: Direction
    package var kind: Kind
    package var part: Part
    /// Offsets of the message in its direction's byte stream.
    package var streamRange: Range<Int>
    /// The message's bytes as they were on the wire (MessagePack or raw).
    package var bytes: ArraySlice<UInt8>
    /// For server messages: the request they answer (its index and frame).
    package var replyTo: Int?
    package var replyToFrame: Int?
    /// Seconds from the request's last frame to this message (server messages).
    package var latency: Double?
    /// For requests: how many earlier requests were still unanswered when this one was sent.
    package var outstanding: Int
    /// The command table entry that `command` names (requests of a urpc command, well-formed or
    /// not, and the server messages answering them): counters index by it, no string is kept.
    package private(set) var commandEntry: Command?

    /// A raw message: `raw` is its bytes.
    private var isRaw: Bool
    /// A MessagePack message whose value is decoded from `bytes` when read, with these options
    /// (the dissector's: the same value as an eager decode). nil: the value is stored, or none.
    private var lazyDecoding: DecodingOptions?
    /// A request whose `Request` is parsed from `value` when read (the dissector read what it
    /// needs of it from its headers: `RequestHead`).
    private var lazyRequest: Bool
    /// The request is `Request.malformed` (kept so that counting parts parses no request).
    package private(set) var isMalformedRequest: Bool
    /// The command table entry of a well-formed request (`Request.known`).
    package private(set) var requestKnown: Command?
    /// The id a well-formed `_d` releases.
    package private(set) var releaseID: UInt32?

    /// The fields whose copies cost most (enums of values, trees, arrays, strings) or that few
    /// messages have, kept out of line in one copy-on-write box so that copying a message retains
    /// one reference. Most messages have none: nothing of theirs is kept beyond their bytes.
    private var extras: MessageExtras?

    /// For requests the command string as sent; for server messages the command of the request
    /// they answer.
    package var command: String? {
        get { commandEntry?.rawValue ?? extras?.otherCommand }
        set { setCommand(newValue.flatMap(Command.lookup), other: newValue) }
    }

    /// Sets `command` from its table entry, or from `other` when the entry is nil.
    package mutating func setCommand(_ entry: Command?, other: String?) {
        commandEntry = entry
        let o = entry == nil ? other : nil
        if o != nil || extras?.otherCommand != nil { mutableExtras().otherCommand = o }
    }

    /// The message's anomalies (out of line: most messages have none).
    package var anomalies: [Anomaly] {
        get { extras?.anomalies ?? [] }
        set { if !newValue.isEmpty || extras != nil { mutableExtras().anomalies = newValue } }
        _modify { yield &mutableExtras().anomalies }
    }

    /// The message has anomalies (without making an array).
    @inline(__always)
    package var hasAnomalies: Bool { extras.map { !$0.anomalies.isEmpty } ?? false }

    /// For the raw traceback: what made the server write it, where the capture shows it.
    package var trigger: ErrorTrigger? {
        get { extras?.trigger }
        set { if newValue != nil || extras != nil { mutableExtras().trigger = newValue } }
    }

    /// The parsed request (requests only).
    package var request: Request? {
        get {
            if let r = extras?.request { return r }
            guard lazyRequest, let v = value else { return nil }
            return Request(v)
        }
        set {
            if newValue == nil { lazyRequest = false }
            setFacts(newValue)
            if newValue != nil || extras != nil { mutableExtras().request = newValue }
        }
    }

    /// The message carries a request (kept, or parsed from its bytes when read).
    package var hasRequest: Bool { lazyRequest || extras?.request != nil }

    private mutating func setFacts(_ r: Request?) {
        isMalformedRequest = r?.malformedReason != nil
        requestKnown = r?.known
        if case .release(let id)? = r { releaseID = id } else { releaseID = nil }
    }

    /// Where a request's `Request` comes from, to parse it later (the proxy tracker keeps one per
    /// request awaiting its reply: lighter than the message).
    package var requestSource: RequestSource {
        if let r = extras?.request { return RequestSource(kept: r, bytes: [], options: nil) }
        guard lazyRequest else { return RequestSource(kept: nil, bytes: [], options: nil) }
        guard let o = lazyDecoding else { return RequestSource(kept: request, bytes: [], options: nil) }
        return RequestSource(kept: nil, bytes: bytes, options: o)
    }

    /// The options `request` is decoded with from `bytes` when it is read (a request the dissector
    /// did not parse); nil when the request is kept, or there is none. With `bytes`, all that a
    /// request awaiting its reply needs kept (no `RequestSource` to build).
    package var lazyRequestOptions: DecodingOptions? {
        guard lazyRequest else { return nil }
        // Most messages have no extras: nothing to read (and copy) out of line.
        guard let e = extras else { return lazyDecoding }
        return e.request == nil ? lazyDecoding : nil
    }

    /// What the dissector read of the request (requests only): for a request parsed lazily, read
    /// again from its bytes by one header walk, without decoding its value.
    package var requestHead: RequestHead? {
        if let r = extras?.request { return RequestHead(r) }
        guard lazyRequest, let o = lazyDecoding else { return nil }
        if let h = RequestHead(walk: RequestPrecheck(bytes), bytes: bytes, options: o) { return h }
        return request.map(RequestHead.init)
    }
    /// The value as the dissector decoded it, when it kept it (requests; every message with
    /// `DissectorOptions.keepsNodes`). nil: `value` decodes it from `bytes`.
    package var decodedValue: MessagePackValue? {
        get { extras?.decodedValue }
        set { if newValue != nil || extras != nil { mutableExtras().decodedValue = newValue } }
    }
    /// The decoded object (nil for raw messages, and unless the dissector keeps nodes).
    package var node: Node? {
        get { extras?.node }
        set { if newValue != nil || extras != nil { mutableExtras().node = newValue } }
    }
    /// The raw bytes of a raw message: its `bytes` (setting it sets them).
    package var raw: ArraySlice<UInt8>? {
        get { isRaw ? bytes : nil }
        set {
            isRaw = newValue != nil
            if let newValue { bytes = newValue }
        }
    }
    /// A message too deep to decode whole: its value to the decoder's depth limit.
    package var shallowValue: MessagePackValue? {
        get { extras?.shallowValue }
        set { if newValue != nil || extras != nil { mutableExtras().shallowValue = newValue } }
    }

    private mutating func mutableExtras() -> MessageExtras {
        if extras == nil { extras = MessageExtras() } else if !isKnownUniquelyReferenced(&extras!) { extras = extras!.copy() }
        return extras.unsafelyUnwrapped
    }

    /// Keeps the parsed request, the decoded value and the node (one box for all three; what was
    /// kept before is dropped). The arguments move into the box.
    package mutating func keep(request: consuming Request?, value: consuming MessagePackValue?, node: consuming Node?) {
        let e = mutableExtras()
        setFacts(request)
        e.request = request
        e.decodedValue = value
        e.node = node
        e.shallowValue = nil
    }

    /// The message's value: as kept, or decoded from `bytes` on each read (nothing is cached, so a
    /// message stays a plain value that any thread may read; a caller that reads it repeatedly
    /// keeps it, or calls `keepValue()`).
    package var value: MessagePackValue? {
        if let e = extras, let v = e.decodedValue ?? e.node?.value ?? e.shallowValue { return v }
        guard let o = lazyDecoding else { return nil }
        return try? Decoder(options: o).decodeValue(filling: bytes, origin: streamRange.lowerBound)
    }

    /// Decodes the value once and keeps it in the message (for callers that read `value` often).
    package mutating func keepValue() {
        guard lazyDecoding != nil, decodedValue == nil, let v = value else { return }
        decodedValue = v
        lazyDecoding = nil
    }

    /// An exception reply's fields: `name \x04 repr(args) \x04 traceback`.
    package var exception: (name: String, args: String, traceback: String)? {
        guard part == .exception, case .ext(_, let d)? = value else { return nil }
        let fields = d.split(separator: 0x04, maxSplits: 2, omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        return (fields.count > 0 ? fields[0] : "", fields.count > 1 ? fields[1] : "", fields.count > 2 ? fields[2] : "")
    }

    /// The exception a server error names: the last line of a raw traceback
    /// (`ValueError: short read`), or `Name: args` of an ExtType(2) reply.
    package var exceptionLine: String? {
        if part == .legacyTraceback, let raw { return TracebackState.exceptionLine(raw) }
        guard let e = exception else { return nil }
        return e.args.isEmpty ? e.name : e.name + ": " + e.args
    }

    /// Console output bytes (console messages).
    package var consoleBytes: ArraySlice<UInt8>? {
        guard part == .console, case .ext(_, let d)? = value else { return nil }
        return d
    }
}

extension Message {
    /// A message of the fields every message has (the dissector's path: nothing to destroy for
    /// the out-of-line fields it does not set). `command` is given as its table entry, or as a
    /// string when it names none (`otherCommand`). `isRaw`: `bytes` are not MessagePack (`raw`).
    /// Built by the memberwise initializer (the inits are in an extension): a message built field
    /// by field was copied on its way out.
    package init(index: Int, frame: Int, firstFrame: Int, time: Timestamp, stream: Int, direction: Direction,
                 kind: Kind, part: Part, streamRange: Range<Int>, bytes: ArraySlice<UInt8>,
                 replyTo: Int? = nil, replyToFrame: Int? = nil, commandEntry: Command?, otherCommand: String? = nil,
                 latency: Double? = nil, outstanding: Int = 0, anomalies: [Anomaly] = [],
                 lazyDecoding: DecodingOptions? = nil, lazyRequest: Bool = false, head: RequestHead? = nil,
                 isRaw: Bool = false) {
        self.init(index: index, frame: frame, firstFrame: firstFrame, time: time, stream: stream, direction: direction,
                  kind: kind, part: part, streamRange: streamRange, bytes: bytes, replyTo: replyTo,
                  replyToFrame: replyToFrame, latency: latency, outstanding: outstanding, commandEntry: commandEntry,
                  isRaw: isRaw, lazyDecoding: lazyDecoding, lazyRequest: lazyRequest && lazyDecoding != nil,
                  isMalformedRequest: head?.malformedReason != nil, requestKnown: head?.known,
                  releaseID: head?.releaseID,
                  extras: otherCommand != nil || !anomalies.isEmpty
                      ? MessageExtras(otherCommand: commandEntry == nil ? otherCommand : nil, anomalies: anomalies) : nil)
    }

    /// A message of the fields every message has, its command given as a string.
    package init(index: Int, frame: Int, firstFrame: Int, time: Timestamp, stream: Int, direction: Direction,
                 kind: Kind, part: Part, streamRange: Range<Int>, bytes: ArraySlice<UInt8>,
                 replyTo: Int? = nil, replyToFrame: Int? = nil, command: String? = nil, latency: Double? = nil,
                 outstanding: Int = 0, anomalies: [Anomaly] = [], lazyDecoding: DecodingOptions? = nil,
                 lazyRequest: Bool = false, head: RequestHead? = nil) {
        let entry = command.flatMap(Command.lookup)
        self.init(index: index, frame: frame, firstFrame: firstFrame, time: time, stream: stream, direction: direction,
                  kind: kind, part: part, streamRange: streamRange, bytes: bytes, replyTo: replyTo,
                  replyToFrame: replyToFrame, commandEntry: entry, otherCommand: entry == nil ? command : nil,
                  latency: latency, outstanding: outstanding, anomalies: anomalies, lazyDecoding: lazyDecoding,
                  lazyRequest: lazyRequest, head: head)
    }

    package init(index: Int, frame: Int, firstFrame: Int, time: Timestamp, stream: Int, direction: Direction,
                 kind: Kind, part: Part, streamRange: Range<Int>, node: Node?, raw: ArraySlice<UInt8>?,
                 request: Request?, replyTo: Int?, replyToFrame: Int?, command: String?, latency: Double?,
                 outstanding: Int, anomalies: [Anomaly], bytes: ArraySlice<UInt8> = [],
                 decodedValue: MessagePackValue? = nil, lazyDecoding: DecodingOptions? = nil) {
        self.init(index: index, frame: frame, firstFrame: firstFrame, time: time, stream: stream, direction: direction,
                  kind: kind, part: part, streamRange: streamRange, bytes: bytes, replyTo: replyTo,
                  replyToFrame: replyToFrame, command: command, latency: latency, outstanding: outstanding,
                  anomalies: anomalies, lazyDecoding: lazyDecoding)
        if let raw {
            isRaw = true
            self.bytes = raw
        }
        if request != nil || decodedValue != nil || node != nil {
            keep(request: request, value: decodedValue, node: node)
        }
    }
}

/// A request's `Request`, kept or parsed from its bytes on demand.
package struct RequestSource: Sendable {
    let kept: Request?
    let bytes: ArraySlice<UInt8>
    let options: DecodingOptions?

    package var request: Request? {
        if let kept { return kept }
        guard let o = options, let v = try? Decoder(options: o).decodeValue(filling: bytes) else { return nil }
        return Request(v)
    }
}

/// The out-of-line fields of a message (copied on write: a message stays a value).
private final class MessageExtras: @unchecked Sendable {
    var request: Request?
    var decodedValue: MessagePackValue?
    var node: Node?
    var shallowValue: MessagePackValue?
    var anomalies: [Anomaly] = []
    /// A command string that names no table entry.
    var otherCommand: String?
    var trigger: ErrorTrigger?

    init() {}

    init(otherCommand: String?, anomalies: [Anomaly]) {
        self.otherCommand = otherCommand
        self.anomalies = anomalies
    }

    func copy() -> MessageExtras {
        let e = MessageExtras()
        e.anomalies = anomalies
        e.otherCommand = otherCommand
        e.trigger = trigger
        e.request = request
        e.decodedValue = decodedValue
        e.node = node
        e.shallowValue = shallowValue
        return e
    }
}
