/// A decoded MessagePack value, independent of its wire format.
///
/// Integers are canonical: every integer that fits in `Int64` is `.int`, only values above
/// `Int64.max` are `.uint`. So `05`, `cc 05` and `d0 05` decode to the same value, and equality
/// means "the same number" whatever the width on the wire.
///
/// `bin`, `ext` payloads and invalid strings are `ArraySlice`s of the buffer they were decoded from
/// (zero-copy: they share its storage).
public enum MessagePackValue: Sendable {
    case `nil`
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    case string(String)
    /// A str whose bytes are not valid UTF-8, kept byte for byte (the device does not validate).
    case invalidString(ArraySlice<UInt8>)
    case binary(ArraySlice<UInt8>)
    case array([MessagePackValue])
    /// Entries in wire order; duplicate keys are kept.
    case map([(key: MessagePackValue, value: MessagePackValue)])
    case ext(type: Int8, data: ArraySlice<UInt8>)
    /// The timestamp extension (type −1), standard dialect only.
    case timestamp(seconds: Int64, nanoseconds: UInt32)
}

extension MessagePackValue {
    /// A canonical integer value.
    @inlinable
    public static func integer<T: BinaryInteger>(_ v: T) -> MessagePackValue {
        if let i = Int64(exactly: v) { return .int(i) }
        return .uint(UInt64(v))
    }

    public static func bytes<S: Sequence>(_ s: S) -> MessagePackValue where S.Element == UInt8 {
        .binary(ArraySlice(s))
    }

    public var isNil: Bool { if case .nil = self { return true } else { return false } }

    public var intValue: Int64? {
        switch self {
        case .int(let v): return v
        case .uint(let v): return Int64(exactly: v)
        default: return nil
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [MessagePackValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The raw bytes of a str, valid or not.
    public var stringBytes: [UInt8]? {
        switch self {
        case .string(let s): return Array(s.utf8)
        case .invalidString(let b): return Array(b)
        default: return nil
        }
    }

    public var kindName: String {
        switch self {
        case .nil: return "nil"
        case .bool: return "bool"
        case .int, .uint: return "int"
        case .float: return "float32"
        case .double: return "float64"
        case .string, .invalidString: return "str"
        case .binary: return "bin"
        case .array: return "array"
        case .map: return "map"
        case .ext: return "ext"
        case .timestamp: return "timestamp"
        }
    }
}

// Equality compares floats by bit pattern so that NaN equals itself and a round trip can be checked
// with `==`; byte payloads compare by content.
extension MessagePackValue: Equatable {
    public static func == (lhs: MessagePackValue, rhs: MessagePackValue) -> Bool {
        switch (lhs, rhs) {
        case (.nil, .nil): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.uint(a), .uint(b)): return a == b
        case let (.float(a), .float(b)): return a.bitPattern == b.bitPattern
        case let (.double(a), .double(b)): return a.bitPattern == b.bitPattern
        case let (.string(a), .string(b)): return a.utf8.elementsEqual(b.utf8)
        case let (.invalidString(a), .invalidString(b)): return a.elementsEqual(b)
        case let (.binary(a), .binary(b)): return a.elementsEqual(b)
        case let (.array(a), .array(b)): return a == b
        case let (.map(a), .map(b)):
            guard a.count == b.count else { return false }
            for i in a.indices where a[i].key != b[i].key || a[i].value != b[i].value { return false }
            return true
        case let (.ext(t1, d1), .ext(t2, d2)): return t1 == t2 && d1.elementsEqual(d2)
        case let (.timestamp(s1, n1), .timestamp(s2, n2)): return s1 == s2 && n1 == n2
        default: return false
        }
    }
}

extension MessagePackValue: Hashable {
    public func hash(into h: inout Hasher) {
        switch self {
        case .nil: h.combine(0)
        case .bool(let b): h.combine(1); h.combine(b)
        case .int(let v): h.combine(2); h.combine(v)
        case .uint(let v): h.combine(3); h.combine(v)
        case .float(let v): h.combine(4); h.combine(v.bitPattern)
        case .double(let v): h.combine(5); h.combine(v.bitPattern)
        case .string(let s): h.combine(6); for b in s.utf8 { h.combine(b) }
        case .invalidString(let b): h.combine(7); for x in b { h.combine(x) }
        case .binary(let b): h.combine(8); for x in b { h.combine(x) }
        case .array(let a): h.combine(9); h.combine(a.count); for x in a { x.hash(into: &h) }
        case .map(let m): h.combine(10); h.combine(m.count); for e in m { e.key.hash(into: &h); e.value.hash(into: &h) }
        case .ext(let t, let d): h.combine(11); h.combine(t); for x in d { h.combine(x) }
        case .timestamp(let s, let n): h.combine(12); h.combine(s); h.combine(n)
        }
    }
}

extension MessagePackValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByFloatLiteral
{
    public init(nilLiteral: ()) { self = .nil }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: MessagePackValue...) { self = .array(elements) }
    public init(floatLiteral value: Double) { self = .double(value) }
}
