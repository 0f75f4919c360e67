/// What the first byte of a MessagePack header settles, one entry per byte and dialect, so that a
/// walk pays one table load per header instead of a chain of range compares.
///
/// For the headers whose length or count is in the first byte (fixint, fixmap, fixarray, fixstr,
/// nil, bool) and for the fixed-size ones (sized ints and floats, fixext) the entry holds the whole
/// answer: `step` (bytes to the next header), `delta` (items the header adds minus the one it is).
/// For the others `width` is the size of the big-endian length field that follows the first byte.
@usableFromInline package struct HeaderEntry: Equatable, Sendable {
    /// Bytes of header (as `Format.headerLength`); 0 for a byte the dialect refuses.
    @usableFromInline package var headerLength: UInt8
    /// 0 when the entry is the whole answer; 1, 2 or 4: the length field's width; 0xff: refused.
    @usableFromInline package var width: UInt8
    /// `RawHeader.Kind` raw value.
    @usableFromInline package var kind: UInt8
    /// Items per unit of length: 1 for an array, 2 for a map, 0 for the others.
    @usableFromInline package var itemsPerCount: UInt8
    /// 1 when `length` bytes of payload follow the header (str, bin, ext), else 0.
    @usableFromInline package var payloadPerLength: UInt8
    /// The length or count when `width == 0` (fixstr/fixarray/fixmap/fixext; 0 for scalars).
    @usableFromInline package var length: UInt8
    /// `headerLength` plus the payload when `width == 0`.
    @usableFromInline package var step: UInt8
    /// Items the header opens minus the one it is, when `width == 0` (-1 for a scalar).
    @usableFromInline package var delta: Int8

    /// The entry for `b` in `dialect`, worked out from the format rules (the table is built from it).
    package static func classify(_ b: UInt8, _ dialect: Dialect) -> HeaderEntry {
        func fixed(_ kind: RawHeader.Kind, _ hl: Int, length: Int = 0) -> HeaderEntry {
            let items = kind == .array ? length : kind == .map ? 2 * length : 0
            let payload = kind == .str || kind == .ext ? length : 0
            return HeaderEntry(headerLength: UInt8(hl), width: 0, kind: kind.rawValue,
                               itemsPerCount: kind == .array ? 1 : kind == .map ? 2 : 0,
                               payloadPerLength: kind == .str || kind == .ext ? 1 : 0,
                               length: UInt8(length), step: UInt8(hl + payload), delta: Int8(items - 1))
        }
        func sized(_ kind: RawHeader.Kind, _ width: Int) -> HeaderEntry {
            HeaderEntry(headerLength: UInt8(1 + width + (kind == .ext ? 1 : 0)), width: UInt8(width), kind: kind.rawValue,
                        itemsPerCount: kind == .array ? 1 : kind == .map ? 2 : 0,
                        payloadPerLength: kind == .str || kind == .bin || kind == .ext ? 1 : 0,
                        length: 0, step: 0, delta: 0)
        }
        switch b {
        case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3: return fixed(.scalar, 1)
        case 0x80...0x8f: return fixed(.map, 1, length: Int(b & 0x0f))
        case 0x90...0x9f: return fixed(.array, 1, length: Int(b & 0x0f))
        case 0xa0...0xbf: return fixed(.str, 1, length: Int(b & 0x1f))
        case 0xc1: return .refused
        case 0xcb, 0xcf, 0xd3: return dialect == .device ? .refused : fixed(.scalar, 9)
        case 0xca, 0xce, 0xd2: return fixed(.scalar, 5)
        case 0xcc, 0xd0: return fixed(.scalar, 2)
        case 0xcd, 0xd1: return fixed(.scalar, 3)
        case 0xd4...0xd8: return fixed(.ext, 2, length: 1 << Int(b - 0xd4))
        case 0xc4: return sized(.bin, 1)
        case 0xc5: return sized(.bin, 2)
        case 0xc6: return sized(.bin, 4)
        case 0xc7: return sized(.ext, 1)
        case 0xc8: return sized(.ext, 2)
        case 0xc9: return sized(.ext, 4)
        case 0xd9: return sized(.str, 1)
        case 0xda: return sized(.str, 2)
        case 0xdb: return sized(.str, 4)
        case 0xdc: return sized(.array, 2)
        case 0xdd: return sized(.array, 4)
        case 0xde: return sized(.map, 2)
        default: return sized(.map, 4) // 0xdf
        }
    }

    @usableFromInline package static let refused =
        HeaderEntry(headerLength: 0, width: 0xff, kind: 0, itemsPerCount: 0, payloadPerLength: 0, length: 0, step: 0, delta: 0)
}

/// The 2 × 256 entries (standard, then device), built once and never freed.
@usableFromInline package enum HeaderTable {
    /// Written once by the lazy initializer (which Swift runs once, thread-safely), then only read.
    @usableFromInline nonisolated(unsafe) package static let entries: UnsafePointer<HeaderEntry> = {
        let t = UnsafeMutablePointer<HeaderEntry>.allocate(capacity: 512)
        for b in 0...255 {
            (t + b).initialize(to: HeaderEntry.classify(UInt8(b), .standard))
            (t + 256 + b).initialize(to: HeaderEntry.classify(UInt8(b), .device))
        }
        return UnsafePointer(t)
    }()

    /// The 256 entries of `dialect`.
    @inlinable @inline(__always)
    package static func table(_ dialect: Dialect) -> UnsafePointer<HeaderEntry> {
        table(dialect, in: entries)
    }

    /// The 256 entries of `dialect` in `all` (`entries`, kept by a long-lived owner so that it
    /// does not reach the lazy global on every access).
    @inlinable @inline(__always)
    package static func table(_ dialect: Dialect, in all: UnsafePointer<HeaderEntry>) -> UnsafePointer<HeaderEntry> {
        dialect == .device ? all + 256 : all
    }
}

/// One header met by a walk: read from the table, and from the length field when there is one.
/// Only the fields a walk's body uses are computed once the walk is inlined into it.
@usableFromInline package struct WireHeader {
    @usableFromInline package let bytes: UnsafeBufferPointer<UInt8>
    /// Offset of the first byte.
    @usableFromInline package let offset: Int
    @usableFromInline package let firstByte: UInt8
    @usableFromInline package let kindRaw: UInt8
    @usableFromInline package let headerLength: Int
    /// Payload bytes (str/bin/ext), element count (array) or entry count (map); 0 for a scalar.
    @usableFromInline package let length: Int
    /// Items a container holds (a map's entries count twice); 0 for the others.
    @usableFromInline package let items: Int
    /// Bytes that follow the header (str/bin/ext payload); 0 for scalars and containers.
    @usableFromInline package let payloadLength: Int
    /// Items of the object still to be read when the walk meets this header, this one included.
    /// In a top-level array of `n` elements, element `k` is the header met with `n - k` pending.
    @usableFromInline package let pending: Int

    @inlinable @inline(__always)
    init(bytes: UnsafeBufferPointer<UInt8>, offset: Int, firstByte: UInt8, kindRaw: UInt8, headerLength: Int,
         length: Int, items: Int, payloadLength: Int, pending: Int) {
        self.bytes = bytes
        self.offset = offset
        self.firstByte = firstByte
        self.kindRaw = kindRaw
        self.headerLength = headerLength
        self.length = length
        self.items = items
        self.payloadLength = payloadLength
        self.pending = pending
    }

    @inlinable package var kind: RawHeader.Kind { unsafeBitCast(kindRaw, to: RawHeader.Kind.self) }
    @inlinable package var isExt: Bool { kindRaw == RawHeader.Kind.ext.rawValue }
    /// An array or a map.
    @inlinable package var isContainer: Bool { kindRaw >= RawHeader.Kind.array.rawValue }
    /// The ext type byte read as signed (0 unless an ext).
    @inlinable package var extType: Int8 { isExt ? Int8(bitPattern: bytes[offset + headerLength - 1]) : 0 }
    /// Offset of the payload (the byte after the header).
    @inlinable package var payloadStart: Int { offset + headerLength }
    /// The header as `rawHeader(at:)` gives it.
    @inlinable package var raw: RawHeader {
        RawHeader(firstByte: firstByte, kind: kind, headerLength: headerLength, length: length, extType: extType)
    }
}
