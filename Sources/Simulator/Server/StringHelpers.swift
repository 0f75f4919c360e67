/// The few string helpers MiniPython needs (Foundation-free).
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
