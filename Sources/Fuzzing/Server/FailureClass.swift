import MessagePack

/// What a failure is, from the target's own evidence (issue 13): an error-path death is named by
/// the exception line of the traceback the target wrote (`dead|NotImplementedError: 64 bit
/// types`); a signal, hang or silent death by its oracle and the hostile feature of the culprit
/// request as the device lint classifies it (`signal|signal:11|str32-length`). The shape of a
/// harmless request next to the culprit never enters a signature.
package enum FailureClass {
    /// The oracles that mean the target (or its RPC task) died or stopped answering.
    static let deaths = Set([OracleKind.exit, .signal, .hang, .liveness, .disconnect].map(\.rawValue))

    /// The normalised exception line of the last traceback written raw onto a reply stream
    /// (where a reply would start: not the traceback inside an exception reply), or nil.
    package static func exception(inReplies replies: ArraySlice<UInt8>) -> String? {
        let bytes = Array(replies)
        let starts = bytes.withUnsafeBufferPointer { ReplyScan($0).objects.map(\.start) }
        guard let start = starts.last(where: { bytes[$0] == marker[0] && bytes[$0...].starts(with: marker) }) else { return nil }
        return exception(in: bytes[start...])
    }

    /// The normalised exception line of the last traceback in `text` (a program's output), or
    /// nil when there is no traceback with an exception line.
    package static func exception<C: Collection>(in text: C) -> String? where C.Element == UInt8 {
        let bytes = Array(text)
        guard let start = lastIndex(of: marker, in: bytes) else { return nil }
        let s = String(decoding: bytes[(start + marker.count)...].map { $0 >= 0x20 && $0 < 0x7f || $0 == 0x0a ? $0 : 0x0a },
                       as: UTF8.self)
        // The exception line: the first line after the frames that is not indented.
        for line in s.split(separator: "\n") where !line.isEmpty {
            if line.first == " " || line.first == "\t" { continue }
            let n = normalise(String(line))
            return n.isEmpty ? nil : n
        }
        return nil
    }

    /// Numbers (three digits or more), addresses, paths and quoted names removed: the class, not
    /// the instance. A quoted type name (`'NoneType' object`) stays: it names the class.
    package static func normalise(_ line: String) -> String {
        // What follows these phrases is a name, whatever bytes it holds (quotes, line ends).
        for phrase in ["has no attribute", "no module named"] {
            if let r = line.range(of: phrase) { return normalise(String(line[..<r.lowerBound])) + " " + phrase + " '…'" }
        }
        // Paths: any word with a slash.
        let words = line.split(separator: " ", omittingEmptySubsequences: false).map { $0.contains("/") ? "…" : $0 }
        let s = Array(words.joined(separator: " "))
        var out = ""
        var i = 0
        var lastWasNumber = false
        while i < s.count {
            let ch = s[i]
            if ch == "'" || ch == "\"", i == 0 || !s[i - 1].isLetter {
                // A quoted token: kept when it is a type name, else '…' up to the line's last
                // quote (a name may hold quotes itself) or its end.
                var j = i + 1
                while j < s.count && s[j] != ch { j += 1 }
                let token = String(s[(i + 1)..<min(j, s.count)])
                let rest = String(s[min(j + 1, s.count)...])
                let isType = rest.hasPrefix(" object") && !token.isEmpty && token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }
                if isType { out += "\(ch)\(token)\(ch)" } else {
                    out += "\(ch)…\(ch)"
                    j = max(j, s.lastIndex(of: ch) ?? j)
                    // A known tail after the name stays (`NameError: name '…' isn't defined`).
                    if let k = s[i...].indices.first(where: { s[$0] == ch && String(s[($0 + 1)...]).hasPrefix(" isn't") }) { j = k }
                }
                i = j + 1
                lastWasNumber = false
                continue
            }
            if ch == "0", i + 1 < s.count, s[i + 1] == "x" {
                // A hex address.
                var j = i + 2
                while j < s.count, s[j].isHexDigit { j += 1 }
                if !lastWasNumber { out.append("#") }
                lastWasNumber = true
                i = j
                continue
            }
            if ch.isNumber {
                // Sizes, counts and ids (three digits or more) vary; `64 bit` and `Errno 11` name the class.
                var j = i
                while j < s.count, s[j].isNumber { j += 1 }
                if j - i >= 3 { if !lastWasNumber { out.append("#") } } else { out += String(s[i..<j]) }
                lastWasNumber = j - i >= 3
                i = j
                continue
            }
            out.append(ch)
            lastWasNumber = false
            i += 1
        }
        return out.trimmingSpaces
    }

    /// The culprit of a case, as the device reads it (one stream: an object left open in one
    /// message goes on in the next): the message where the first crash-class feature starts,
    /// else the first other hostile feature; nil when there is none.
    package static func culprit(_ c: FuzzCase) -> (index: Int, feature: String)? {
        var stream: [UInt8] = []
        var ends: [Int] = []
        for m in c.messages { stream += m.bytes; ends.append(stream.count) }
        let lint = DeviceLint.lint(stream)
        func message(_ offset: Int) -> Int { ends.firstIndex { offset < $0 } ?? max(0, ends.count - 1) }
        if let f = lint.first(where: { $0.severity == .crash }) { return (message(f.offset), feature(f.id)) }
        // The stream walk stops at the first object it cannot read (a cut message, a refused
        // byte): a crash header in a later message is then found in that message on its own.
        for (k, m) in c.messages.enumerated() {
            if let f = DeviceLint.lint(m.bytes).first(where: { $0.severity == .crash }) { return (k, feature(f.id)) }
        }
        if let f = lint.first(where: { $0.severity == .refused && $0.id != "truncated" }) { return (message(f.offset), feature(f.id)) }
        if let f = lint.first(where: { $0.id == "truncated" }) { return (message(f.offset), "truncated") }
        return nil
    }

    static let crashFeatures: Set<String> = ["bin32-length", "str32-length", "ext32-length", "array32-count", "map32-count", "nesting"]

    /// `str32-length-overflow` → `str32-length`, `float64-refused` → `float64`.
    package static func feature(_ lintID: String) -> String {
        for suffix in ["-overflow", "-refused"] where lintID.hasSuffix(suffix) { return String(lintID.dropLast(suffix.count)) }
        return lintID
    }

    /// The end of a culprit's hostile header: what a reproducer needs besides the filler after it.
    package static func requestBytes(_ bytes: [UInt8]) -> Int {
        let lint = DeviceLint.lint(bytes)
        guard let f = lint.first(where: { $0.severity == .crash }), f.offset < bytes.count else { return bytes.count }
        if f.id == "nesting-overflow" { return bytes.count }
        return min(bytes.count, f.offset + Format.headerLength(firstByte: bytes[f.offset]))
    }

    private static let marker = Array("Traceback (most recent call last):".utf8)

    private static func lastIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = hay.count - needle.count
        while i >= 0 {
            if hay[i] == needle[0], hay[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i -= 1
        }
        return nil
    }
}
