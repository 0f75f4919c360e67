/// Whole-buffer decoding: to a value tree (the fast path) or to a `Node` tree with offsets.
/// Both share one cursor and one set of checks, so they agree on every input.
public struct Decoder: Sendable {
    public var options: DecodingOptions

    public init(options: DecodingOptions = .standard) { self.options = options }
    public init(dialect: Dialect) { self.options = DecodingOptions(dialect: dialect) }

    /// Decodes the object starting at `offset`; returns it and the offset just past it.
    /// (Not inlinable on purpose: compiled inside this module, the array building below is fully
    /// specialised; inlined into a client module it went through the generic array allocator.)
    public func decodeValue(_ bytes: [UInt8], at offset: Int = 0) throws(DecodingError) -> (value: MessagePackValue, end: Int) {
        try bytes.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DecodingError) in
            var core = DecoderCore(source: bytes[...], base: p, origin: 0, limit: p.count, options: options)
            guard offset < p.count else {
                throw DecodingError.truncated(offset: offset, needed: 1, available: 0)
            }
            var pos = offset
            let v = try core.value(&pos, depth: 0)
            return (v, pos)
        }
    }

    /// Decodes the one object that fills `bytes` (a slice of a larger buffer: payloads are slices
    /// of the same storage with the same indices, as if decoded from the whole buffer). Errors
    /// give offsets from `origin` (the stream offset of the slice's first byte).
    package func decodeValue(filling bytes: ArraySlice<UInt8>, origin: Int = 0) throws(DecodingError) -> MessagePackValue {
        try bytes.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DecodingError) in
            var core = DecoderCore(source: bytes, base: p, origin: origin, limit: p.count, options: options)
            guard p.count > 0 else { throw DecodingError.truncated(offset: origin, needed: 1, available: 0) }
            var pos = 0
            let v = try core.value(&pos, depth: 0)
            if pos != p.count { _ = try core.value(&pos, depth: 0) }
            return v
        }
    }

    /// Decodes exactly one object that fills `bytes`.
    public func decode(_ bytes: [UInt8]) throws(DecodingError) -> MessagePackValue {
        let (v, end) = try decodeValue(bytes, at: 0)
        // Trailing bytes are the start of another object; report them as what they are.
        if end != bytes.count { _ = try decodeValue(bytes, at: end) }
        return v
    }

    /// Decodes the object starting at `offset` to a node tree (offsets are relative to `bytes`,
    /// plus `origin`).
    public func decodeNode(_ bytes: [UInt8], at offset: Int = 0, origin: Int = 0) throws(DecodingError) -> Node {
        try bytes.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DecodingError) in
            var core = DecoderCore(source: bytes[...], base: p, origin: origin, limit: p.count, options: options)
            guard offset < p.count else {
                throw DecodingError.truncated(offset: origin + offset, needed: 1, available: 0)
            }
            var pos = offset
            return try core.node(&pos, depth: 0)
        }
    }

    /// Decodes objects back to back until the end of `bytes` or the first error. Everything decoded
    /// before an error is kept.
    public func decodeAll(_ bytes: [UInt8]) -> (nodes: [Node], error: DecodingError?) {
        var nodes: [Node] = []
        var pos = 0
        while pos < bytes.count {
            do {
                let n = try decodeNode(bytes, at: pos)
                nodes.append(n)
                pos = n.end
            } catch {
                return (nodes, error)
            }
        }
        return (nodes, nil)
    }

    /// Value-only variant of `decodeAll`.
    public func decodeAllValues(_ bytes: [UInt8]) -> (values: [MessagePackValue], error: DecodingError?) {
        var out: [MessagePackValue] = []
        var pos = 0
        while pos < bytes.count {
            do {
                let (v, end) = try decodeValue(bytes, at: pos)
                out.append(v)
                pos = end
            } catch {
                return (out, error)
            }
        }
        return (out, nil)
    }
}

@inlinable @inline(__always)
func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    let n = b.count
    guard let p = b.baseAddress else { return true }
    let raw = UnsafeRawPointer(p)
    while i + 8 <= n {
        if raw.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
        i += 8
    }
    while i < n {
        if p[i] & 0x80 != 0 { return false }
        i += 1
    }
    return true
}

@usableFromInline
struct DecoderCore {
    /// The bytes positions index (0 is its first element, whatever its `startIndex`): bin, ext and
    /// invalid-str payloads are slices of it, so they share its storage and keep its indices.
    @usableFromInline let source: ArraySlice<UInt8>
    @usableFromInline let cursor: ByteCursor
    @usableFromInline let limit: Int
    @usableFromInline let options: DecodingOptions

    @inlinable
    init(source: ArraySlice<UInt8>, base: UnsafeBufferPointer<UInt8>, origin: Int, limit: Int, options: DecodingOptions) {
        self.source = source
        self.cursor = ByteCursor(UnsafeBufferPointer(rebasing: base[0..<limit]), origin: origin, dialect: options.dialect)
        self.limit = limit
        self.options = options
    }

    @inlinable @inline(__always)
    func payload(_ pos: Int, _ n: Int) -> ArraySlice<UInt8> {
        let s = source.startIndex + pos
        return source[s..<(s + n)]
    }

    @inlinable @inline(__always)
    func need(_ start: Int, _ pos: Int, _ n: Int) throws(DecodingError) {
        try cursor.need(start, pos, n, maxObjectSize: options.maxObjectSize)
    }

    @inlinable @inline(__always)
    func string(_ start: Int, _ pos: Int, _ n: Int) throws(DecodingError) -> MessagePackValue {
        let buf = UnsafeBufferPointer(rebasing: cursor.base[pos..<(pos + n)])
        // ASCII (nearly every urpc str) needs no validation beyond the high bits. Up to 15 bytes it
        // fits Swift's inline small string: built in place, without allocating or re-validating.
        if isASCII(buf) || String(validating: buf, as: UTF8.self) != nil {
            return .string(makeString(buf))
        }
        if options.strictUTF8 { throw .invalidUTF8(offset: cursor.origin + start) }
        return .invalidString(payload(pos, n))
    }

    @inlinable @inline(__always)
    func ext(_ type: Int8, _ pos: Int, _ n: Int) -> MessagePackValue {
        if type == -1, options.dialect == .standard, let ts = decodeTimestamp(cursor.base, pos, n) { return ts }
        return .ext(type: type, data: payload(pos, n))
    }

    @inlinable @inline(__always)
    func count(_ start: Int, _ pos: Int, _ n: Int, perElement: Int) throws(DecodingError) {
        try cursor.count(start, pos, n, perElement: perElement, maxObjectSize: options.maxObjectSize)
    }

    @inlinable
    mutating func value(_ pos: inout Int, depth: Int) throws(DecodingError) -> MessagePackValue {
        let start = pos
        // The one-byte-header formats, which are nearly all of urpc traffic, are read here without
        // building a `Header`; every other format goes through the cursor's general path.
        let b = cursor.base[pos]
        switch b {
        case 0x00...0x7f:
            pos += 1
            return .int(Int64(b))
        case 0xe0...0xff:
            pos += 1
            return .int(Int64(Int8(bitPattern: b)))
        case 0xa0...0xbf:
            pos += 1
            return try str(start, &pos, Int(b & 0x1f))
        case 0x90...0x9f:
            pos += 1
            return try array(start, &pos, Int(b & 0x0f), depth)
        case 0x80...0x8f:
            pos += 1
            return try map(start, &pos, Int(b & 0x0f), depth)
        case 0xc0:
            pos += 1
            return .nil
        case 0xc2, 0xc3:
            pos += 1
            return .bool(b == 0xc3)
        case 0xd4...0xd8:
            // fixext (urpc proxies are fixext4): type byte, then 1, 2, 4, 8 or 16 bytes.
            let n = 1 << Int(b - 0xd4)
            guard pos + 2 <= limit else {
                throw .truncated(offset: cursor.origin + pos, needed: 2, available: limit - pos)
            }
            try need(start, pos + 2, n)
            let t = Int8(bitPattern: cursor.base[pos + 1])
            pos += 2
            defer { pos += n }
            return ext(t, pos, n)
        // Deliberately alike: the value, node and document decoders dispatch the same cursor to different outputs.
        default:
            break
        }
        let (h, hl) = try cursor.header(at: pos)
        pos += hl
        switch h {
        case .value(let v):
            return v
        case .str(let n):
            return try str(start, &pos, n)
        case .bin(let n):
            try need(start, pos, n)
            defer { pos += n }
            return .binary(payload(pos, n))
        case .ext(let t, let n):
            try need(start, pos, n)
            defer { pos += n }
            return ext(t, pos, n)
        case .array(let n):
            return try array(start, &pos, n, depth)
        case .map(let n):
            return try map(start, &pos, n, depth)
        }
    }

    @inlinable @inline(__always)
    func str(_ start: Int, _ pos: inout Int, _ n: Int) throws(DecodingError) -> MessagePackValue {
        try need(start, pos, n)
        let v = try string(start, pos, n)
        pos += n
        return v
    }

    @inlinable
    mutating func array(_ start: Int, _ pos: inout Int, _ n: Int, _ depth: Int) throws(DecodingError) -> MessagePackValue {
        guard depth < options.maxDepth else {
            throw .depthBeyondLimit(offset: cursor.origin + start, limit: options.maxDepth)
        }
        if n == 0 { return .array([]) }   // no allocation for an empty array
        // Deliberately alike: the value and node decoders dispatch the same cursor to different outputs.
        try count(start, pos, n, perElement: 1)
        var a: [MessagePackValue] = []
        a.reserveCapacity(n)
        for _ in 0..<n {
            guard pos < limit else { throw .truncated(offset: cursor.origin + start, needed: pos - start + 1, available: limit - start) }
            a.append(try value(&pos, depth: depth + 1))
        }
        return .array(a)
    }

    @inlinable
    mutating func map(_ start: Int, _ pos: inout Int, _ n: Int, _ depth: Int) throws(DecodingError) -> MessagePackValue {
        guard depth < options.maxDepth else {
            throw .depthBeyondLimit(offset: cursor.origin + start, limit: options.maxDepth)
        }
        if n == 0 { return .map([]) }
        try count(start, pos, n, perElement: 2)
        var m: [(key: MessagePackValue, value: MessagePackValue)] = []
        m.reserveCapacity(n)
        for _ in 0..<n {
            guard pos < limit else { throw .truncated(offset: cursor.origin + start, needed: pos - start + 1, available: limit - start) }
            let k = try value(&pos, depth: depth + 1)
            guard pos < limit else { throw .truncated(offset: cursor.origin + start, needed: pos - start + 1, available: limit - start) }
            let v = try value(&pos, depth: depth + 1)
            m.append((key: k, value: v))
        }
        return .map(m)
    }

    mutating func node(_ pos: inout Int, depth: Int) throws(DecodingError) -> Node {
        let start = pos
        let first = cursor.base[pos]
        let (h, hl) = try cursor.header(at: pos)
        pos += hl
        let content: Node.Content
        switch h {
        case .value(let v):
            content = .scalar(v)
        case .str(let n):
            try need(start, pos, n)
            content = .scalar(try string(start, pos, n))
            pos += n
        case .bin(let n):
            try need(start, pos, n)
            content = .scalar(.binary(payload(pos, n)))
            pos += n
        case .ext(let t, let n):
            try need(start, pos, n)
            content = .scalar(ext(t, pos, n))
            pos += n
        case .array(let n):
            guard depth < options.maxDepth else {
                throw .depthBeyondLimit(offset: cursor.origin + start, limit: options.maxDepth)
            }
            // Deliberately alike: the value and node decoders dispatch the same cursor to different outputs.
            try count(start, pos, n, perElement: 1)
            var a: [Node] = []
            a.reserveCapacity(n)
            for _ in 0..<n {
                guard pos < limit else { throw .truncated(offset: cursor.origin + start, needed: pos - start + 1, available: limit - start) }
                a.append(try node(&pos, depth: depth + 1))
            }
            content = .array(a)
        case .map(let n):
            guard depth < options.maxDepth else {
                throw .depthBeyondLimit(offset: cursor.origin + start, limit: options.maxDepth)
            }
            try count(start, pos, n, perElement: 2)
            var m: [Node.MapEntry] = []
            m.reserveCapacity(n)
            for _ in 0..<n {
                guard pos < limit else { throw .truncated(offset: cursor.origin + start, needed: pos - start + 1, available: limit - start) }
                let k = try node(&pos, depth: depth + 1)
                guard pos < limit else { throw .truncated(offset: cursor.origin + start, needed: pos - start + 1, available: limit - start) }
                let v = try node(&pos, depth: depth + 1)
                m.append(Node.MapEntry(key: k, value: v))
            }
            content = .map(m)
        }
        return Node(format: Format(byte: first), firstByte: first, offset: cursor.origin + start,
                    headerLength: hl, end: cursor.origin + pos, content: content)
    }
}
