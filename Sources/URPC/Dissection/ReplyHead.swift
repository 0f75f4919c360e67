import MessagePack

/// What the reply state machine reads of a server object, from its first header without
/// decoding it (bytes cut inside the header read as `other`):
/// console output and exceptions are ext codes 3 and 2, an `ri` count is an int or nil.
enum ReplyHead: Equatable {
    /// An array or a map.
    case container
    case `nil`
    /// An integer; nil when it is beyond `Int64` (as `MessagePackValue.intValue`).
    case integer(Int64?)
    case ext(Int8)
    /// A bool, a float, a str or a bin.
    case other

    @inline(__always)
    init(_ bytes: __shared ArraySlice<UInt8>) {
        guard let b = bytes.first else { self = .other; return }
        // One-byte headers (most replies) need no length check.
        switch b {
        case 0x00...0x7f: self = .integer(Int64(b))
        case 0xe0...0xff: self = .integer(Int64(Int8(bitPattern: b)))
        case 0x80...0x9f: self = .container
        case 0xc0: self = .nil
        case 0xa0...0xbf, 0xc2, 0xc3: self = .other
        default: self = ReplyHead(longHeader: bytes, b)
        }
    }

    /// A header longer than its first byte.
    @inline(never)
    private init(longHeader bytes: ArraySlice<UInt8>, _ b: UInt8) {
        guard bytes.count >= Format.headerLength(firstByte: b) else { self = .other; return }
        let s = bytes.startIndex
        func be(_ width: Int) -> UInt64 {
            var v: UInt64 = 0
            for k in 0..<width { v = v << 8 | UInt64(bytes[s + 1 + k]) }
            return v
        }
        switch b {
        case 0x00...0x7f: self = .integer(Int64(b))
        case 0xe0...0xff: self = .integer(Int64(Int8(bitPattern: b)))
        case 0x80...0x9f, 0xdc...0xdf: self = .container
        case 0xc0: self = .nil
        case 0xcc: self = .integer(Int64(be(1)))
        case 0xcd: self = .integer(Int64(be(2)))
        case 0xce: self = .integer(Int64(be(4)))
        case 0xcf: self = .integer(Int64(exactly: be(8)))
        case 0xd0: self = .integer(Int64(Int8(truncatingIfNeeded: be(1))))
        case 0xd1: self = .integer(Int64(Int16(truncatingIfNeeded: be(2))))
        case 0xd2: self = .integer(Int64(Int32(truncatingIfNeeded: be(4))))
        case 0xd3: self = .integer(Int64(bitPattern: be(8)))
        case 0xd4...0xd8: self = .ext(Int8(bitPattern: bytes[s + 1]))
        case 0xc7: self = .ext(Int8(bitPattern: bytes[s + 2]))
        case 0xc8: self = .ext(Int8(bitPattern: bytes[s + 3]))
        case 0xc9: self = .ext(Int8(bitPattern: bytes[s + 5]))
        default: self = .other
        }
    }

    /// The value of a nil or an integer in `Int64` (what an `ri` count can be), else nil.
    var countValue: MessagePackValue? {
        switch self {
        case .nil: .nil
        case .integer(let k?): .int(k)
        default: nil
        }
    }
}
