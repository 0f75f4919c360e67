/// Why a frame was not decoded down to TCP, as a trivial value: the decoder's hot path carries no
/// `String` (copying and dropping its result costs nothing); the text is made only when asked for.
struct NotTCP: Equatable {
    enum Style: Equatable {
        case plain, decimal, hex4
    }

    /// The text before the value (all of it for `.plain`).
    var prefix: StaticString
    var value: Int64
    var style: Style
    /// The text after the value.
    var suffix: StaticString

    init(_ text: StaticString) {
        (prefix, value, style, suffix) = (text, 0, .plain, "")
    }

    /// `prefix`, `value` in decimal, then `suffix`.
    init<V: BinaryInteger>(_ prefix: StaticString, _ value: V, _ suffix: StaticString = "") {
        (self.prefix, self.value, style, self.suffix) = (prefix, Int64(value), .decimal, suffix)
    }

    /// `prefix`, then `value` as four lower-case hex digits.
    init(_ prefix: StaticString, hex4 value: UInt16) {
        (self.prefix, self.value, style, suffix) = (prefix, Int64(value), .hex4, "")
    }

    static func == (x: NotTCP, y: NotTCP) -> Bool { x.description == y.description }

    var description: String {
        let head = prefix.description
        switch style {
        case .plain: return head
        case .decimal: return head + String(value) + suffix.description
        case .hex4: return head + hex16(UInt16(truncatingIfNeeded: value)) + suffix.description
        }
    }
}
