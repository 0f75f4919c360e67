import URPC

/// The proxy ids in the bytes of a message that decoded whole: exactly what
/// `Proxy.ids(inWire:into:)` finds (same ids, same order, on any bytes), read by one tight walk
/// over the headers and handed to the caller one by one (no array to fill and clear per message).
///
/// A proxy is an ext of type 1 with a 4-byte payload (`d6 01`, or `c7`/`c8`/`c9` with length 4 and
/// type 1). The walk reads the standard dialect: it stops at `c1`, at a header cut short, and once
/// every item the containers announced has been read; every step moves forward by at least one
/// byte, so it ends on any bytes.
enum WireProxies {
    @inline(__always)
    static func forEach(in bytes: ArraySlice<UInt8>, _ body: (UInt32) -> Void) {
        bytes.withUnsafeBufferPointer { walk($0, body) }
    }

    /// True unless the first byte alone settles that the object carries no proxy (most replies:
    /// a scalar, str or bin); then `forEach` finds none.
    @inline(__always)
    static func mayCarry(first b: UInt8) -> Bool {
        (0x80...0x9f).contains(b) || (0xdc...0xdf).contains(b) || (0xc7...0xc9).contains(b) || b == 0xd6
    }

    @inline(__always)
    private static func be16(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> Int {
        Int(p[i]) << 8 | Int(p[i + 1])
    }

    @inline(__always)
    private static func be32(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        UInt32(p[i]) << 24 | UInt32(p[i + 1]) << 16 | UInt32(p[i + 2]) << 8 | UInt32(p[i + 3])
    }

    @inline(__always)
    private static func walk(_ p: UnsafeBufferPointer<UInt8>, _ body: (UInt32) -> Void) {
        let n = p.count
        guard n > 0 else { return }
        let first = p[0]
        // Not a container and not a long ext: one object, a proxy only as `d6 01 id`.
        if !((0x80...0x9f).contains(first) || (0xdc...0xdf).contains(first) || (0xc7...0xc9).contains(first)) {
            if first == 0xd6, n >= 6, p[1] == 1 { body(be32(p, 2)) }
            return
        }
        var i = 0
        var remaining = 1
        while remaining > 0, i < n {
            let b = p[i]
            remaining -= 1
            // The one-byte headers first (fixint, fixmap, fixarray, fixstr), then a dense switch.
            if b < 0x80 || b >= 0xe0 { i += 1; continue }
            if b < 0xa0 {
                let k = Int(b & 0x0f)
                remaining += b < 0x90 ? 2 * k : k
                i += 1
                continue
            }
            if b < 0xc0 { i += 1 + Int(b & 0x1f); continue }
            let avail = n - i
            switch b {
            case 0xc0, 0xc2, 0xc3: i += 1
            case 0xc1: return
            case 0xcc, 0xd0: guard avail >= 2 else { return }; i += 2
            case 0xcd, 0xd1: guard avail >= 3 else { return }; i += 3
            case 0xca, 0xce, 0xd2: guard avail >= 5 else { return }; i += 5
            case 0xcb, 0xcf, 0xd3: guard avail >= 9 else { return }; i += 9
            case 0xc4, 0xd9: guard avail >= 2 else { return }; i += 2 + Int(p[i + 1])
            case 0xc5, 0xda: guard avail >= 3 else { return }; i += 3 + be16(p, i + 1)
            case 0xc6, 0xdb: guard avail >= 5 else { return }; i += 5 + Int(be32(p, i + 1))
            case 0xdc: guard avail >= 3 else { return }; remaining += be16(p, i + 1); i += 3
            case 0xdd: guard avail >= 5 else { return }; remaining += Int(be32(p, i + 1)); i += 5
            case 0xde: guard avail >= 3 else { return }; remaining += 2 * be16(p, i + 1); i += 3
            case 0xdf: guard avail >= 5 else { return }; remaining += 2 * Int(be32(p, i + 1)); i += 5
            case 0xd6:
                guard avail >= 2 else { return }
                if p[i + 1] == 1, avail >= 6 { body(be32(p, i + 2)) }
                i += 6
            case 0xd4: guard avail >= 2 else { return }; i += 3
            case 0xd5: guard avail >= 2 else { return }; i += 4
            case 0xd7: guard avail >= 2 else { return }; i += 10
            case 0xd8: guard avail >= 2 else { return }; i += 18
            case 0xc7:
                guard avail >= 3 else { return }
                let len = Int(p[i + 1])
                if len == 4, p[i + 2] == 1, avail >= 7 { body(be32(p, i + 3)) }
                i += 3 + len
            case 0xc8:
                guard avail >= 4 else { return }
                let len = be16(p, i + 1)
                if len == 4, p[i + 3] == 1, avail >= 8 { body(be32(p, i + 4)) }
                i += 4 + len
            default: // 0xc9
                guard avail >= 6 else { return }
                let len = Int(be32(p, i + 1))
                if len == 4, p[i + 5] == 1, avail >= 10 { body(be32(p, i + 6)) }
                i += 6 + len
            }
        }
    }
}
