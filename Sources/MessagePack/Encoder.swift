/// Why a value cannot be encoded.
public enum EncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The device dialect cannot pack this value (ints beyond ±2^30, uint64 …): on the device such a
    /// value goes to `default` (on the server: it becomes a proxy).
    case notPackable(String, dialect: Dialect)
    /// A str, bin, ext, array or map longer than 2^32 − 1.
    case tooLong(Int)

    public var description: String {
        switch self {
        case let .notPackable(what, d): return "\(what) cannot be packed in the \(d) dialect"
        case let .tooLong(n): return "length \(n) exceeds the MessagePack maximum of 2^32-1"
        }
    }
}

/// MessagePack encoding.
/// - `standard`: the smallest format for each value, bin for bytes (as msgpack-python does);
///   `.float` as float32, `.double` as float64.
/// - `device`: exactly the device encoder of spec §2: signed int formats only, −32 as `d0 e0`,
///   `d2` for ints up to ±2^30 and no further, floats as float32, the timestamp as ext −1.
public struct Encoder: Sendable {
    public var dialect: Dialect

    public init(dialect: Dialect = .standard) { self.dialect = dialect }

    public func encode(_ value: MessagePackValue) throws(EncodingError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        try encode(value, into: &out)
        return out
    }

    public func encode(_ value: MessagePackValue, into out: inout [UInt8]) throws(EncodingError) {
        switch value {
        case .nil: out.append(0xc0)
        case .bool(let b): out.append(b ? 0xc3 : 0xc2)
        case .int(let v): try encodeInt(v, into: &out)
        case .uint(let v):
            if let i = Int64(exactly: v) { try encodeInt(i, into: &out); return }
            guard dialect == .standard else { throw .notPackable("int \(v)", dialect: dialect) }
            out.append(0xcf); appendBE(v, 8, &out)
        case .float(let f):
            out.append(0xca); appendBE(UInt64(f.bitPattern), 4, &out)
        case .double(let d):
            if dialect == .device {
                out.append(0xca); appendBE(UInt64(Float(d).bitPattern), 4, &out)
            } else {
                out.append(0xcb); appendBE(d.bitPattern, 8, &out)
            }
        case .string(let s):
            let n = s.utf8.count
            try strHeader(n, &out)
            out.append(contentsOf: s.utf8)
        case .invalidString(let b):
            try strHeader(b.count, &out)
            out.append(contentsOf: b)
        case .binary(let b):
            try lengthHeader(b.count, 0xc4, 0xc5, 0xc6, &out)
            out.append(contentsOf: b)
        case .array(let a):
            if a.count < 16 { out.append(0x90 | UInt8(a.count)) } else { try lengthHeader16(a.count, 0xdc, 0xdd, &out) }
            for x in a { try encode(x, into: &out) }
        case .map(let m):
            if m.count < 16 { out.append(0x80 | UInt8(m.count)) } else { try lengthHeader16(m.count, 0xde, 0xdf, &out) }
            for e in m {
                try encode(e.key, into: &out)
                try encode(e.value, into: &out)
            }
        case .ext(let t, let d):
            try extHeader(t, d.count, &out)
            out.append(contentsOf: d)
        case .timestamp(let sec, let ns):
            if ns == 0, sec >= 0, sec <= Int64(UInt32.max) {
                out.append(contentsOf: [0xd6, 0xff]); appendBE(UInt64(sec), 4, &out)
            } else if sec >= 0, sec < (1 << 34) {
                out.append(contentsOf: [0xd7, 0xff]); appendBE(UInt64(ns) << 34 | UInt64(sec), 8, &out)
            } else {
                out.append(contentsOf: [0xc7, 12, 0xff]); appendBE(UInt64(ns), 4, &out)
                appendBE(UInt64(bitPattern: sec), 8, &out)
            }
        }
    }

    @inline(__always)
    private func appendBE(_ v: UInt64, _ n: Int, _ out: inout [UInt8]) {
        var shift = (n - 1) * 8
        while shift >= 0 {
            out.append(UInt8(truncatingIfNeeded: v >> UInt64(shift)))
            shift -= 8
        }
    }

    private func encodeInt(_ v: Int64, into out: inout [UInt8]) throws(EncodingError) {
        switch dialect {
        case .standard:
            if v >= 0 {
                if v < 128 { out.append(UInt8(v)) }
                else if v <= 0xff { out.append(0xcc); out.append(UInt8(v)) }
                else if v <= 0xffff { out.append(0xcd); appendBE(UInt64(v), 2, &out) }
                else if v <= 0xffff_ffff { out.append(0xce); appendBE(UInt64(v), 4, &out) }
                else { out.append(0xcf); appendBE(UInt64(v), 8, &out) }
            } else {
                if v >= -32 { out.append(UInt8(bitPattern: Int8(v))) }
                else if v >= -128 { out.append(0xd0); out.append(UInt8(bitPattern: Int8(v))) }
                else if v >= -32768 { out.append(0xd1); appendBE(UInt64(bitPattern: v), 2, &out) }
                else if v >= Int64(Int32.min) { out.append(0xd2); appendBE(UInt64(bitPattern: v), 4, &out) }
                else { out.append(0xd3); appendBE(UInt64(bitPattern: v), 8, &out) }
            }
        case .device:
            // The device packs −31…127 as fixint (−32 is not), then int8, int16, and its "small"
            // ints (31-bit on the 32-bit devices) as int32; larger ints are not packable.
            if v >= -31 && v <= 127 { out.append(UInt8(bitPattern: Int8(v))) }
            else if v >= -128 && v <= 127 { out.append(0xd0); out.append(UInt8(bitPattern: Int8(v))) }
            else if v >= -32768 && v <= 32767 { out.append(0xd1); appendBE(UInt64(bitPattern: v), 2, &out) }
            else if v >= -(1 << 30) && v < (1 << 30) { out.append(0xd2); appendBE(UInt64(bitPattern: v), 4, &out) }
            else { throw .notPackable("int \(v)", dialect: dialect) }
        }
    }

    private func strHeader(_ n: Int, _ out: inout [UInt8]) throws(EncodingError) {
        if n < 32 { out.append(0xa0 | UInt8(n)) } else { try lengthHeader(n, 0xd9, 0xda, 0xdb, &out) }
    }

    private func lengthHeader(_ n: Int, _ b8: UInt8, _ b16: UInt8, _ b32: UInt8, _ out: inout [UInt8]) throws(EncodingError) {
        if n <= 0xff { out.append(b8); out.append(UInt8(n)) }
        else { try lengthHeader16(n, b16, b32, &out) }
    }

    private func lengthHeader16(_ n: Int, _ b16: UInt8, _ b32: UInt8, _ out: inout [UInt8]) throws(EncodingError) {
        if n <= 0xffff { out.append(b16); appendBE(UInt64(n), 2, &out) }
        else if n <= 0xffff_ffff { out.append(b32); appendBE(UInt64(n), 4, &out) }
        else { throw .tooLong(n) }
    }

    private func extHeader(_ t: Int8, _ n: Int, _ out: inout [UInt8]) throws(EncodingError) {
        let tb = UInt8(bitPattern: t)
        switch n {
        case 1: out.append(contentsOf: [0xd4, tb])
        case 2: out.append(contentsOf: [0xd5, tb])
        case 4: out.append(contentsOf: [0xd6, tb])
        case 8: out.append(contentsOf: [0xd7, tb])
        case 16: out.append(contentsOf: [0xd8, tb])
        default:
            if n <= 0xff { out.append(contentsOf: [0xc7, UInt8(n), tb]) }
            else if n <= 0xffff { out.append(0xc8); appendBE(UInt64(n), 2, &out); out.append(tb) }
            else if n <= 0xffff_ffff { out.append(0xc9); appendBE(UInt64(n), 4, &out); out.append(tb) }
            else { throw .tooLong(n) }
        }
    }
}
