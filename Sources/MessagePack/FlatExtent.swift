extension ObjectScanner {
    /// The end of the object that starts at `offset` of `p`, found in one pass that keeps only a
    /// count of the items still expected (no container stack), when the object has fully arrived
    /// and no limit or dialect rule can refuse it. nil otherwise: `extent` then reads the same
    /// bytes with every check, and resumes as more arrive. Most objects are complete when their
    /// first byte is scanned, and small: this is their whole framing.
    ///
    /// Exact where it answers: it stops (nil) before opening `maxDepth` containers in all (so none
    /// is opened `maxDepth` deep), and answers only when the whole object fits in `maxObjectSize`
    /// (so no declared length or count can go past it: every item takes a byte).
    static func flatEnd(_ p: UnsafeBufferPointer<UInt8>, from offset: Int, dialect: Dialect, maxDepth: Int,
                        maxObjectSize: Int) -> Int? {
        let n = p.count
        var i = offset
        var remaining = 1
        var opened = 0
        while remaining > 0 {
            guard i < n else { return nil }
            let b = p[i]
            switch b {
            case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3:
                i += 1
                remaining -= 1
            case 0xa0...0xbf:
                i += 1 + Int(b & 0x1f)
                remaining -= 1
            case 0x90...0x9f:
                guard opened < maxDepth else { return nil }
                opened += 1
                i += 1
                remaining += Int(b & 0x0f) - 1
            case 0x80...0x8f:
                guard opened < maxDepth else { return nil }
                opened += 1
                i += 1
                remaining += 2 * Int(b & 0x0f) - 1
            case 0xcc, 0xd0, 0xd4:
                // uint8, int8, fixext 1 (two header bytes and nothing after, or one payload byte).
                i += b == 0xd4 ? 3 : 2
                remaining -= 1
            case 0xcd, 0xd1:
                i += 3
                remaining -= 1
            case 0xce, 0xd2, 0xca:
                i += 5
                remaining -= 1
            case 0xd5, 0xd6, 0xd7, 0xd8:
                // fixext 2/4/8/16: type byte, then the payload.
                i += 2 + (1 << Int(b - 0xd4))
                remaining -= 1
            case 0xc4, 0xd9:
                // bin 8, str 8: the length byte must be there to be read.
                guard i + 1 < n else { return nil }
                i += 2 + Int(p[i + 1])
                remaining -= 1
            default:
                guard case .header(let h) = ByteCursor(p, origin: 0, dialect: dialect).rawHeader(at: i) else { return nil }
                if h.isContainer {
                    guard opened < maxDepth else { return nil }
                    opened += 1
                }
                i += h.headerLength + h.payloadLength
                remaining += h.items - 1
            }
        }
        guard i <= n, i - offset <= maxObjectSize else { return nil }
        return i
    }
}
