import MessagePack

/// One walk over the headers of a whole request object (payloads are skipped, no value is built),
/// by the codec's header walk (`HeaderReader.walkObject`). It keeps the headers of the top-level
/// elements the request parser looks at (the command and up to four arguments) and tells whether
/// the slower checks can find anything: the device lint (`DeviceLint.lint(node:)`) and the
/// ext-code check. The flags are exact in one direction: when one is false the check certainly
/// finds nothing, so most requests skip building a `Node` and walking their value twice.
struct RequestPrecheck {
    /// A top-level element's header, as the walk read it (offsets fit 32 bits: the walk is not
    /// run on bytes longer than that).
    struct Element {
        private var start32: UInt32 = .max
        private var payloadLength32: UInt32 = 0
        private var headerLength8: UInt8 = 0
        private(set) var kind = RawHeader.Kind.scalar

        /// Offset of the header's first byte.
        var start: Int { Int(start32) }
        var headerLength: Int { Int(headerLength8) }
        /// Payload bytes after the header (str/bin/ext; 0 for the others).
        var payloadLength: Int { Int(payloadLength32) }
        /// Offset of the payload (the byte after the header).
        var payloadStart: Int { start + headerLength }
        var isPresent: Bool { start32 != .max }

        init() {}

        @inline(__always)
        init(_ h: WireHeader) {
            start32 = UInt32(truncatingIfNeeded: h.offset)
            payloadLength32 = UInt32(truncatingIfNeeded: h.payloadLength)
            headerLength8 = UInt8(truncatingIfNeeded: h.headerLength)
            kind = h.kind
        }
    }

    /// A header the lint reports on may be present: a uint8/16/32 with its top bit set, an
    /// int32, a 64-bit or float64 header, an ext with a negative type (a timestamp too), a map
    /// with entries (key checks), or enough bytes to nest to the device's crash depth.
    private(set) var mayLint = false
    /// An ext other than a 4-byte proxy may be present.
    private(set) var mayHaveBadExt = false
    /// The walk read the bytes as exactly one object.
    private(set) var complete = false
    /// The element count of the top-level array; -1 when the object is not an array.
    private(set) var arrayLength = -1
    /// The first five top-level elements of an array (the command, then the arguments); not
    /// present for an element the array does not have.
    private var elements = (Element(), Element(), Element(), Element(), Element())

    /// Top-level element `k` (0: the command), when the top is an array that has it.
    func element(_ k: Int) -> Element? {
        let e: Element
        switch k {
        case 0: e = elements.0
        case 1: e = elements.1
        case 2: e = elements.2
        case 3: e = elements.3
        case 4: e = elements.4
        default: return nil
        }
        return e.isPresent ? e : nil
    }

    init(_ bytes: __shared ArraySlice<UInt8>) {
        self.init(bytes, table: HeaderTable.table(.standard))
    }

    /// The walk over the standard dialect's header table `table` (a long-lived owner keeps it).
    @inline(__always)
    init(_ bytes: __shared ArraySlice<UInt8>, table: UnsafePointer<HeaderEntry>) {
        mayLint = bytes.count >= DeviceLint.crashDepth
        // Bytes too long for the elements' 32-bit offsets are left to the decoder.
        let done = bytes.count < UInt32.max && bytes.withUnsafeBufferPointer { p in walk(p, table) }
        if !done {
            // Never for a decoded object; should it happen, every check runs.
            mayLint = true
            mayHaveBadExt = true
        }
        complete = done
    }

    /// Records top-level element `k`.
    @inline(__always)
    private mutating func record(_ k: Int, _ h: WireHeader) {
        switch k {
        case 0: elements.0 = Element(h)
        case 1: elements.1 = Element(h)
        case 2: elements.2 = Element(h)
        case 3: elements.3 = Element(h)
        default: elements.4 = Element(h)
        }
    }

    /// The walk itself: every header of the object in order, payloads skipped. True when the
    /// bytes are exactly one object.
    private mutating func walk(_ p: UnsafeBufferPointer<UInt8>, _ t: UnsafePointer<HeaderEntry>) -> Bool {
        // Top-level array elements not yet started: a header met with that many items pending is
        // the next top-level element (the object itself is met with 1 pending, as element -1).
        // -1 once the object is not an array or the five elements kept are recorded.
        var topLeft = 1
        var k = -1
        let end = HeaderReader(p).walkObject(table: t) { h in
            if h.pending == topLeft {
                if k < 0 {
                    if h.kind == .array {
                        arrayLength = h.length
                        topLeft = h.length
                    } else {
                        topLeft = -1
                    }
                } else {
                    record(k, h)
                    topLeft = k == 4 ? -1 : topLeft - 1
                }
                k += 1
            }
            note(h)
            return true
        }
        return end == p.count
    }

    /// What the header may give the lint and the ext-code check.
    @inline(__always)
    private mutating func note(_ h: WireHeader) {
        // str, bin and arrays tell nothing (kinds 1, 2 and 4).
        let kind = h.kind
        if kind == .scalar {
            // Fixed-size numbers: uint8/16/32 with the top bit set, int32 and the 64-bit ones.
            let b = h.firstByte
            guard b >= 0xcb, b <= 0xd3 else { return }
            switch b {
            case 0xcb, 0xcf, 0xd2, 0xd3: mayLint = true
            case 0xcc, 0xcd, 0xce: if h.bytes[h.offset + 1] >= 0x80 { mayLint = true }
            default: break
            }
        } else if kind == .ext {
            // Only a 4-byte proxy is a good ext; a negative type is linted.
            let type = h.extType
            if type < 0 { mayLint = true }
            if type != ExtCode.proxy || h.length != 4 { mayHaveBadExt = true }
        } else if kind == .map, h.length > 0 {
            mayLint = true
        }
    }
}
