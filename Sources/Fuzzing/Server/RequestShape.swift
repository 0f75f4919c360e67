import MessagePack

/// The shape of a request for signatures: the command and the kinds of its arguments,
/// `["cm",ext1,str,array,map]`, or the kind of a non-array (`bin32`, `invalid`).
package enum RequestShape {
    /// `["cm"]/5`, `not-an-array`, or a 32-bit header kind (`bin32`, `array32` …) that is what
    /// the device trips over.
    /// The coarse shapes that are what a device trips over, rather than what a request says.
    static let faultLike: Set<String> = ["bin32", "str32", "ext32", "array32", "map32", "deep-nesting"]

    /// The 32-bit length and count formats (the device's allocation arithmetic wraps on them).
    static let wide: Set<Format> = [.bin32, .str32, .ext32, .array32, .map32]

    package static func isFaultLike(_ bytes: [UInt8]) -> Bool { faultLike.contains(coarse(bytes)) }

    package static func coarse(_ bytes: [UInt8]) -> String {
        guard let first = bytes.first else { return "empty" }
        let format = Format(byte: first)
        if wide.contains(format) { return format.description }
        if Framing.depth(bytes) > 64 { return "deep-nesting" }
        guard format == .fixarray || format == .array16 else { return "not-an-array" }
        let detailed = describe(bytes)
        let count = MessageStructure(bytes).spans.first?.header.count ?? 0
        // The command when it is a plain string, else the kind of the first element.
        let open = detailed.firstIndex(of: "[").map { detailed.index(after: $0) } ?? detailed.startIndex
        let inner = detailed[open...].prefix { $0 != "," && $0 != "]" }
        // Arity only matters for a command; for nested data the kind says it (deep nesting).
        return inner.hasPrefix("\"") ? "[\(inner)]/\(count)" : "[\(inner)]"
    }

    package static func describe(_ bytes: [UInt8]) -> String {
        let s = MessageStructure(bytes)
        guard let top = s.spans.first else { return bytes.isEmpty ? "empty" : "invalid" }
        func kind(_ sp: MessageStructure.Span) -> String {
            let format = Format(byte: bytes[sp.start])
            let wide = Self.wide.contains(format)
            switch sp.header.kind {
            case .scalar:
                switch format {
                case .nil: return "nil"
                case .false, .true: return "bool"
                case .float32, .float64: return "float"
                default: return "int"
                }
            case .str: return wide ? "str32" : "str"
            case .bin: return wide ? "bin32" : "bin"
            case .ext(let t): return (wide ? "ext32:" : "ext") + String(t)
            case .array: return wide ? "array32" : "array"
            case .map: return wide ? "map32" : "map"
            case .invalid: return "invalid"
            }
        }
        guard top.header.kind == .array, top.header.count > 0, s.spans.count > 1 else { return kind(top) }
        // Direct children of the top array.
        var parts: [String] = []
        var i = 1
        while i < s.spans.count, parts.count < top.header.count, s.spans[i].start < top.end {
            let child = s.spans[i]
            if parts.isEmpty, case .str = child.header.kind, child.header.count <= 8, child.end <= bytes.count {
                let name = bytes[(child.end - child.header.count)..<child.end]
                if name.allSatisfy({ $0 >= 0x21 && $0 < 0x7f }) {
                    parts.append("\"" + String(decoding: name, as: UTF8.self) + "\"")
                } else { parts.append(kind(child)) }
            } else { parts.append(kind(child)) }
            // Skip the child's descendants.
            var j = i + 1
            while j < s.spans.count, s.spans[j].start < child.end { j += 1 }
            i = j
        }
        let prefix = Format(byte: bytes[top.start]) == .array32 ? "array32" : ""
        return prefix + "[" + parts.joined(separator: ",") + (parts.count < top.header.count ? ",…" : "") + "]"
    }
}
