/// The tokens of an `ex` expression.
extension MiniPython {
    enum Token: Equatable { case int(Int64), float(Float), str([UInt8], bytes: Bool), name(String), op(String) }

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
}
