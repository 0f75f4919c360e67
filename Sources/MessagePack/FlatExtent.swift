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
    func flatEnd(_ p: UnsafeBufferPointer<UInt8>, from offset: Int) -> Int? {
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
