/// The small part of Python that `ex` programs sent to the simulator may use: assignments,
/// expression statements (calls, `print`), `import`, `for … in …:` and `if/else` blocks,
/// literals, names, attributes, calls, arithmetic and comparisons. Anything else raises
/// NotImplementedError naming the construct (the simulator is not a Python interpreter).
struct MiniPython {
    unowned let session: DeviceSession

    init(session: DeviceSession) { self.session = session }

    // MARK: Lines and blocks

    struct Line { var indent: Int; var text: String; var number: Int }

    func exec(_ source: String) throws {
        var lines: [Line] = []
        for (i, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = String(raw).replacingTabs
            let stripped = text.trimmingSpaces
            if stripped.isEmpty || stripped.hasPrefix("#") { continue }
            let indent = text.prefix { $0 == " " }.count
            for part in splitSemicolons(stripped) { lines.append(Line(indent: indent, text: part, number: i + 1)) }
        }
        var i = 0
        try block(lines, &i, indent: lines.first?.indent ?? 0)
    }

    private func splitSemicolons(_ s: String) -> [String] {
        var parts: [String] = [], cur = "", quote: Character? = nil
        for c in s {
            if let q = quote { if c == q { quote = nil } ; cur.append(c); continue }
            if c == "'" || c == "\"" { quote = c }
            if c == ";" { parts.append(cur.trimmingSpaces); cur = ""; continue }
            cur.append(c)
        }
        if !cur.trimmingSpaces.isEmpty { parts.append(cur.trimmingSpaces) }
        return parts
    }

    private func block(_ lines: [Line], _ i: inout Int, indent: Int) throws {
        while i < lines.count, lines[i].indent >= indent {
            guard lines[i].indent == indent else { throw syntax("unexpected indent", lines[i]) }
            try statement(lines, &i, indent: indent)
        }
    }

    private func body(_ lines: [Line], _ i: inout Int, header: Line) -> (start: Int, end: Int, indent: Int) {
        let start = i
        guard i < lines.count, lines[i].indent > header.indent else { return (start, start, -1) }
        let ind = lines[i].indent
        while i < lines.count, lines[i].indent >= ind { i += 1 }
        return (start, i, ind)
    }

    private func statement(_ lines: [Line], _ i: inout Int, indent: Int) throws {
        let line = lines[i]
        let t = line.text
        i += 1
        do {
            if t.hasPrefix("for ") && t.hasSuffix(":") {
                let inner = String(t.dropFirst(4).dropLast())
                guard let r = inner.range(of: " in ") else { throw syntax("invalid syntax", line) }
                let name = String(inner[..<r.lowerBound]).trimmingSpaces
                let iterable = try eval(String(inner[r.upperBound...]))
                let b = body(lines, &i, header: line)
                if b.indent < 0 { throw syntax("expected an indented block", line) }
                for v in try PyOps.iterate(iterable) {
                    session.globals[name] = v
                    var j = 0
                    try block(Array(lines[b.start..<b.end]), &j, indent: b.indent)
                }
                return
            }
            if (t.hasPrefix("if ") || t.hasPrefix("while ")) && t.hasSuffix(":") {
                let isWhile = t.hasPrefix("while ")
                let cond = String(t.dropFirst(isWhile ? 6 : 3).dropLast())
                let b = body(lines, &i, header: line)
                if b.indent < 0 { throw syntax("expected an indented block", line) }
                var elseBody: (start: Int, end: Int, indent: Int)? = nil
                if !isWhile, i < lines.count, lines[i].indent == indent, lines[i].text == "else:" {
                    let elseLine = lines[i]
                    i += 1
                    elseBody = body(lines, &i, header: elseLine)
                }
                var rounds = 0
                repeat {
                    if try eval(cond).truthy {
                        var j = 0
                        try block(Array(lines[b.start..<b.end]), &j, indent: b.indent)
                    } else {
                        if let e = elseBody { var j = 0; try block(Array(lines[e.start..<e.end]), &j, indent: e.indent) }
                        break
                    }
                    rounds += 1
                } while isWhile && rounds < 100_000
                return
            }
            if t == "pass" { return }
            if t.hasPrefix("import ") {
                for name in t.dropFirst(7).split(separator: ",") {
                    let parts = name.split(separator: " ").map(String.init)
                    let module = try session.importModule(parts[0])
                    session.globals[parts.count == 3 && parts[1] == "as" ? parts[2] : parts[0]] = .object(module)
                }
                return
            }
            if t.hasPrefix("from ") {
                let words = t.split(separator: " ").map(String.init)
                guard words.count >= 4, words[2] == "import" else { throw syntax("invalid syntax", line) }
                let module = try session.importModule(words[1])
                for name in words[3...].joined().split(separator: ",") {
                    session.globals[String(name)] = try module.getAttr(String(name))
                }
                return
            }
            if let eq = assignment(t) {
                let target = String(t[..<eq]).trimmingSpaces
                let value = try eval(String(t[t.index(after: eq)...]))
                if let dot = target.lastIndex(of: ".") {
                    guard case .object(let o) = try eval(String(target[..<dot])) else {
                        throw PyException("AttributeError", "can't set attribute")
                    }
                    try o.setAttr(String(target[target.index(after: dot)...]), value)
                } else {
                    session.globals[target] = value
                }
                return
            }
            for kw in ["def ", "class ", "try:", "with ", "lambda", "return", "yield", "async ", "await ", "global "] where t.hasPrefix(kw) {
                throw PyException("NotImplementedError", "urpc-sim's ex runs a Python subset: '\(kw.trimmingSpaces)' is not supported")
            }
            _ = try eval(t)
        } catch var e as PyException {
            if e.frames.isEmpty || e.frames.first?.file != "<string>" {
                e = e.adding(PyException.Frame("<string>", line.number, "<module>"))
            }
            throw e
        }
    }

    /// The `=` of a simple assignment (not `==`, `<=`, `>=`, `!=`, not inside parentheses or quotes).
    private func assignment(_ t: String) -> String.Index? {
        var depth = 0, quote: Character? = nil
        var i = t.startIndex
        while i < t.endIndex {
            let c = t[i]
            if let q = quote { if c == q { quote = nil } }
            else if c == "'" || c == "\"" { quote = c }
            else if "([{".contains(c) { depth += 1 }
            else if ")]}".contains(c) { depth -= 1 }
            else if c == "=", depth == 0 {
                let next = t.index(after: i)
                let prev = i > t.startIndex ? t[t.index(before: i)] : " "
                if (next < t.endIndex && t[next] == "=") || "=<>!".contains(prev) { i = t.index(after: next < t.endIndex ? next : i); continue }
                return i
            }
            i = t.index(after: i)
        }
        return nil
    }

    private func syntax(_ msg: String, _ line: Line) -> PyException {
        PyException("SyntaxError", msg, frames: [PyException.Frame("<string>", line.number, "<module>")])
    }

    // MARK: Expressions

    enum Token: Equatable { case int(Int64), float(Float), str([UInt8], bytes: Bool), name(String), op(String) }

    func eval(_ source: String) throws -> PyValue {
        var p = Parser(tokens: try tokenize(source), session: session)
        let v = try p.expression()
        guard p.pos == p.tokens.count else { throw PyException("SyntaxError", "invalid syntax") }
        return v
    }

    func tokenize(_ s: String) throws -> [Token] {
        var out: [Token] = []
        let c = Array(s.unicodeScalars)
        var i = 0
        while i < c.count {
            let ch = c[i]
            if ch == " " { i += 1; continue }
            if ch.properties.numericType != nil && ch.value < 128 {
                var j = i
                while j < c.count, (c[j].value >= 48 && c[j].value <= 57) || c[j] == "." || c[j] == "_" || c[j] == "x" || c[j] == "e"
                        || (c[j].value >= 97 && c[j].value <= 102 && String(c[i...min(i + 1, c.count - 1)].map(Character.init)).hasPrefix("0x")) { j += 1 }
                let text = String(String.UnicodeScalarView(c[i..<j])).replacingOccurrences(of: "_", with: "")
                if text.hasPrefix("0x"), let v = Int64(text.dropFirst(2), radix: 16) { out.append(.int(v)) }
                else if let v = Int64(text) { out.append(.int(v)) }
                else if let f = Float(text) { out.append(.float(f)) }
                else { throw PyException("SyntaxError", "invalid syntax for number") }
                i = j
                continue
            }
            var isBytes = false
            if (ch == "b" || ch == "B"), i + 1 < c.count, c[i + 1] == "'" || c[i + 1] == "\"" { isBytes = true; i += 1 }
            if c[i] == "'" || c[i] == "\"" {
                let q = c[i]
                var j = i + 1
                var bytes: [UInt8] = []
                while j < c.count, c[j] != q {
                    if c[j] == "\\", j + 1 < c.count {
                        j += 1
                        switch c[j] {
                        case "n": bytes.append(10)
                        case "r": bytes.append(13)
                        case "t": bytes.append(9)
                        case "0": bytes.append(0)
                        case "x" where j + 2 < c.count:
                            bytes.append(UInt8(String(String.UnicodeScalarView(c[(j + 1)...(j + 2)])), radix: 16) ?? 0)
                            j += 2
                        default: bytes.append(contentsOf: Array(String(Character(c[j])).utf8))
                        }
                    } else {
                        bytes.append(contentsOf: Array(String(Character(c[j])).utf8))
                    }
                    j += 1
                }
                guard j < c.count else { throw PyException("SyntaxError", "unterminated string") }
                out.append(.str(bytes, bytes: isBytes))
                i = j + 1
                continue
            }
            if ch.properties.isAlphabetic || ch == "_" {
                var j = i
                while j < c.count, c[j].properties.isAlphabetic || c[j] == "_" || (c[j].value >= 48 && c[j].value <= 57) { j += 1 }
                out.append(.name(String(String.UnicodeScalarView(c[i..<j]))))
                i = j
                continue
            }
            let two = i + 1 < c.count ? String(String.UnicodeScalarView(c[i...(i + 1)])) : ""
            if ["==", "!=", "<=", ">=", "//", "**"].contains(two) { out.append(.op(two)); i += 2; continue }
            if "+-*/%<>()[]{},.:=".unicodeScalars.contains(ch) { out.append(.op(String(Character(ch)))); i += 1; continue }
            throw PyException("SyntaxError", "invalid syntax")
        }
        return out
    }

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

extension String {
    var replacingTabs: String { replacingOccurrences(of: "\t", with: "    ") }

    func replacingOccurrences(of a: String, with b: String) -> String {
        guard !a.isEmpty else { return self }
        var out = "", rest = Substring(self)
        while let r = rest.range(of: a) {
            out += rest[..<r.lowerBound]; out += b
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension StringProtocol {
    func range(of s: String) -> Range<Index>? {
        guard !s.isEmpty, count >= s.count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(s) { return i..<index(i, offsetBy: s.count) }
            i = index(after: i)
        }
        return nil
    }
}
