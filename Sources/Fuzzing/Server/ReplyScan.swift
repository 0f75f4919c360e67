import MessagePack
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

    /// Nesting beyond this is not a reply (the walk stops there).
    static let maxDepth = 4097

    init(_ p: UnsafeBufferPointer<UInt8>) {
        var scanner = ObjectScanner(maxDepth: ReplyScan.maxDepth)
        var start = 0
        var run = 0
        while start < p.count {
            scanner.reset(at: start)
            var console = false
            walk: while true {
                switch scanner.step(p) {
                case .header(let h, let at, let depth):
                    guard h.kind == .ext else { continue }
                    if h.extType == ExtCode.proxy && h.length == 4 && at + h.size <= p.count {
                        let o = at + h.headerLength
                        proxyIDs.append(UInt32(p[o]) << 24 | UInt32(p[o + 1]) << 16 | UInt32(p[o + 2]) << 8 | UInt32(p[o + 3]))
                    }
                    if h.extType == ExtCode.console && depth == 0 { console = true }
                case .complete(let end, _):
                    let b = p[start]
                    let text = end - start == 1 && (b >= 0x20 && b < 0x7f || b == 0x0a || b == 0x0d || b == 0x09)
                    run = text ? run + 1 : 0
                    longestTextRun = max(longestTextRun, run)
                    objects.append(Object(start: start, end: end, isConsole: console, isTextLike: text))
                    start = end
                    break walk
                case .needsMore:
                    trailing = p.count - start
                    return
                case .invalid(let at, let reason):
                    invalidAt = at
                    if case .invalidByte = reason { trailing = p.count - start }
                    return
                }
            }
        }
    }
}
