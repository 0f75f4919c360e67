/// One element header as read from the wire: a complete scalar, or the size of what follows.
@usableFromInline
package enum Header {
    case value(MessagePackValue)
    case str(Int)
    case bin(Int)
    case ext(Int8, Int)
    case array(Int)
    case map(Int)
}

/// The single bounds-checked cursor of the codec: every header and every payload of every decoder,
/// scanner and lint is read through these functions, which check each length against the bytes
/// that are there before anything is read or allocated.
@usableFromInline
struct ByteCursor {
    @usableFromInline let base: UnsafeBufferPointer<UInt8>
    /// Absolute offset of `base[0]` in the caller's buffer or stream (for error offsets).
    @usableFromInline let origin: Int
    @usableFromInline let dialect: Dialect

    @inlinable
    init(_ base: UnsafeBufferPointer<UInt8>, origin: Int, dialect: Dialect) {
        self.base = base
        self.origin = origin
        self.dialect = dialect
    }

    @inlinable @inline(__always)
    func be16(_ i: Int) -> UInt16 { UInt16(base[i]) << 8 | UInt16(base[i + 1]) }

    @inlinable @inline(__always)
    func be32(_ i: Int) -> UInt32 {
        UInt32(base[i]) << 24 | UInt32(base[i + 1]) << 16 | UInt32(base[i + 2]) << 8 | UInt32(base[i + 3])
    }

    @inlinable @inline(__always)
    func be64(_ i: Int) -> UInt64 { UInt64(be32(i)) << 32 | UInt64(be32(i + 4)) }

    /// `n` payload bytes must be present at `pos`, for the object that began at `start`, and be
    /// within the object size limit: checked before anything is read or allocated.
    @inlinable @inline(__always)
    func need(_ start: Int, _ pos: Int, _ n: Int, maxObjectSize: Int) throws(DecodingError) {
        let limit = base.count
        if n > limit - pos {
            throw .truncated(offset: origin + start, needed: pos - start + n, available: limit - start)
        }
        if n > maxObjectSize {
            throw .lengthBeyondLimit(offset: origin + start, length: UInt64(n), limit: maxObjectSize)
        }
    }

    /// Container counts: every element takes at least `perElement` bytes, so a count beyond the
    /// bytes left is refused before anything is reserved.
    @inlinable @inline(__always)
    func count(_ start: Int, _ pos: Int, _ n: Int, perElement: Int, maxObjectSize: Int) throws(DecodingError) {
        let limit = base.count
        let (total, overflow) = n.multipliedReportingOverflow(by: perElement)
        if overflow || total > limit - pos {
            if total > maxObjectSize {
                throw .lengthBeyondLimit(offset: origin + start, length: UInt64(n), limit: maxObjectSize)
            }
            throw .truncated(offset: origin + start, needed: pos - start + total, available: limit - start)
        }
    }

    /// The number of header bytes the first byte `b` announces (1 for fixed formats).
    @inlinable @inline(__always)
    static func headerLength(_ b: UInt8) -> Int {
        switch b {
        case 0x00...0xbf, 0xe0...0xff, 0xc0...0xc3: return 1
        case 0xc4, 0xd9, 0xcc, 0xd0: return 2
        case 0xc5, 0xda, 0xcd, 0xd1, 0xdc, 0xde: return 3
        case 0xc6, 0xdb, 0xdd, 0xdf: return 5
        case 0xc7: return 3
        case 0xc8: return 4
        case 0xc9: return 6
        case 0xca, 0xce, 0xd2: return 5
        case 0xcb, 0xcf, 0xd3: return 9
        case 0xd4...0xd8: return 2
        default: return 1
        }
    }

    /// Reads the header at `i` (< base.count). Returns the header and its length in bytes.
    /// Throws `.truncated` when the header itself is incomplete, `.invalidByte` for `c1` (and the
    /// 64-bit formats in the device dialect).
    @inlinable
    func header(at i: Int) throws(DecodingError) -> (Header, Int) {
        let b = base[i]
        switch b {
        case 0x00...0x7f: return (.value(.int(Int64(b))), 1)
        case 0x80...0x8f: return (.map(Int(b & 0x0f)), 1)
        case 0x90...0x9f: return (.array(Int(b & 0x0f)), 1)
        case 0xa0...0xbf: return (.str(Int(b & 0x1f)), 1)
        case 0xe0...0xff: return (.value(.int(Int64(Int8(bitPattern: b)))), 1)
        case 0xc0: return (.value(.nil), 1)
        case 0xc2: return (.value(.bool(false)), 1)
        case 0xc3: return (.value(.bool(true)), 1)
        case 0xc1: throw .invalidByte(offset: origin + i, byte: b, dialect: dialect)
        default: break
        }
        let hl = ByteCursor.headerLength(b)
        let avail = base.count - i
        guard hl <= avail else { throw .truncated(offset: origin + i, needed: hl, available: avail) }
        let j = i + 1
        switch b {
        case 0xc4: return (.bin(Int(base[j])), hl)
        case 0xc5: return (.bin(Int(be16(j))), hl)
        case 0xc6: return (.bin(Int(be32(j))), hl)
        case 0xc7: return (.ext(Int8(bitPattern: base[j + 1]), Int(base[j])), hl)
        case 0xc8: return (.ext(Int8(bitPattern: base[j + 2]), Int(be16(j))), hl)
        case 0xc9: return (.ext(Int8(bitPattern: base[j + 4]), Int(be32(j))), hl)
        case 0xca: return (.value(.float(Float(bitPattern: be32(j)))), hl)
        case 0xcb:
            if dialect == .device { throw .invalidByte(offset: origin + i, byte: b, dialect: dialect) }
            return (.value(.double(Double(bitPattern: be64(j)))), hl)
        case 0xcc:
            if dialect == .device { return (.value(.int(Int64(Int8(bitPattern: base[j])))), hl) }
            return (.value(.int(Int64(base[j]))), hl)
        case 0xcd:
            if dialect == .device { return (.value(.int(Int64(Int16(bitPattern: be16(j))))), hl) }
            return (.value(.int(Int64(be16(j)))), hl)
        case 0xce:
            if dialect == .device { return (.value(.int(Int64(Int32(bitPattern: be32(j))))), hl) }
            return (.value(.int(Int64(be32(j)))), hl)
        case 0xcf:
            if dialect == .device { throw .invalidByte(offset: origin + i, byte: b, dialect: dialect) }
            return (.value(.integer(be64(j))), hl)
        case 0xd0: return (.value(.int(Int64(Int8(bitPattern: base[j])))), hl)
        case 0xd1: return (.value(.int(Int64(Int16(bitPattern: be16(j))))), hl)
        case 0xd2:
            let v = Int32(bitPattern: be32(j))
            // The 32-bit devices keep 31-bit small ints: bit 30 becomes the sign.
            if dialect == .device { return (.value(.int(Int64((v << 1) >> 1))), hl) }
            return (.value(.int(Int64(v))), hl)
        case 0xd3:
            if dialect == .device { throw .invalidByte(offset: origin + i, byte: b, dialect: dialect) }
            return (.value(.int(Int64(bitPattern: be64(j)))), hl)
        case 0xd4: return (.ext(Int8(bitPattern: base[j]), 1), hl)
        case 0xd5: return (.ext(Int8(bitPattern: base[j]), 2), hl)
        case 0xd6: return (.ext(Int8(bitPattern: base[j]), 4), hl)
        case 0xd7: return (.ext(Int8(bitPattern: base[j]), 8), hl)
        case 0xd8: return (.ext(Int8(bitPattern: base[j]), 16), hl)
        case 0xd9: return (.str(Int(base[j])), hl)
        case 0xda: return (.str(Int(be16(j))), hl)
        case 0xdb: return (.str(Int(be32(j))), hl)
        case 0xdc: return (.array(Int(be16(j))), hl)
        case 0xdd: return (.array(Int(be32(j))), hl)
        case 0xde: return (.map(Int(be16(j))), hl)
        case 0xdf: return (.map(Int(be32(j))), hl)
        default: throw .invalidByte(offset: origin + i, byte: b, dialect: dialect)
        }
    }
}

/// Decodes the payload of the timestamp extension (type −1), or nil when it is not a valid one.
@inlinable
func decodeTimestamp(_ p: UnsafeBufferPointer<UInt8>, _ start: Int, _ len: Int) -> MessagePackValue? {
    let c = ByteCursor(p, origin: 0, dialect: .standard)
    switch len {
    case 4:
        return .timestamp(seconds: Int64(c.be32(start)), nanoseconds: 0)
    case 8:
        let v = c.be64(start)
        let ns = UInt32(v >> 34)
        guard ns < 1_000_000_000 else { return nil }
        return .timestamp(seconds: Int64(v & 0x3_ffff_ffff), nanoseconds: ns)
    case 12:
        let ns = c.be32(start)
        guard ns < 1_000_000_000 else { return nil }
        return .timestamp(seconds: Int64(bitPattern: c.be64(start + 4)), nanoseconds: ns)
    default:
        return nil
    }
}
