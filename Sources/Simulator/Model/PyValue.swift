#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value of the simulated MicroPython: what requests decode to (arrays as tuples, since the
/// server unpacks with `use_list=False`) and what server code returns.
package enum PyValue {
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

    package static func string(_ s: String) -> PyValue { .str(Array(s.utf8)) }

    /// The Python type name, as in error messages.
    package var typeName: String {
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

    package var isNone: Bool { if case .none = self { return true } else { return false } }

    package var truthy: Bool {
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
    package var str: String {
        switch self {
        case .str(let b): return String(decoding: b, as: UTF8.self)
        case .object(let o): return o.str()
        default: return repr
        }
    }

    /// `repr(x)`, MicroPython style.
    package var repr: String {
        var out: [UInt8] = []
        writeRepr(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `repr(x)` as UTF-8. Byte by byte into one buffer: error replies repr their
    /// arguments on every failing request, and nested values would otherwise build a string
    /// per level.
    func writeRepr(into out: inout [UInt8]) {
        switch self {
        case .none: out.append(contentsOf: "None".utf8)
        case .bool(let b): out.append(contentsOf: b ? "True".utf8 : "False".utf8)
        case .int(let i): PyFormat.writeInt(i, into: &out)
        case .float(let f): out.append(contentsOf: PyFormat.float(f).utf8)
        case .str(let b): PyFormat.writeQuoted(b, into: &out)
        case .bytes(let b): PyFormat.writeBytes(b, into: &out)
        case .tuple(let a):
            out.append(UInt8(ascii: "("))
            Self.writeItems(a, into: &out)
            if a.count == 1 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: ")"))
        case .list(let a):
            out.append(UInt8(ascii: "["))
            Self.writeItems(a, into: &out)
            out.append(UInt8(ascii: "]"))
        case .dict(let d):
            out.append(UInt8(ascii: "{"))
            for (i, e) in d.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")); out.append(UInt8(ascii: " ")) }
                e.key.writeRepr(into: &out)
                out.append(UInt8(ascii: ":")); out.append(UInt8(ascii: " "))
                e.value.writeRepr(into: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .ext(let c, let d):
            out.append(contentsOf: "ExtType(".utf8)
            PyFormat.writeInt(Int64(c), into: &out)
            out.append(UInt8(ascii: ",")); out.append(UInt8(ascii: " "))
            PyFormat.writeBytes(d, into: &out)
            out.append(UInt8(ascii: ")"))
        case .object(let o): out.append(contentsOf: o.repr().utf8)
        }
    }

    private static func writeItems(_ a: [PyValue], into out: inout [UInt8]) {
        for (i, v) in a.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")); out.append(UInt8(ascii: " ")) }
            v.writeRepr(into: &out)
        }
    }

    /// Appends `str(x)` as UTF-8 (a str's bytes as the text they decode to).
    func writeStr(into out: inout [UInt8]) {
        switch self {
        case .str(let b): PyFormat.writeText(b, into: &out)
        case .object(let o): out.append(contentsOf: o.str().utf8)
        default: writeRepr(into: &out)
        }
    }

    /// Python `==`.
    package func pyEquals(_ other: PyValue) -> Bool {
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
        if !s.utf8.contains(UInt8(ascii: ".")) && !s.utf8.contains(UInt8(ascii: "e")) { s += ".0" }
        return s
    }

    private static func cFormat(_ d: Double) -> String {
        var buf = [CChar](repeating: 0, count: 64)
        _ = withVaList([d]) { vsnprintf(&buf, 64, "%.6g", $0) }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func quoted(_ s: String) -> String {
        var out: [UInt8] = []
        writeQuoted(Array(s.utf8), into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `String(i)`.
    static func writeInt(_ i: Int64, into out: inout [UInt8]) {
        if i >= 0 && i < 10 { out.append(UInt8(ascii: "0") + UInt8(i)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = i.magnitude
        var k = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[k] = UInt8(ascii: "0") + UInt8(n % 10); n /= 10; k += 1 } while n > 0
        }
        if i < 0 { out.append(UInt8(ascii: "-")) }
        withUnsafeBytes(of: &digits) { d in
            while k > 0 { k -= 1; out.append(d[k]) }
        }
    }

    /// Appends bytes as the text they decode to: valid UTF-8 as is, each invalid sequence as
    /// U+FFFD (what `String(decoding:as:)` makes of them).
    static func writeText(_ b: [UInt8], into out: inout [UInt8]) {
        if isASCII(b) { out.append(contentsOf: b) } else { out.append(contentsOf: String(decoding: b, as: UTF8.self).utf8) }
    }

    static func isASCII(_ b: [UInt8]) -> Bool {
        for x in b where x >= 0x80 { return false }
        return true
    }

    /// Appends `repr(str)` of a str's bytes (decoded as `writeText` does). The escapes only
    /// concern ASCII, and every byte of a multi-byte UTF-8 sequence is >= 0x80, so the decoded
    /// text can be escaped byte by byte.
    static func writeQuoted(_ raw: [UInt8], into out: inout [UInt8]) {
        let b = isASCII(raw) ? raw : Array(String(decoding: raw, as: UTF8.self).utf8)
        var single = false, double = false, plain = true
        for x in b {
            if x == 0x27 { single = true } else if x == 0x22 { double = true }
            else if x < 0x20 || x == 0x5c || x == 0x7f { plain = false }
        }
        let q: UInt8 = single && !double ? 0x22 : 0x27
        out.append(q)
        // Most strs need no escape at all (the quote is escaped only when both kinds occur).
        if plain && !(single && double) {
            out.append(contentsOf: b)
            out.append(q)
            return
        }
        for x in b {
            if writeNamedEscape(x, into: &out) { continue }
            if x == q { out.append(0x5c); out.append(q) }
            else if x < 0x20 || x == 0x7f { writeHexEscape(x, into: &out) }
            else { out.append(x) }
        }
        out.append(q)
    }

    static func bytes(_ b: [UInt8]) -> String {
        var out: [UInt8] = []
        writeBytes(b, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `repr(bytes)`.
    static func writeBytes(_ b: [UInt8], into out: inout [UInt8]) {
        let q: UInt8 = b.contains(0x27) && !b.contains(0x22) ? 0x22 : 0x27
        out.append(UInt8(ascii: "b"))
        out.append(q)
        for x in b {
            if writeNamedEscape(x, into: &out) { continue }
            if x >= 0x20 && x < 0x7f {
                if x == q { out.append(0x5c) }
                out.append(x)
            } else {
                writeHexEscape(x, into: &out)
            }
        }
        out.append(q)
    }

    /// `\\`, `\n`, `\r`, `\t`, as both str and bytes reprs write them; false for any other byte.
    private static func writeNamedEscape(_ x: UInt8, into out: inout [UInt8]) -> Bool {
        let name: UInt8
        switch x {
        case 0x5c: name = 0x5c
        case 0x0a: name = UInt8(ascii: "n")
        case 0x0d: name = UInt8(ascii: "r")
        case 0x09: name = UInt8(ascii: "t")
        default: return false
        }
        out.append(0x5c)
        out.append(name)
        return true
    }

    private static func writeHexEscape(_ x: UInt8, into out: inout [UInt8]) {
        out.append(0x5c)
        out.append(UInt8(ascii: "x"))
        out.append(hexDigit(x >> 4))
        out.append(hexDigit(x & 15))
    }

    private static func hexDigit(_ d: UInt8) -> UInt8 { d < 10 ? UInt8(ascii: "0") + d : UInt8(ascii: "a") + d - 10 }
}
