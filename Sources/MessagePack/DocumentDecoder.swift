extension Decoder {
    /// Decodes the object starting at `offset` into a `Document` (tape); the document's `end` is
    /// the offset just past it.
    public func decodeDocument(_ bytes: [UInt8], at offset: Int = 0) throws(DecodingError) -> Document {
        var doc = Document()
        try decodeDocument(bytes, at: offset, into: &doc)
        return doc
    }

    /// Decodes the object starting at `offset` into `document`, reusing its tape: once the tape
    /// is large enough for the objects seen, decoding allocates nothing. On an error the document
    /// is left empty.
    public func decodeDocument(_ bytes: [UInt8], at offset: Int = 0, into document: inout Document) throws(DecodingError) {
        // Offsets live in 32 bits on the tape; the object size limit is far below that anyway.
        guard bytes.count <= Int(UInt32.max) else {
            throw .lengthBeyondLimit(offset: 0, length: UInt64(bytes.count), limit: Int(UInt32.max))
        }
        guard offset < bytes.count else {
            document.prepareForReuse(source: [], minimumCapacity: 0)
            throw .truncated(offset: offset, needed: 1, available: 0)
        }
        // Every element takes at least one byte, so small objects never grow the tape.
        document.prepareForReuse(source: bytes, minimumCapacity: Swift.min(bytes.count - offset, 256))
        let storage = document.storage
        try bytes.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DecodingError) in
            var core = TapeCore(base: p, options: options, storage: storage)
            var pos = offset
            do throws(DecodingError) {
                try core.value(&pos, depth: 0)
            } catch {
                storage.count = 0
                throw error
            }
            storage.count = core.n
        }
    }
}

/// Builds a tape with the same reading of every byte, and the same checks, as `DecoderCore`.
@usableFromInline
struct TapeCore {
    @usableFromInline let cursor: ByteCursor
    @usableFromInline let limit: Int
    @usableFromInline let options: DecodingOptions
    // Not retained: the document being decoded into holds the storage for the whole decode, and
    // a retain/release pair per container was a measurable share of decoding small frames.
    @usableFromInline unowned(unsafe) let storage: TapeStorage
    @usableFromInline var tape: UnsafeMutablePointer<Document.Element>
    @usableFromInline var n = 0
    @usableFromInline var capacity: Int

    @inlinable
    init(base: UnsafeBufferPointer<UInt8>, options: DecodingOptions, storage: TapeStorage) {
        self.cursor = ByteCursor(base, origin: 0, dialect: options.dialect)
        self.limit = base.count
        self.options = options
        self.storage = storage
        self.tape = storage.base
        self.capacity = storage.capacity
    }

    @inlinable @inline(__always)
    mutating func emit(_ e: Document.Element) {
        if n == capacity {
            storage.count = n
            storage.grow()
            tape = storage.base
            capacity = storage.capacity
        }
        tape[n] = e
        n += 1
    }

    @inlinable @inline(__always)
    func need(_ start: Int, _ pos: Int, _ len: Int) throws(DecodingError) {
        try cursor.need(start, pos, len, maxObjectSize: options.maxObjectSize)
    }

    @inlinable @inline(__always)
    func count(_ start: Int, _ pos: Int, _ len: Int, perElement: Int) throws(DecodingError) {
        try cursor.count(start, pos, len, perElement: perElement, maxObjectSize: options.maxObjectSize)
    }

    @inlinable @inline(__always)
    static func span(_ offset: Int, _ length: Int) -> UInt64 { UInt64(offset) | UInt64(length) << 32 }

    @inlinable @inline(__always)
    mutating func str(_ start: Int, _ pos: inout Int, _ len: Int, _ hl: Int) throws(DecodingError) {
        try need(start, pos, len)
        let buf = UnsafeBufferPointer(rebasing: cursor.base[pos..<(pos + len)])
        let kind: Document.Kind
        if isASCII(buf) || String(validating: buf, as: UTF8.self) != nil {
            kind = .string
        } else if options.strictUTF8 {
            throw .invalidUTF8(offset: start)
        } else {
            kind = .invalidString
        }
        emit(Document.Element(word: Self.span(pos, len), offset: start, kind: kind, firstByte: cursor.base[start], headerLength: hl))
        pos += len
    }

    @inlinable @inline(__always)
    mutating func ext(_ start: Int, _ pos: inout Int, _ type: Int8, _ len: Int, _ hl: Int) throws(DecodingError) {
        try need(start, pos, len)
        var kind = Document.Kind.ext
        if type == -1, options.dialect == .standard, decodeTimestamp(cursor.base, pos, len) != nil { kind = .timestamp }
        emit(Document.Element(word: Self.span(pos, len), offset: start, kind: kind, firstByte: cursor.base[start],
                              headerLength: hl, extType: type))
        pos += len
    }

    @inlinable
    mutating func container(_ start: Int, _ pos: inout Int, _ len: Int, _ hl: Int, _ depth: Int, map: Bool) throws(DecodingError) {
        guard depth < options.maxDepth else {
            throw .depthBeyondLimit(offset: start, limit: options.maxDepth)
        }
        let children = map ? len * 2 : len
        if len > 0 { try count(start, pos, len, perElement: map ? 2 : 1) }
        let me = n
        emit(Document.Element(word: UInt64(len), offset: start, kind: map ? .map : .array,
                              firstByte: cursor.base[start], headerLength: hl))
        for _ in 0..<children {
            guard pos < limit else { throw .truncated(offset: start, needed: pos - start + 1, available: limit - start) }
            try value(&pos, depth: depth + 1)
        }
        tape[me].word |= UInt64(n) << 32
    }

    @inlinable
    mutating func value(_ pos: inout Int, depth: Int) throws(DecodingError) {
        let start = pos
        let b = cursor.base[pos]
        // The one-byte-header formats (nearly all urpc traffic) first, as in `DecoderCore.value`.
        switch b {
        case 0x00...0x7f:
            pos += 1
            emit(Document.Element(word: UInt64(b), offset: start, kind: .int, firstByte: b, headerLength: 1))
            return
        case 0xe0...0xff:
            pos += 1
            emit(Document.Element(word: UInt64(bitPattern: Int64(Int8(bitPattern: b))), offset: start, kind: .int, firstByte: b, headerLength: 1))
            return
        case 0xa0...0xbf:
            pos += 1
            return try str(start, &pos, Int(b & 0x1f), 1)
        case 0x90...0x9f:
            pos += 1
            return try container(start, &pos, Int(b & 0x0f), 1, depth, map: false)
        case 0x80...0x8f:
            pos += 1
            return try container(start, &pos, Int(b & 0x0f), 1, depth, map: true)
        case 0xc0:
            pos += 1
            emit(Document.Element(word: 0, offset: start, kind: .nil, firstByte: b, headerLength: 1))
            return
        case 0xc2, 0xc3:
            pos += 1
            emit(Document.Element(word: b == 0xc3 ? 1 : 0, offset: start, kind: .bool, firstByte: b, headerLength: 1))
            return
        case 0xd4...0xd8:
            let len = 1 << Int(b - 0xd4)
            guard pos + 2 <= limit else {
                throw .truncated(offset: pos, needed: 2, available: limit - pos)
            }
            let t = Int8(bitPattern: cursor.base[pos + 1])
            pos += 2
            return try ext(start, &pos, t, len, 2)
        // Deliberately alike: the document decoder dispatches the same cursor as the value decoder, to a tape.
        default:
            break
        }
        let (h, hl) = try cursor.header(at: pos)
        pos += hl
        switch h {
        case .value(let v):
            let word: UInt64
            let kind: Document.Kind
            switch v {
            case .int(let i): word = UInt64(bitPattern: i); kind = .int
            case .uint(let u): word = u; kind = .uint
            case .float(let f): word = UInt64(f.bitPattern); kind = .float
            case .double(let d): word = d.bitPattern; kind = .double
            case .bool(let x): word = x ? 1 : 0; kind = .bool
            default: word = 0; kind = .nil
            }
            emit(Document.Element(word: word, offset: start, kind: kind, firstByte: b, headerLength: hl))
        case .str(let len):
            try str(start, &pos, len, hl)
        case .bin(let len):
            try need(start, pos, len)
            emit(Document.Element(word: Self.span(pos, len), offset: start, kind: .binary, firstByte: b, headerLength: hl))
            pos += len
        case .ext(let t, let len):
            try ext(start, &pos, t, len, hl)
        case .array(let len):
            try container(start, &pos, len, hl, depth, map: false)
        case .map(let len):
            try container(start, &pos, len, hl, depth, map: true)
        }
    }
}
