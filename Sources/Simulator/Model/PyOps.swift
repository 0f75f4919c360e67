/// Python operators on simulated values (the subset server code and `ex` programs use).
enum PyOps {
    static func binary(_ op: String, _ a: PyValue, _ b: PyValue) throws -> PyValue {
        switch (op, a, b) {
        case let ("+", .str(x), .str(y)): return .str(x + y)
        case let ("+", .bytes(x), .bytes(y)): return .bytes(x + y)
        case let ("+", .tuple(x), .tuple(y)): return .tuple(x + y)
        case let ("+", .list(x), .list(y)): return .list(x + y)
        case let ("*", .str(x), .int(n)), let ("*", .int(n), .str(x)):
            guard x.isEmpty || n <= Int64(maxObject / x.count) else { throw memory(x.count, n) }
            return .str(Array([[UInt8]](repeating: x, count: max(0, Int(n))).joined()))
        case let ("*", .bytes(x), .int(n)), let ("*", .int(n), .bytes(x)):
            guard x.isEmpty || n <= Int64(maxObject / x.count) else { throw memory(x.count, n) }
            return .bytes(Array([[UInt8]](repeating: x, count: max(0, Int(n))).joined()))
        case let ("%", .str(x), _): return .str(x)
        default: break
        }
        if ["==", "!=", "<", ">", "<=", ">="].contains(op) { return try compare(op, a, b) }
        guard isNumber(a), isNumber(b) else { throw unsupported(op, a, b) }
        if case .float = a { return try floatOp(op, try Args.float(a), try Args.float(b)) }
        if case .float = b { return try floatOp(op, try Args.float(a), try Args.float(b)) }
        let x = try Args.int(a), y = try Args.int(b)
        switch op {
        case "+": let (r, o) = x.addingReportingOverflow(y); if o { throw overflow() }; return .int(r)
        case "-": let (r, o) = x.subtractingReportingOverflow(y); if o { throw overflow() }; return .int(r)
        case "*": let (r, o) = x.multipliedReportingOverflow(by: y); if o { throw overflow() }; return .int(r)
        case "/":
            if y == 0 { throw PyException("ZeroDivisionError", "divide by zero") }
            return .float(Float(x) / Float(y))
        case "//":
            if y == 0 { throw PyException("ZeroDivisionError", "divide by zero") }
            var q = x / y; if (x % y != 0) && ((x < 0) != (y < 0)) { q -= 1 }
            return .int(q)
        case "%":
            if y == 0 { throw PyException("ZeroDivisionError", "divide by zero") }
            var r = x % y; if r != 0 && ((r < 0) != (y < 0)) { r += y }
            return .int(r)
        case "**":
            if y < 0 { return .float(Float(pow(Double(x), Double(y)))) }
            // Exponentiation by squaring: a huge exponent costs 64 steps, not y.
            var r: Int64 = 1, base = x, e = y
            while e > 0 {
                if e & 1 == 1 { let (m, o) = r.multipliedReportingOverflow(by: base); if o { throw overflow() }; r = m }
                e >>= 1
                if e > 0 { let (b2, o) = base.multipliedReportingOverflow(by: base); if o && base.magnitude > 1 { throw overflow() }; base = b2 }
            }
            return .int(r)
        default: throw unsupported(op, a, b)
        }
    }

    static func isNumber(_ v: PyValue) -> Bool {
        switch v { case .int, .float, .bool: return true; default: return false }
    }

    static func floatOp(_ op: String, _ x: Float, _ y: Float) throws -> PyValue {
        switch op {
        case "+": return .float(x + y)
        case "-": return .float(x - y)
        case "*": return .float(x * y)
        case "/":
            if y == 0 { throw PyException("ZeroDivisionError", "divide by zero") }
            return .float(x / y)
        case "**": return .float(Float(pow(Double(x), Double(y))))
        default: throw PyException("TypeError", "unsupported types for \(opName(op)): 'float', 'float'")
        }
    }

    static func compare(_ op: String, _ a: PyValue, _ b: PyValue) throws -> PyValue {
        switch op {
        case "==": return .bool(a.pyEquals(b))
        case "!=": return .bool(!a.pyEquals(b))
        default: break
        }
        let ord: Int
        if let x = a.numeric, let y = b.numeric { ord = x < y ? -1 : (x > y ? 1 : 0) }
        else if case let (.str(x), .str(y)) = (a, b) { ord = x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1) }
        else if case let (.bytes(x), .bytes(y)) = (a, b) { ord = x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1) }
        else { throw unsupported(op, a, b) }
        switch op {
        case "<": return .bool(ord < 0)
        case ">": return .bool(ord > 0)
        case "<=": return .bool(ord <= 0)
        default: return .bool(ord >= 0)
        }
    }

    static func opName(_ op: String) -> String {
        ["+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "//": "__floordiv__",
         "%": "__mod__", "**": "__pow__", "<": "__lt__", ">": "__gt__", "<=": "__le__", ">=": "__ge__"][op] ?? op
    }

    static func unsupported(_ op: String, _ a: PyValue, _ b: PyValue) -> PyException {
        PyException("TypeError", "unsupported types for \(opName(op)): '\(a.typeName)', '\(b.typeName)'")
    }

    /// The largest str/bytes a program may build on the simulated heap (the device has ~100 kB).
    static let maxObject = 1 << 20

    static func memory(_ count: Int, _ n: Int64) -> PyException {
        PyException("MemoryError", "memory allocation failed, allocating \(count) * \(n) bytes")
    }

    static func overflow() -> PyException { PyException("OverflowError", "small int overflow") }

    /// Iterates a value as `*args` or a `for` loop would.
    static func iterate(_ v: PyValue) throws -> [PyValue] {
        switch v {
        case .tuple(let a), .list(let a): return a
        case .bytes(let b): return b.map { .int(Int64($0)) }
        case .str(let b): return String(decoding: b, as: UTF8.self).map { .string(String($0)) }
        case .dict(let d): return d.map(\.key)
        default: throw PyException("TypeError", "'\(v.typeName)' object isn't iterable")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
