import URPC

/// The server's reply bytes of one case, cut into top-level objects with the proxy ids born in
/// them, without building values.
struct ReplyScan {
    struct Object: Equatable {
        var start: Int
        var end: Int
        /// A console-output `ExtType(3)` (may precede a reply during `ex`/`cm`).
        var isConsole: Bool
        /// A top-level positive fixint that is printable ASCII (a traceback read as msgpack).
        var isTextLike: Bool
    }

    var objects: [Object] = []
    /// Proxy ids (`ExtType(1, 4-byte id)`) anywhere in the replies.
    var proxyIDs: [UInt32] = []
    /// Offset of a byte that is not MessagePack (`c1`), if any.
    var invalidAt: Int?
    /// Bytes left after the last complete object.
    var trailing = 0
    /// Longest run of consecutive text-like top-level objects.
    var longestTextRun = 0

    init(_ p: UnsafeBufferPointer<UInt8>) {
        var i = 0
        var stack: [Int] = []
        var start = 0
        var console = false
        var run = 0
        while i < p.count {
            if stack.isEmpty { start = i; console = false }
            guard let h = WireHeader.read(p, i, device: false) else { trailing = p.count - start; return }
            switch h.kind {
            case .invalid:
                invalidAt = i
                trailing = p.count - start
                return
            case .array, .map:
                i += h.length
                if h.items > 0 {
                    if stack.count > 4096 { invalidAt = i; return }
                    stack.append(h.items)
                    continue
                }
            case .ext(let type):
                guard i + h.length + h.count <= p.count else { trailing = p.count - start; return }
                if type == ExtCode.proxy && h.count == 4 {
                    let o = i + h.length
                    proxyIDs.append(UInt32(p[o]) << 24 | UInt32(p[o + 1]) << 16 | UInt32(p[o + 2]) << 8 | UInt32(p[o + 3]))
                }
                if type == ExtCode.console && stack.isEmpty { console = true }
                i += h.length + h.count
            default:
                guard i + h.length + h.count <= p.count else { trailing = p.count - start; return }
                i += h.length + h.count
            }
            // One item finished.
            var done = true
            while let top = stack.last {
                if top > 1 { stack[stack.count - 1] = top - 1; done = false; break }
                stack.removeLast()
            }
            if done {
                let b = p[start]
                let text = i - start == 1 && (b >= 0x20 && b < 0x7f || b == 0x0a || b == 0x0d || b == 0x09)
                run = text ? run + 1 : 0
                longestTextRun = max(longestTextRun, run)
                objects.append(Object(start: start, end: i, isConsole: console, isTextLike: text))
            }
        }
        if !stack.isEmpty { trailing = p.count - start }
    }
}
