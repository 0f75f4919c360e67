/// Why a decode failed, and where. Offsets are byte offsets into the decoded buffer or stream.
public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The object starting at `offset` needs `needed` bytes past `offset`, only `available` exist.
    case truncated(offset: Int, needed: Int, available: Int)
    /// A first byte that is not allowed: `c1` always; `cb cf d3` in the device dialect.
    case invalidByte(offset: Int, byte: UInt8, dialect: Dialect)
    /// A declared length or count above the configured maximum object size.
    case lengthBeyondLimit(offset: Int, length: UInt64, limit: Int)
    /// Containers nested deeper than the configured limit.
    case depthBeyondLimit(offset: Int, limit: Int)
    /// A str that is not valid UTF-8, with strict UTF-8 checking on.
    case invalidUTF8(offset: Int)

    public var offset: Int {
        switch self {
        case .truncated(let o, _, _), .invalidByte(let o, _, _), .lengthBeyondLimit(let o, _, _),
            .depthBeyondLimit(let o, _), .invalidUTF8(let o):
            return o
        }
    }

    /// A stable short name of the reason.
    public var reason: String {
        switch self {
        case .truncated: return "truncated"
        case .invalidByte: return "invalid-byte"
        case .lengthBeyondLimit: return "length-beyond-limit"
        case .depthBeyondLimit: return "depth-beyond-limit"
        case .invalidUTF8: return "invalid-utf8"
        }
    }

    public var description: String {
        switch self {
        case let .truncated(o, n, a):
            return "truncated at offset \(o): the object needs \(n) bytes, \(a) present"
        case let .invalidByte(o, b, d):
            let hex = String(b, radix: 16)
            if b == 0xc1 { return "invalid byte 0xc1 (never used) at offset \(o)" }
            return "byte 0x\(hex) at offset \(o) is not accepted by the \(d) dialect"
        case let .lengthBeyondLimit(o, l, lim):
            return "length \(l) at offset \(o) is beyond the limit of \(lim) bytes"
        case let .depthBeyondLimit(o, lim):
            return "nesting deeper than \(lim) at offset \(o)"
        case let .invalidUTF8(o):
            return "invalid UTF-8 in str at offset \(o)"
        }
    }
}

/// Which MessagePack the bytes are read as.
public enum Dialect: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The MessagePack specification.
    case standard
    /// The esp32/stm32 device codec (spec §2): unsigned formats read as signed, `d2` wraps past
    /// ±2^30, `cb cf d3` refused, no timestamp extension, no UTF-8 validation.
    case device

    public var description: String { rawValue }
}

/// Limits and switches for decoding hostile input.
public struct DecodingOptions: Sendable, Equatable {
    public var dialect: Dialect
    /// Maximum container nesting depth (the top-level container is depth 1).
    public var maxDepth: Int
    /// Maximum size of one object in bytes; a declared length or count beyond it is refused before
    /// its bytes arrive.
    public var maxObjectSize: Int
    /// Refuse str payloads that are not valid UTF-8 (otherwise they decode to `.invalidString`).
    public var strictUTF8: Bool

    public init(dialect: Dialect = .standard, maxDepth: Int = 512,
                maxObjectSize: Int = 64 << 20, strictUTF8: Bool = false) {
        self.dialect = dialect
        self.maxDepth = maxDepth
        self.maxObjectSize = maxObjectSize
        self.strictUTF8 = strictUTF8
    }

    public static let standard = DecodingOptions()
    public static let device = DecodingOptions(dialect: .device)
}
