import MessagePack

/// One request's headers walked the way the device reader reads them: one read call for each
/// first byte, one for the rest of its header, one for its payload. Built on the codec's header
/// scanner: no value is built and there is no recursion, so any depth is safe, and the walk
/// resumes where it stopped when more bytes arrive. Used on the reader's error paths only: a
/// request the stream decoder refused (64-bit types, a depth beyond its limit, a length beyond the
/// object size) or one cut off by a timeout.
struct RequestWalk {
    enum Outcome: Equatable {
        /// The whole object is there: `end` bytes.
        case complete(end: Int)
        /// It stops inside; `midRead` when part of the current read call has arrived.
        case incomplete(midRead: Bool)
        /// A length or count the device cannot allocate; its header ends at `headerEnd`.
        case tooLarge(headerEnd: Int, allocation: UInt64)
        /// `c1`, never used: refused where it stands.
        case invalid(offset: Int)
        /// Nesting beyond `depthCap` (the host's C stack would not hold it either).
        case tooDeep(offset: Int)
    }

    static let depthCap = 1 << 20

    let maxObjectSize: Int
    /// A `cb`, `cf` or `d3` was read.
    private(set) var has64Bit = false
    private var scanner: ObjectScanner
    /// The last header the walk read (its offset and header), to tell a cut payload from a cut header.
    private var last: (at: Int, header: RawHeader)?
    private var commandRange: Range<Int>?

    init(maxObjectSize: Int) {
        self.maxObjectSize = maxObjectSize
        scanner = ObjectScanner(dialect: .standard, maxDepth: Self.depthCap, maxObjectSize: maxObjectSize)
        scanner.reset(at: 0)
    }

    /// The deepest nesting read so far (the top-level container is depth 1).
    var depth: Int { scanner.deepest }

    /// Walks on over `bytes`, the request from its first byte (the same bytes as before, and more).
    mutating func advance(_ bytes: ArraySlice<UInt8>) -> Outcome {
        Array(bytes).withUnsafeBufferPointer { p in
            while true {
                switch scanner.step(p) {
                case let .header(h, at, depth):
                    if [.float64, .uint64, .int64].contains(h.format) { has64Bit = true }
                    // The command: the first element of a top-level array, when it is a str.
                    if depth == 1, let l = last, l.at == 0, l.header.kind == .array, h.kind == .str {
                        commandRange = (at + h.headerLength)..<(at + h.headerLength + h.length)
                    }
                    last = (at, h)
                case .complete(let end, _):
                    return .complete(end: end)
                case .needsMore(let missing):
                    guard missing > 0, let l = last else { return .incomplete(midRead: false) }
                    let payloadStart = l.at + l.header.headerLength
                    if l.header.payloadLength > 0, p.count >= payloadStart, p.count < payloadStart + l.header.payloadLength {
                        return .incomplete(midRead: p.count > payloadStart)
                    }
                    // A header cut short: its first byte is one read, the rest of it another.
                    return .incomplete(midRead: p.count > scanner.position + 1)
                case let .invalid(offset, reason):
                    switch reason {
                    case .invalidByte: return .invalid(offset: offset)
                    case .depthBeyondLimit: return .tooDeep(offset: offset)
                    case .lengthBeyondLimit:
                        guard case .header(let h)? = Optional(HeaderReader(p).read(at: offset)) else { return .invalid(offset: offset) }
                        return .tooLarge(headerEnd: offset + h.headerLength, allocation: Self.allocation(h))
                    }
                }
            }
        }
    }

    /// What the 32-bit device tries to allocate for a header: a str/bin/ext payload and its NUL,
    /// a dict of n slots 8n bytes (wrapping at 32 bits), a tuple 4n + 8.
    private static func allocation(_ h: RawHeader) -> UInt64 {
        switch h.kind {
        case .map:
            let size = UInt64(h.length) * 8 & 0xffff_ffff
            return size == 0 ? UInt64(h.length) * 8 : size
        case .array: return UInt64(h.length) * 4 + 8
        default: return UInt64(h.length) + 1
        }
    }

    /// The request's command: its first element, when that is a str.
    func command(in bytes: ArraySlice<UInt8>) -> String? {
        guard let r = commandRange, r.upperBound <= bytes.count else { return nil }
        return String(decoding: bytes[(bytes.startIndex + r.lowerBound)..<(bytes.startIndex + r.upperBound)], as: UTF8.self)
    }
}
