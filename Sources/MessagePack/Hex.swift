/// Lowercase hex helpers shared by every printer.
public enum Hex {
    /// "c40400000001"
    public static func string<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        string(ArraySlice(bytes))
    }

    /// The same for a slice (not generic: fast when called from another module).
    package static func string(_ bytes: ArraySlice<UInt8>) -> String {
        var w = ByteWriter(capacity: bytes.count * 2)
        w.hex(bytes)
        return w.string
    }

    /// "c4 04 00 00 00 01"
    public static func spaced<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var w = ByteWriter(capacity: bytes.count * 3)
        w.hexSpaced(ArraySlice(bytes))
        return w.string
    }

    /// Parses hex digits, ignoring white space; nil on anything else or an odd count.
    public static func bytes(_ s: String) -> [UInt8]? {
        var out: [UInt8] = []
        var hi: UInt8? = nil
        for c in s.utf8 {
            let v: UInt8
            switch c {
            case 0x30...0x39: v = c - 0x30
            case 0x61...0x66: v = c - 0x61 + 10
            case 0x41...0x46: v = c - 0x41 + 10
            case 0x20, 0x0a, 0x0d, 0x09: continue
            default: return nil
            }
            if let h = hi { out.append(h << 4 | v); hi = nil } else { hi = v }
        }
        return hi == nil ? out : nil
    }
}

extension ByteWriter {
    /// The bytes in lowercase hex: "c40400000001" (the one hex formatter).
    package mutating func hex(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBufferPointer { hex($0) }
    }

    package mutating func hex(_ p: UnsafeBufferPointer<UInt8>) {
        let out = reserve(p.count * 2)
        for i in 0..<p.count {
            out[2 * i] = Hex.digit(p[i] >> 4)
            out[2 * i + 1] = Hex.digit(p[i] & 0x0f)
        }
    }

    /// The bytes in lowercase hex, separated by spaces: "c4 04 00 00 00 01".
    package mutating func hexSpaced(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBufferPointer { p in
            guard p.count > 0 else { return }
            let out = reserve(p.count * 3 - 1)
            for i in 0..<p.count {
                if i > 0 { out[3 * i - 1] = 0x20 }
                out[3 * i] = Hex.digit(p[i] >> 4)
                out[3 * i + 1] = Hex.digit(p[i] & 0x0f)
            }
        }
    }
}

extension Hex {
    /// The lowercase hex digit of a nibble.
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 &+ nibble : 0x57 &+ nibble }
}
