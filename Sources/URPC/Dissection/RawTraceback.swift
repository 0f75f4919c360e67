import Capture

/// The published server's broken error path (spec §7): a Python traceback written as raw ASCII
/// onto the RPC stream. Its last line names the exception; where the capture shows why it was
/// written, that is its trigger.
package enum ErrorTrigger: String, Sendable {
    /// The client closed its side with nothing outstanding (`EOFError`).
    case eof
    /// The server's read timed out while a client message was still arriving (`short read`).
    case shortRead = "short-read"
    /// A complete request failed.
    case request
}

/// The raw traceback being read on the server side.
struct TracebackState {
    var text: [UInt8] = []
    var start = 0
    var firstFrame = 0
    var trigger = ErrorTrigger.request

    static let prefix = Array("Traceback (most recent call last):".utf8)

    @inline(__always)
    static func isText(_ b: UInt8) -> Bool { b == 0x09 || b == 0x0a || b == 0x0d || (0x20...0x7e).contains(b) }

    /// The traceback is complete once a line that is not indented (the exception line) has ended
    /// after the header line: nothing the server writes after it belongs to the traceback.
    var isComplete: Bool {
        guard text.last == 0x0a, text.count > Self.prefix.count + 1 else { return false }
        var lineStart = text.count - 1
        while lineStart > 0, text[lineStart - 1] != 0x0a { lineStart -= 1 }
        guard lineStart > Self.prefix.count else { return false }
        return text[lineStart] != 0x20 && text[lineStart] != 0x09
    }

    /// The exception line of a traceback's text: its last non-empty line (`ValueError: short read`).
    static func exceptionLine<C: Collection>(_ text: C) -> String where C.Element == UInt8 {
        let s = String(decoding: text, as: UTF8.self)
        let line = s.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).last { !$0.allSatisfy(\.isWhitespace) }
        return line.map(String.init) ?? ""
    }
}
