#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value of the simulated MicroPython: what requests decode to (arrays as tuples, since the
/// server unpacks with `use_list=False`) and what server code returns.
public enum PyValue {
    case none
    case bool(Bool)
    /// An int. The device's small ints are 31-bit; larger ones are long ints, which the device
    /// encoder cannot pack (they become proxies).
    case int(Int64)
    /// A single-precision float (the devices are built with float32).
    case float(Float)
    /// A str, byte for byte (the device does not validate UTF-8).
    case str([UInt8])
    case bytes([UInt8])
    case tuple([PyValue])
    case list([PyValue])
    case dict([(key: PyValue, value: PyValue)])
    /// A `msgpack.ExtType(code, data)` object.
    case ext(code: Int8, data: [UInt8])
    /// Any other object (module, instance, function, socket …): packed as a proxy.
    case object(PyObject)

    public static func string(_ s: String) -> PyValue { .str(Array(s.utf8)) }

    /// The Python type name, as in error messages.
    public var typeName: String {
        switch self {
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float"
        case .str: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .ext: return "ExtType"
        case .object(let o): return o.typeName
        }
    }

    public var isNone: Bool { if case .none = self { return true } else { return false } }

    public var truthy: Bool {
        switch self {
        case .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let f): return f != 0
        case .str(let b), .bytes(let b): return !b.isEmpty
        case .tuple(let a), .list(let a): return !a.isEmpty
        case .dict(let d): return !d.isEmpty
        case .ext, .object: return true
        }
    }

    /// `str(x)`.
    public var str: String {
        switch self {
        case .str(let b): return String(decoding: b, as: UTF8.self)
        case .object(let o): return o.str()
        default: return repr
        }
    }

    /// `repr(x)`, MicroPython style.
    public var repr: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .float(let f): return PyFormat.float(f)
        case .str(let b): return PyFormat.quoted(String(decoding: b, as: UTF8.self))
        case .bytes(let b): return PyFormat.bytes(b)
        case .tuple(let a):
            if a.count == 1 { return "(\(a[0].repr),)" }
            return "(" + a.map(\.repr).joined(separator: ", ") + ")"
        case .list(let a): return "[" + a.map(\.repr).joined(separator: ", ") + "]"
        case .dict(let d): return "{" + d.map { "\($0.key.repr): \($0.value.repr)" }.joined(separator: ", ") + "}"
        case .ext(let c, let d): return "ExtType(\(c), \(PyFormat.bytes(d)))"
        case .object(let o): return o.repr()
        }
    }

    /// Python `==`.
    public func pyEquals(_ other: PyValue) -> Bool {
        switch (self, other) {
        case (.none, .none): return true
        case let (.object(a), .object(b)): return a === b
        case let (.str(a), .str(b)): return a == b
        case let (.bytes(a), .bytes(b)): return a == b
        case let (.tuple(a), .tuple(b)), let (.list(a), .list(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pyEquals($1) }
        case let (.ext(c1, d1), .ext(c2, d2)): return c1 == c2 && d1 == d2
        case let (.dict(a), .dict(b)):
            return a.count == b.count && a.allSatisfy { e in b.contains { $0.key.pyEquals(e.key) && $0.value.pyEquals(e.value) } }
        default:
            if let x = numeric, let y = other.numeric { return x == y }
            return false
        }
    }

    var numeric: Double? {
        switch self {
        case .bool(let b): return b ? 1 : 0
        case .int(let i): return Double(i)
        case .float(let f): return Double(f)
        default: return nil
        }
    }
}

/// MicroPython's text formats.
enum PyFormat {
    /// `repr(float)` on a single-precision build: `%g` with 6 digits, ".0" added when it looks
    /// like an int.
    static func float(_ f: Float) -> String {
        if f.isNaN { return "nan" }
        if f.isInfinite { return f < 0 ? "-inf" : "inf" }
        var s = cFormat(Double(f))
        if !s.contains(".") && !s.contains("e") { s += ".0" }
        return s
    }

    private static func cFormat(_ d: Double) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = withVaList([d]) { vsnprintf(&buf, 64, "%.6g", $0) }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func quoted(_ s: String) -> String {
        let q: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(q)
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(u) == q { out += "\\\(q)" }
                else if u.value < 0x20 || u.value == 0x7f { out += "\\x" + hex2(UInt8(u.value)) }
                else { out.unicodeScalars.append(u) }
            }
        }
        out.append(q)
        return out
    }

    static func bytes(_ b: [UInt8]) -> String {
        let q: Character = b.contains(0x27) && !b.contains(0x22) ? "\"" : "'"
        var out = "b" + String(q)
        for x in b {
            switch x {
            case 0x5c: out += "\\\\"
            case 0x0a: out += "\\n"
            case 0x0d: out += "\\r"
            case 0x09: out += "\\t"
            case 0x20..<0x7f:
                if Character(Unicode.Scalar(x)) == q { out += "\\\(q)" } else { out.unicodeScalars.append(Unicode.Scalar(x)) }
            default: out += "\\x" + hex2(x)
            }
        }
        out.append(q)
        return out
    }

    static func hex2(_ x: UInt8) -> String {
        let d = Array("0123456789abcdef")
        return String([d[Int(x >> 4)], d[Int(x & 15)]])
    }
}
