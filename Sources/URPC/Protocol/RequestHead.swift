import MessagePack

/// What the dissector reads of a request to pair, classify and report it, without its argument
/// values: the same facts as the parsed `Request` (`Request.command`, `known`, `malformedReason`,
/// `mayPrint`, `readIntoCount`, the `_d` id). Made from a `Request`, or from the request's bytes
/// by one header walk (`init?(walk:bytes:options:)`), in which case the `Request` itself is parsed
/// only when an output reads it (`Message.request`).
package struct RequestHead: Sendable, Equatable {
    /// The command string as sent ("?" when there is none).
    package var command: String { commandEntry?.rawValue ?? texts?.otherCommand ?? "" }
    /// The command table entry the command string names (well-formed request or not).
    package private(set) var commandEntry: Command?
    /// The command table entry of a well-formed request (nil for `other` and malformed ones).
    package var known: Command?
    package var malformedReason: String? {
        get { texts?.malformedReason }
        set { setTexts(other: texts?.otherCommand, reason: newValue) }
    }
    /// An array starting with a str that is not a urpc command (`Request.other`).
    package var isOther = false
    /// The count an `ri` asks for.
    package var readIntoCount: Int64?
    /// The id a well-formed `_d` releases.
    package var releaseID: UInt32?
    /// The strings only an unknown command or a malformed request has, boxed: the head of a
    /// well-formed request of a known command holds no string and copies without reference counting.
    private var texts: Texts?

    private final class Texts: Sendable, Equatable {
        /// The command string when it names no table entry.
        let otherCommand: String?
        let malformedReason: String?
        init(otherCommand: String?, malformedReason: String?) {
            self.otherCommand = otherCommand
            self.malformedReason = malformedReason
        }
        static func == (a: Texts, b: Texts) -> Bool {
            a.otherCommand == b.otherCommand && a.malformedReason == b.malformedReason
        }
    }

    private mutating func setTexts(other: String?, reason: String?) {
        texts = other == nil && reason == nil ? nil : Texts(otherCommand: other, malformedReason: reason)
    }

    /// True for the commands whose execution may print console output first (`Request.mayPrint`).
    package var mayPrint: Bool { isOther || (known?.mayPrint ?? false) }

    package init(_ r: Request) {
        let c = r.command
        commandEntry = Command.lookup(c)
        known = r.known
        setTexts(other: commandEntry == nil ? c : nil, reason: r.malformedReason)
        if case .other = r { isOther = true }
        readIntoCount = r.readIntoCount
        if case .release(let id) = r { releaseID = id }
    }

    /// `Request(value)`'s facts read from the bytes of the whole object `walk` walked, or nil when
    /// the headers cannot settle them (not a non-empty array, a command that is not a valid str):
    /// the caller then decodes the value and parses it.
    init?(walk: RequestPrecheck, bytes: __shared ArraySlice<UInt8>, options: DecodingOptions) {
        var head = RequestHead()
        guard head.read(walk: walk, bytes: bytes, options: options) else { return nil }
        self = head
    }

    /// An empty head, for `read(walk:bytes:options:)` to fill.
    init() {}

    /// `init?(walk:bytes:options:)` into an existing head (no optional head): false when the
    /// headers cannot settle the facts (the head is then unchanged).
    mutating func read(walk: RequestPrecheck, bytes: __shared ArraySlice<UInt8>, options: DecodingOptions) -> Bool {
        guard walk.complete, walk.arrayLength >= 1, let c = walk.element(0) else { return false }
        let n = walk.arrayLength - 1
        var entry: Command?, otherOut: String?, other = false, reason: String?, knownOut: Command?, ri: Int64?, rel: UInt32?
        // One pointer for every read below (no slice per element). The walk has read the elements'
        // headers and checked that every header and payload lies within the bytes.
        let settled = bytes.withUnsafeBufferPointer { p -> Bool in
            guard let command = Self.payload(p, c, of: .str) else { return false }
            guard let known = Command.lookup(utf8: command) else {
                guard let cmd = String(validating: command, as: UTF8.self) else { return false }
                otherOut = cmd
                other = true
                return true
            }
            entry = known
            guard n == known.arity else {
                reason = Self.arityReason(known, n)
                return true
            }
            func isStr(_ k: Int) -> Bool {
                guard let e = walk.element(k), let s = Self.payload(p, e, of: .str) else { return false }
                return Self.isValidUTF8(s)
            }
            func kind(_ k: Int) -> RawHeader.Kind? { walk.element(k)?.kind }
            var why: String?
            switch known {
            case .ver, .re, .str, .eq, .identity: break
            case .im: if !isStr(1) { why = "im takes a module name str" }
            case .ex: if !isStr(1) { why = "ex takes a code str" }
            case .cm:
                if !isStr(2) { why = "cm method name must be a str" }
                else if kind(3) != .array { why = "cm args must be an array" }
                else if kind(4) != .map { why = "cm kwargs must be a map" }
            case .gp: if !isStr(2) { why = "gp name must be a str" }
            case .sp: if !isStr(2) { why = "sp name must be a str" }
            case .ri:
                // The count is one scalar: decoded alone, as the whole request's decode reads it.
                guard let e = walk.element(2), e.kind == .scalar else { why = "ri count must be an int"; break }
                let s = bytes.startIndex
                let v = try? Decoder(options: options).decodeValue(filling: bytes[(s + e.start)..<(s + e.payloadStart)])
                if let k = v?.intValue { ri = k } else { why = "ri count must be an int" }
            case .release:
                if let e = walk.element(1), let id = Self.payload(p, e, of: .bin), id.count == 4 {
                    rel = UInt32(id[0]) << 24 | UInt32(id[1]) << 16 | UInt32(id[2]) << 8 | UInt32(id[3])
                } else {
                    why = "_d takes the proxy id as bin of length 4"
                }
            }
            if let why { reason = why } else { knownOut = known }
            return true
        }
        guard settled else { return false }
        commandEntry = entry
        isOther = other
        if otherOut != nil || reason != nil { setTexts(other: otherOut, reason: reason) }
        known = knownOut
        readIntoCount = ri
        releaseID = rel
        return true
    }

    @inline(never)
    private static func arityReason(_ known: Command, _ n: Int) -> String {
        known == .cm
            ? "cm takes exactly 4 arguments (target, name, args, kwargs), got \(n)"
            : "\(known.rawValue) with \(n) argument\(n == 1 ? "" : "s")"
    }

    /// The payload of top-level element `e` when it is a `kind` (str or bin).
    @inline(__always)
    private static func payload(_ p: UnsafeBufferPointer<UInt8>, _ e: RequestPrecheck.Element,
                                of kind: RawHeader.Kind) -> UnsafeBufferPointer<UInt8>? {
        guard e.kind == kind else { return nil }
        return UnsafeBufferPointer(rebasing: p[e.payloadStart..<(e.payloadStart + e.payloadLength)])
    }

    /// Whether the decoder makes a str payload a `.string` (valid UTF-8), not an `.invalidString`.
    private static func isValidUTF8(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        var high: UInt8 = 0
        for x in p { high |= x }
        return high < 0x80 || String(validating: p, as: UTF8.self) != nil
    }
}
