extension HeaderReader {
    /// Walks the one object that starts at `start`, header by header, without a stack: it is done
    /// once every item its containers announced has been read. `body` gets each header whose
    /// header bytes are present (its payload may be cut short). Returns the object's end, or nil
    /// when the bytes end inside it or a header is refused (`body` has seen the headers before).
    ///
    /// Every step moves forward by at least one byte and stops at the end of the bytes, so it ends
    /// on any bytes. The one-byte and fixed-size headers cost one table load; callers specialise
    /// `body` (the walk is inlined into them).
    @inlinable @inline(__always)
    package func walkObject(from start: Int = 0, _ body: (WireHeader) -> Void) -> Int? {
        walkObject(from: start, table: HeaderTable.table(cursor.dialect)) { h in
            body(h)
            return true
        }
    }

    /// `walkObject(from:_:)` with the reader's dialect table `t` at hand (a long-lived owner fetches
    /// it once), and a `body` that may stop the walk: when it returns false the walk returns nil.
    @inlinable @inline(__always)
    package func walkObject(from start: Int = 0, table t: UnsafePointer<HeaderEntry>, _ body: (WireHeader) -> Bool) -> Int? {
        let p = cursor.base
        let n = p.count
        guard start >= 0 else { return nil }
        var i = start
        var remaining = 1
        while i < n {
            let b = p[i]
            let e = t[Int(b)]
            let hl = Int(e.headerLength)
            let h: WireHeader
            if e.width == 0 {
                // No overflow: 0 <= i < n, a step is at most 255 and `remaining` grows by at most
                // 30 per byte here (wrapping arithmetic spares the checks on the common headers).
                guard hl <= n &- i else { return nil }
                h = WireHeader(bytes: p, offset: i, firstByte: b, kindRaw: e.kind, headerLength: hl, length: Int(e.length),
                               items: Int(e.delta) &+ 1, payloadLength: Int(e.step) &- hl, pending: remaining)
                remaining &+= Int(e.delta)
                i &+= Int(e.step)
            } else {
                guard e.width != 0xff, hl <= n - i else { return nil }
                let len = HeaderReader.lengthField(p, i + 1, width: e.width)
                let items = len &* Int(e.itemsPerCount), payload = len &* Int(e.payloadPerLength)
                h = WireHeader(bytes: p, offset: i, firstByte: b, kindRaw: e.kind, headerLength: hl, length: len,
                               items: items, payloadLength: payload, pending: remaining)
                remaining += items - 1
                i += hl + payload
            }
            guard body(h) else { return nil }
            if remaining == 0 { return i <= n ? i : nil }
        }
        return nil
    }

    /// The big-endian length field of `width` (1, 2 or 4) bytes at `j`.
    @inlinable @inline(__always)
    static func lengthField(_ p: UnsafeBufferPointer<UInt8>, _ j: Int, width: UInt8) -> Int {
        switch width {
        case 1: return Int(p[j])
        case 2: return Int(p[j]) << 8 | Int(p[j + 1])
        default: return Int(p[j]) << 24 | Int(p[j + 1]) << 16 | Int(p[j + 2]) << 8 | Int(p[j + 3])
        }
    }
}
