/// The wire format named by a MessagePack first byte (all 256 values are covered).
public enum Format: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case positiveFixint, fixmap, fixarray, fixstr
    case `nil`, neverUsed, `false`, `true`
    case bin8, bin16, bin32
    case ext8, ext16, ext32
    case float32, float64
    case uint8, uint16, uint32, uint64
    case int8, int16, int32, int64
    case fixext1, fixext2, fixext4, fixext8, fixext16
    case str8, str16, str32
    case array16, array32
    case map16, map32
    case negativeFixint

    /// The bytes of header a first byte announces: the first byte plus any length, count, type or
    /// fixed-size value bytes (1 for the fixed formats). A walker that stops inside a header
    /// knows from it how many bytes it lacks.
    public static func headerLength(firstByte b: UInt8) -> Int { ByteCursor.headerLength(b) }

    /// The format of a first byte.
    @inlinable
    public init(byte b: UInt8) {
        switch b {
        case 0x00...0x7f: self = .positiveFixint
        case 0x80...0x8f: self = .fixmap
        case 0x90...0x9f: self = .fixarray
        case 0xa0...0xbf: self = .fixstr
        case 0xe0...0xff: self = .negativeFixint
        // c0…df are the cases from `nil` to `map32`, declared in byte order.
        default: self = unsafeBitCast(b &- 0xc0 &+ Format.nil.rawValue, to: Format.self)
        }
    }

    /// The name a dissector shows ("uint8", "fixstr", …).
    public var description: String {
        switch self {
        case .positiveFixint: return "positive fixint"
        case .fixmap: return "fixmap"
        case .fixarray: return "fixarray"
        case .fixstr: return "fixstr"
        case .nil: return "nil"
        case .neverUsed: return "never used (c1)"
        case .false: return "false"
        case .true: return "true"
        case .bin8: return "bin8"
        case .bin16: return "bin16"
        case .bin32: return "bin32"
        case .ext8: return "ext8"
        case .ext16: return "ext16"
        case .ext32: return "ext32"
        case .float32: return "float32"
        case .float64: return "float64"
        case .uint8: return "uint8"
        case .uint16: return "uint16"
        case .uint32: return "uint32"
        case .uint64: return "uint64"
        case .int8: return "int8"
        case .int16: return "int16"
        case .int32: return "int32"
        case .int64: return "int64"
        case .fixext1: return "fixext1"
        case .fixext2: return "fixext2"
        case .fixext4: return "fixext4"
        case .fixext8: return "fixext8"
        case .fixext16: return "fixext16"
        case .str8: return "str8"
        case .str16: return "str16"
        case .str32: return "str32"
        case .array16: return "array16"
        case .array32: return "array32"
        case .map16: return "map16"
        case .map32: return "map32"
        case .negativeFixint: return "negative fixint"
        }
    }
}
