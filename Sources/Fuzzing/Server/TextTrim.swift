/// Spaces and line ends trimmed from both ends (target output, exception lines).
extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
