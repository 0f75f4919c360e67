import MessagePack

/// One flat walk over the headers of a whole request object (payloads are skipped, no value is
/// built). It records where the top-level elements the request parser looks at begin (the command
/// and up to four arguments) and tells whether the slower checks can find anything: the device
/// lint (`DeviceLint.lint(node:)`) and the ext-code check. The flags are exact in one direction:
/// when one is false the check certainly finds nothing, so most requests skip building a `Node`
/// and walking their value twice.
///
/// The headers a request is made of (fixints, fixstrs, fixarrays, fixmaps, nil, bools) are read
/// inline from their first byte; every other header goes through the codec's one header reader.
struct RequestPrecheck {
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
    /// Where the first five top-level elements of an array begin (the command, then the
    /// arguments), -1 for an element the array does not have.
    private var starts: (Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1)

    /// Where top-level element `k` (0: the command) begins, when the top is an array that has it.
    func elementStart(_ k: Int) -> Int? {
        let s: Int
        switch k {
        case 0: s = starts.0
        case 1: s = starts.1
        case 2: s = starts.2
        case 3: s = starts.3
        case 4: s = starts.4
        default: s = -1
        }
        return s >= 0 ? s : nil
    }

    init(_ bytes: __shared ArraySlice<UInt8>) {
        mayLint = bytes.count >= DeviceLint.crashDepth
        let done = bytes.withUnsafeBufferPointer { p in walk(p) }
        if !done {
            // Never for a decoded object; should it happen, every check runs.
            mayLint = true
            mayHaveBadExt = true
        }
        complete = done
    }

    /// Records top-level element `k` starting at `at`.
    @inline(__always)
    private mutating func record(_ k: Int, _ at: Int) {
        switch k {
        case 0: starts.0 = at
        case 1: starts.1 = at
        case 2: starts.2 = at
        case 3: starts.3 = at
        case 4: starts.4 = at
        default: break
        }
    }

    /// The walk itself: every header of the object in order, payloads skipped.
    private mutating func walk(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = p.count
        guard n > 0 else { return false }
        var i = 0
        var remaining = 1
        // Top-level array elements not yet started: while every nested item announced so far
        // has been read (`remaining == topLeft`), the next header is a top-level element.
        var topLeft = -1
        var k = 0
        while remaining > 0 {
            guard i < n else { return false }
            if remaining == topLeft {
                record(k, i)
                k += 1
                topLeft -= 1
            }
            let b = p[i]
            switch b {
            case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3:
                i += 1
                remaining -= 1
            case 0x90...0x9f:
                let count = Int(b & 0x0f)
                if i == 0 { arrayLength = count; topLeft = count }
                i += 1
                remaining += count - 1
            case 0xa0...0xbf:
                i += 1 + Int(b & 0x1f)
                guard i <= n else { return false }
                remaining -= 1
            case 0x80:
                i += 1
                remaining -= 1
            case 0x81...0x8f:
                mayLint = true
                i += 1
                remaining += 2 * Int(b & 0x0f) - 1
            case 0xcc, 0xcd, 0xce, 0xd0, 0xd1, 0xd2, 0xca:
                // Fixed-size numbers: uint8/16/32 with the top bit set and int32 are linted.
                let size = b == 0xcc || b == 0xd0 ? 2 : b == 0xcd || b == 0xd1 ? 3 : 5
                guard size <= n - i else { return false }
                if b == 0xd2 || (b >= 0xcc && b <= 0xce && p[i + 1] >= 0x80) { mayLint = true }
                i += size
                remaining -= 1
            case 0xd4...0xd8:
                // Fixext: only a 4-byte proxy is a good ext; a negative type is linted.
                guard 2 <= n - i else { return false }
                let length = 1 << Int(b - 0xd4)
                let type = Int8(bitPattern: p[i + 1])
                if type < 0 { mayLint = true }
                if type != ExtCode.proxy || length != 4 { mayHaveBadExt = true }
                i += 2 + length
                guard i <= n else { return false }
                remaining -= 1
            case 0xc4, 0xd9:
                // bin 8, str 8.
                guard 2 <= n - i else { return false }
                i += 2 + Int(p[i + 1])
                guard i <= n else { return false }
                remaining -= 1
            default:
                guard let next = other(p, at: i) else { return false }
                if i == 0, arrayLength >= 0 { topLeft = arrayLength }
                i = next.end
                remaining += next.items - 1
            }
        }
        return i == n
    }

    /// A header not read inline: where it ends (after its payload) and the items it opens, or nil
    /// when it is cut short or refused.
    @inline(never)
    private mutating func other(_ p: UnsafeBufferPointer<UInt8>, at i: Int) -> (end: Int, items: Int)? {
        guard case .header(let h) = HeaderReader(p).read(at: i) else { return nil }
        let payload = i + h.headerLength
        guard payload + h.payloadLength <= p.count else { return nil }
        if i == 0, h.kind == .array { arrayLength = h.length }
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
        return (payload + h.payloadLength, h.items)
    }
}
