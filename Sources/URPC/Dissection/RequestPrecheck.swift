import MessagePack

/// One walk over a decoded request's headers (no value is built) that tells whether the slower
/// checks can find anything: the device lint (`DeviceLint.lint(node:)`) and the ext-code check.
/// Exact in one direction: when a flag is false the check certainly finds nothing, so most
/// requests skip building a `Node` and walking their value twice.
struct RequestPrecheck {
    /// A header the lint reports on may be present: a uint8/16/32 with its top bit set, an
    /// int32, a 64-bit or float64 header, an ext with a negative type (a timestamp too), a map
    /// with entries (key checks), or a container near the device's crash depth.
    private(set) var mayLint = false
    /// An ext other than a 4-byte proxy may be present.
    private(set) var mayHaveBadExt = false

    init(_ bytes: ArraySlice<UInt8>) {
        var lint = false
        var ext = false
        bytes.withUnsafeBufferPointer { p in
            var scanner = ObjectScanner()
            scanner.reset(at: 0)
            walk: while true {
                switch scanner.step(p) {
                case .header(let h, let at, let depth):
                    switch h.firstByte {
                    case 0xcc, 0xcd, 0xce: if at + 1 >= p.count || p[at + 1] >= 0x80 { lint = true }
                    case 0xcf, 0xd3, 0xcb, 0xd2: lint = true
                    default: break
                    }
                    switch h.kind {
                    case .ext:
                        if h.extType < 0 { lint = true }
                        if h.extType != ExtCode.proxy || h.length != 4 { ext = true }
                    case .map:
                        if h.length > 0 { lint = true }
                        if depth + 2 >= DeviceLint.crashDepth { lint = true }
                    case .array:
                        if depth + 2 >= DeviceLint.crashDepth { lint = true }
                    default: break
                    }
                case .complete:
                    break walk
                case .needsMore, .invalid:
                    // Never for a decoded object; should it happen, every check runs.
                    lint = true
                    ext = true
                    break walk
                }
            }
        }
        mayLint = lint
        mayHaveBadExt = ext
    }
}
