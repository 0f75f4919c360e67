/// A recursive-descent parser that evaluates as it parses (nesting bounded, see `unary`).
extension MiniPython {
    struct Parser {
        var tokens: [Token]
        var pos = 0
        var depth = 0
        unowned let session: DeviceSession

        init(tokens: [Token], session: DeviceSession) { self.tokens = tokens; self.session = session }

        var peek: Token? { pos < tokens.count ? tokens[pos] : nil }
        mutating func take(_ op: String) -> Bool {
            if peek == .op(op) { pos += 1; return true }
            return false
        }
        mutating func expect(_ op: String) throws {
            guard take(op) else { throw PyException("SyntaxError", "invalid syntax") }
        }

        mutating func expression() throws -> PyValue {
            let first = try notExpr()
            guard peek == .op(",") else { return first }
            var items = [first]
            while take(",") { if peek == nil || peek == .op(")") { break }; items.append(try notExpr()) }
            return .tuple(items)
        }

        mutating func notExpr() throws -> PyValue {
            if peek == .name("not") { pos += 1; return .bool(!(try notExpr()).truthy) }
            var v = try comparison()
            while peek == .name("and") || peek == .name("or") {
                let isAnd = peek == .name("and"); pos += 1
                let r = try comparison()
                v = isAnd ? (v.truthy ? r : v) : (v.truthy ? v : r)
            }
            return v
        }

        mutating func comparison() throws -> PyValue {
            var v = try sum()
            while case .op(let o) = peek, ["==", "!=", "<", ">", "<=", ">="].contains(o) {
                pos += 1
                v = try PyOps.binary(o, v, try sum())
            }
            return v
        }

        mutating func sum() throws -> PyValue {
            var v = try product()
            while case .op(let o) = peek, o == "+" || o == "-" {
                pos += 1
                v = try PyOps.binary(o, v, try product())
            }
            return v
        }

        mutating func product() throws -> PyValue {
            var v = try unary()
            while case .op(let o) = peek, ["*", "/", "//", "%"].contains(o) {
                pos += 1
                v = try PyOps.binary(o, v, try unary())
            }
            return v
        }

        mutating func unary() throws -> PyValue {
            // Bounded nesting: a hostile `ex` string must not overflow the server's stack.
            depth += 1
            defer { depth -= 1 }
            if depth > 100 { throw PyException("RuntimeError", "maximum recursion depth exceeded") }
            if take("-") { return try PyOps.binary("-", .int(0), try unary()) }
            if take("+") { return try unary() }
            let base = try postfix()
            if take("**") { return try PyOps.binary("**", base, try unary()) }
            return base
        }

        mutating func postfix() throws -> PyValue {
            var v = try atom()
            while true {
                if take(".") {
                    guard case .name(let n) = peek else { throw PyException("SyntaxError", "invalid syntax") }
                    pos += 1
                    v = try DeviceSession.getattr(v, .string(n))
                } else if take("(") {
                    var args: [PyValue] = [], kwargs: [(key: String, value: PyValue)] = []
                    while !take(")") {
                        if case .name(let k) = peek, pos + 1 < tokens.count, tokens[pos + 1] == .op("=") {
                            pos += 2
                            kwargs.append((k, try notExpr()))
                        } else {
                            args.append(try notExpr())
                        }
                        if !take(",") { try expect(")"); break }
                    }
                    guard case .object(let f) = v else { throw PyException.notCallable(v) }
                    v = try f.call(args, kwargs, session)
                } else if take("[") {
                    let index = try expression()
                    try expect("]")
                    v = try item(v, index)
                } else {
                    return v
                }
            }
        }

        func item(_ v: PyValue, _ i: PyValue) throws -> PyValue {
            switch v {
            case .tuple(let a), .list(let a):
                var k = Int(try Args.int(i)); if k < 0 { k += a.count }
                guard a.indices.contains(k) else { throw PyException("IndexError", "index out of range") }
                return a[k]
            case .dict(let d):
                guard let e = d.first(where: { $0.key.pyEquals(i) }) else { throw PyException("KeyError", args: [i]) }
                return e.value
            default: throw PyException("TypeError", "'\(v.typeName)' object isn't subscriptable")
            }
        }

        mutating func atom() throws -> PyValue {
            guard let t = peek else { throw PyException("SyntaxError", "invalid syntax") }
            pos += 1
            switch t {
            case .int(let v): return .int(v)
            case .float(let v): return .float(v)
            case .str(let b, let isBytes): return isBytes ? .bytes(b) : .str(b)
            case .name(let n):
                switch n {
                case "None": return .none
                case "True": return .bool(true)
                case "False": return .bool(false)
                default:
                    if let v = session.globals[n] { return v }
                    if let f = BuiltinsModule.functions(id: { [unowned session] in session.pyID($0) }).first(where: { $0.0 == n }) {
                        return .object(BuiltinFunction(name: n, address: session.staticAddress(n), function: f.1))
                    }
                    throw PyException("NameError", "name '\(n)' isn't defined")
                }
            case .op("("):
                if take(")") { return .tuple([]) }
                let v = try expression()
                try expect(")")
                return v
            case .op("["):
                var items: [PyValue] = []
                while !take("]") {
                    items.append(try notExpr())
                    if !take(",") { try expect("]"); break }
                }
                return .list(items)
            default:
                throw PyException("SyntaxError", "invalid syntax")
            }
        }
    }
}
