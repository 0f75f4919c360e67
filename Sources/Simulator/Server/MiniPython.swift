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

    func eval(_ source: String) throws -> PyValue {
        var p = Parser(tokens: try tokenize(source), session: session)
        let v = try p.expression()
        guard p.pos == p.tokens.count else { throw PyException("SyntaxError", "invalid syntax") }
        return v
    }
}
