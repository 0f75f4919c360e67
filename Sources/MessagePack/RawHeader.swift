/// One MessagePack header as it is on the wire, read without building a value: what framing,
/// reply scanning, the device lint and the structure-aware mutators need to walk hostile bytes.
@usableFromInline package struct RawHeader: Equatable, Sendable {
    @usableFromInline package enum Kind: UInt8, Equatable, Sendable { case scalar, str, bin, ext, array, map }

    @usableFromInline package var firstByte: UInt8
    @usableFromInline package var kind: Kind
    /// Bytes of header, as `Format.headerLength(firstByte:)`: the first byte, any length, count or
    /// ext type bytes, and a fixed-size scalar's value bytes.
    @usableFromInline package var headerLength: Int
    /// Payload bytes after the header (str/bin/ext), or the element count (array: n, map: n
    /// entries); 0 for a scalar.
    @usableFromInline package var length: Int
    /// The ext type byte read as signed (0 unless `kind == .ext`).
    @usableFromInline package var extType: Int8

    @inlinable
    package init(firstByte: UInt8, kind: Kind, headerLength: Int, length: Int, extType: Int8 = 0) {
        self.firstByte = firstByte
        self.kind = kind
        self.headerLength = headerLength
        self.length = length
        self.extType = extType
    }

    @usableFromInline package var format: Format { Format(byte: firstByte) }
    @inlinable package var isContainer: Bool { kind == .array || kind == .map }
    /// Items a container holds (a map's entries count twice); 0 for the others.
    @inlinable package var items: Int { kind == .array ? length : kind == .map ? 2 * length : 0 }
    /// Bytes that follow the header (str/bin/ext payload); 0 for scalars and containers.
    @inlinable package var payloadLength: Int { kind == .str || kind == .bin || kind == .ext ? length : 0 }
    /// Bytes of a non-container object (header and payload).
    @inlinable package var size: Int { headerLength + payloadLength }
}

/// The answer of a header read at an offset.
@usableFromInline package enum HeaderRead: Equatable, Sendable {
    case header(RawHeader)
    /// The header is cut short: this many more bytes are needed (at least 1).
    case needsMore(Int)
    /// A first byte the dialect refuses (`c1`; `cb cf d3` in the device dialect).
    case invalid(UInt8)
}

extension ByteCursor {
    /// Reads the header at `i` (< base.count) as it is on the wire. The header bytes are checked
    /// against the bytes present; the payload is not read. An invalid first byte is refused
    /// before its header is complete, as the device's reader does.
    @inlinable @inline(__always)
    func rawHeader(at i: Int) -> HeaderRead {
        rawHeader(at: i, table: HeaderTable.table(dialect))
    }

    /// `rawHeader(at:)` with the dialect's `HeaderTable` already at hand (a loop fetches it once).
    @inlinable @inline(__always)
    func rawHeader(at i: Int, table: UnsafePointer<HeaderEntry>) -> HeaderRead {
        let b = base[i]
        let e = table[Int(b)]
        let kind = unsafeBitCast(e.kind, to: RawHeader.Kind.self)
        let hl = Int(e.headerLength)
        if e.width == 0 {
            let avail = base.count - i
            guard hl <= avail else { return .needsMore(hl - avail) }
            return .header(RawHeader(firstByte: b, kind: kind, headerLength: hl, length: Int(e.length),
                                     extType: kind == .ext ? Int8(bitPattern: base[i + 1]) : 0))
        }
        // An invalid first byte is refused before its header is complete.
        guard e.width != 0xff else { return .invalid(b) }
        let avail = base.count - i
        guard hl <= avail else { return .needsMore(hl - avail) }
        // The length field fills the header after the first byte (and before an ext's type byte).
        return .header(RawHeader(firstByte: b, kind: kind, headerLength: hl,
                                 length: HeaderReader.lengthField(base, i + 1, width: e.width),
                                 extType: kind == .ext ? Int8(bitPattern: base[i + hl - 1]) : 0))
    }
}

/// Reads single headers of a buffer (the random-access side of the scanner: reply pairing and
/// registry counts read one header where an object starts).
@usableFromInline package struct HeaderReader {
    @usableFromInline let cursor: ByteCursor

    @inlinable
    package init(_ p: UnsafeBufferPointer<UInt8>, dialect: Dialect = .standard) {
        cursor = ByteCursor(p, origin: 0, dialect: dialect)
    }

    /// The header at `i`; `.needsMore(1)` when `i` is at or past the end.
    @inlinable @inline(__always)
    package func read(at i: Int) -> HeaderRead {
        guard i >= 0, i < cursor.base.count else { return .needsMore(1) }
        return cursor.rawHeader(at: i)
    }

    /// The header at `i` as the decoder reads it: a scalar with its value, a str, bin, ext, array
    /// or map with its length; nil when it is cut short, refused, or `i` is past the end (the
    /// reply state machine reads a reply's first header this way, without decoding the reply).
    @inlinable
    package func element(at i: Int) -> Header? {
        guard i >= 0, i < cursor.base.count else { return nil }
        return try? cursor.header(at: i).0
    }
}
