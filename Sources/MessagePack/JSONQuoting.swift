/// JSON string literals, written byte by byte: `"` `\` and the controls are escaped (`\n` `\r`
/// `\t`, others and DEL as `\u00XX`), every other byte of the UTF-8 is copied as it is.
extension JSONMapping {
    /// Appends `str` as a JSON string literal.
    public static func quote(_ str: String, into s: inout String) {
        var w = ByteWriter(capacity: str.utf8.count + 2)
        quote(str, into: &w)
        s += w.string
    }

    /// Writes `str` as a JSON string literal.
    package static func quote(_ str: String, into w: inout ByteWriter) {
        if str.utf8.withContiguousStorageIfAvailable({ quote(utf8: $0, into: &w) }) == nil {
            quote(utf8: Array(str.utf8)[...], into: &w)
        }
    }

    /// Writes UTF-8 bytes as a JSON string literal (the bytes must be valid UTF-8).
    package static func quote(utf8 b: ArraySlice<UInt8>, into w: inout ByteWriter) {
        b.withUnsafeBufferPointer { quote(utf8: $0, into: &w) }
    }

    /// Writes UTF-8 bytes as a JSON string literal (the bytes must be valid UTF-8).
    package static func quote(utf8 p: UnsafeBufferPointer<UInt8>, into w: inout ByteWriter) {
        var extra = 0
        for b in p { extra &+= growth(b) }
        let n = p.count
        let out = w.reserve(n + extra + 2)
        out[0] = 0x22
        if extra == 0 {
            if n > 0 { (out + 1).update(from: p.baseAddress!, count: n) }
        } else {
            var o = 1
            for b in p {
                if !needsEscape(b) { out[o] = b; o += 1 } else { writeEscape(b, to: out + o); o += escapeLength(b) }
            }
        }
        out[n + extra + 1] = 0x22
    }

    /// Quotes what was written to `w` from `start` on, in place: a `"` before it (the caller
    /// wrote a placeholder byte at `start - 1`), escapes inside, a `"` after.
    package static func quoteInPlace(from start: Int, in w: inout ByteWriter) {
        precondition(start >= 1 && start <= w.count, "JSON quoting past the written bytes")
        let end = w.count
        var extra = 0
        w.withBytes { for b in $0[start..<end] { extra &+= growth(b) } }
        w.extend(by: extra + 1) { buf in
            buf[start - 1] = 0x22
            buf[end + extra] = 0x22
            guard extra > 0 else { return }
            // Back to front, so every byte moves to its final place before it is overwritten.
            var src = end
            var dst = end + extra
            while src > start {
                src -= 1
                let b = buf[src]
                if !needsEscape(b) {
                    dst -= 1
                    buf[dst] = b
                } else {
                    dst -= escapeLength(b)
                    writeEscape(b, to: buf.baseAddress! + dst)
                }
            }
        }
    }

    /// How many bytes the escape of `b` takes in a JSON string literal, or 0 when `b` is copied.
    @inline(__always)
    static func escapeLength(_ b: UInt8) -> Int {
        switch b {
        case 0x22, 0x5c, 0x0a, 0x0d, 0x09: return 2
        case 0..<0x20, 0x7f: return 6
        default: return 0
        }
    }

    /// True for the bytes a JSON string literal escapes: the controls, `"`, `\` and DEL.
    @inline(__always)
    static func needsEscape(_ b: UInt8) -> Bool {
        // One bit per byte: 0x00…0x1f and 0x22 in the low word, 0x5c and 0x7f in the high word.
        b < 64 ? (0x0000_0004_FFFF_FFFF as UInt64) >> UInt64(b) & 1 != 0
            : b < 128 && (0x8000_0000_1000_0000 as UInt64) >> UInt64(b &- 64) & 1 != 0
    }

    /// How many bytes longer `b` gets when escaped.
    @inline(__always)
    static func growth(_ b: UInt8) -> Int {
        needsEscape(b) ? escapeLength(b) - 1 : 0
    }

    /// Writes the escape of `b` (`escapeLength(b)` bytes, nonzero) at `p`.
    static func writeEscape(_ b: UInt8, to p: UnsafeMutablePointer<UInt8>) {
        p[0] = 0x5c
        switch b {
        case 0x22: p[1] = 0x22
        case 0x5c: p[1] = 0x5c
        case 0x0a: p[1] = 0x6e
        case 0x0d: p[1] = 0x72
        case 0x09: p[1] = 0x74
        default:
            p[1] = 0x75; p[2] = 0x30; p[3] = 0x30
            p[4] = Hex.digit(b >> 4)
            p[5] = Hex.digit(b & 0x0f)
        }
    }
}
