import MessagePack

/// One flat walk over the headers of a whole request object (payloads are skipped, no value is
/// built), through the codec's one header reader. It records the top-level elements the request
/// parser looks at (the command and up to four arguments) and tells whether the slower checks can
/// find anything: the device lint (`DeviceLint.lint(node:)`) and the ext-code check. The flags are
/// exact in one direction: when one is false the check certainly finds nothing, so most requests
/// skip building a `Node` and walking their value twice.
struct RequestPrecheck {
    /// A header the lint reports on may be present: a uint8/16/32 with its top bit set, an
    /// int32, a 64-bit or float64 header, an ext with a negative type (a timestamp too), a map
    /// with entries (key checks), or enough bytes to nest to the device's crash depth.
    private(set) var mayLint = false
    /// An ext other than a 4-byte proxy may be present.
    private(set) var mayHaveBadExt = false
    /// The walk read the bytes as exactly one object.
    private(set) var complete = false
    /// The first header (the request's container when it is one).
    private(set) var top: RawHeader?
    /// The first five top-level elements of an array (the command, then the arguments): their
    /// headers and where each header starts.
    private(set) var elements: (Element?, Element?, Element?, Element?, Element?)

    struct Element {
        var header: RawHeader
        var at: Int
        /// Where the payload (a str's bytes, a bin's bytes) starts.
        var payload: Int { at + header.headerLength }
    }

    /// Top-level element `k` (0: the command), when the top is an array that has it.
    func element(_ k: Int) -> Element? {
        switch k {
        case 0: elements.0
        case 1: elements.1
        case 2: elements.2
        case 3: elements.3
        case 4: elements.4
        default: nil
        }
    }

    init(_ bytes: ArraySlice<UInt8>) {
        var walk = RequestPrecheck()
        walk.mayLint = bytes.count >= DeviceLint.crashDepth
        let done = bytes.withUnsafeBufferPointer { p in walk.walk(p) }
        if !done {
            // Never for a decoded object; should it happen, every check runs.
            walk.mayLint = true
            walk.mayHaveBadExt = true
        }
        walk.complete = done
        self = walk
    }

    private init() { elements = (nil, nil, nil, nil, nil) }

    /// The walk itself: every header of the object in order, payloads skipped.
    private mutating func walk(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let reader = HeaderReader(p)
        let n = p.count
        var i = 0
        var remaining = 1
        // Top-level array elements not yet started: while every nested item announced so far
        // has been read (`remaining == topLeft`), the next header is a top-level element.
        var topLeft = -1
        var k = 0
        while remaining > 0 {
            guard case .header(let h) = reader.read(at: i) else { return false }
            let payload = i + h.headerLength
            guard payload + h.payloadLength <= n else { return false }
            if i == 0 {
                top = h
                if h.kind == .array { topLeft = h.length }
            } else if remaining == topLeft {
                let e = Element(header: h, at: i)
                switch k {
                case 0: elements.0 = e
                case 1: elements.1 = e
                case 2: elements.2 = e
                case 3: elements.3 = e
                case 4: elements.4 = e
                default: break
                }
                k += 1
                topLeft -= 1
            }
            switch h.kind {
            case .map: if h.length > 0 { mayLint = true }
            case .ext:
                if h.extType < 0 { mayLint = true }
                if h.extType != ExtCode.proxy || h.length != 4 { mayHaveBadExt = true }
            case .scalar:
                switch h.firstByte {
                case 0xcb, 0xcf, 0xd3, 0xd2: mayLint = true
                case 0xcc, 0xcd, 0xce: if p[i + 1] >= 0x80 { mayLint = true }
                default: break
                }
            default: break
            }
            remaining += h.items - 1
            i = payload + h.payloadLength
        }
        return i == n
    }
}
