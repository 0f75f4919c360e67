import MessagePack

/// A header-only walk over MessagePack bytes that turns the input's shape into behaviour features:
/// (format, nesting depth, previous format), (format, log2 of the declared length), where the walk
/// stopped and why. No value is built and nothing is allocated once the codec's scanner has grown
/// its container stack, so it runs on every input; it is the in-process engine's cheap stand-in
/// for edge coverage.
struct WireWalker {
    /// The scanner and its container stack, reused from input to input.
    private final class State { var scanner = ObjectScanner() }
    private let state = State()

    /// Depth in coarse buckets (0, 1, 2, 3, 4-7, 8-15, 16-63, 64-299, 300+): deeper nesting is only
    /// new behaviour when it crosses a bucket, so the corpus does not fill with one more `91` each.
    @inline(__always)
    static func depthBucket(_ d: Int) -> UInt64 {
        d < 4 ? UInt64(d) : d < 8 ? 4 : d < 16 ? 5 : d < 64 ? 6 : d < 300 ? 7 : 8
    }

    /// The kind of a format (int, str, container, …) for the "previous item" context.
    @inline(__always)
    static func formatClass(_ f: Format) -> UInt64 {
        switch f {
        case .positiveFixint, .negativeFixint: return 0
        case .fixmap, .map16, .map32: return 1
        case .fixarray, .array16, .array32: return 2
        case .fixstr, .str8, .str16, .str32: return 3
        case .nil, .neverUsed, .false, .true: return 4
        case .bin8, .bin16, .bin32: return 5
        case .ext8, .ext16, .ext32, .fixext1, .fixext2, .fixext4, .fixext8, .fixext16: return 6
        case .float32, .float64: return 7
        case .uint8, .uint16, .uint32, .uint64: return 8
        case .int8, .int16, .int32, .int64: return 9
        }
    }

    @inline(__always)
    static func lengthBits(_ n: Int) -> UInt64 { n == 0 ? 0 : UInt64(64 - n.leadingZeroBitCount) }

    /// Walks every object back to back. Returns true when a header was seen that the two dialects
    /// read differently (`cc cd ce cf d2 d3 cb`, ext type −1): only then can a device-dialect decode
    /// differ from the standard one.
    @discardableResult
    func walk(_ p: UnsafeBufferPointer<UInt8>, into f: inout FeatureSet) -> Bool {
        // Moved out of the box for the walk (one exclusive access, not one per header), and back.
        var scanner = ObjectScanner()
        swap(&scanner, &state.scanner)
        defer { swap(&scanner, &state.scanner) }
        var count = 0
        var dialectSensitive = false
        var prev: UInt64 = 14
        let n = p.count
        var pos = 0
        var openAtEnd = 0
        // The header at `at`, `depth` deep: (format, depth, previous kind). Returns its format.
        @inline(__always) func visit(_ at: Int, _ depth: Int) -> UInt64 {
            let format = Format(byte: p[at])
            let fmt = UInt64(format.rawValue)
            f.add(1 << 56 | fmt << 16 | WireWalker.depthBucket(depth) << 8 | prev)
            prev = WireWalker.formatClass(format)
            return fmt
        }
        objects: while pos < n {
            scanner.reset(at: pos)
            object: while true {
                switch scanner.step(p) {
                case .header(let h, let at, let depth):
                    let fmt = visit(at, depth)
                    let b = h.firstByte
                    switch b {
                    case 0xcb, 0xcf, 0xd3:
                        dialectSensitive = true
                    case 0xcc, 0xcd, 0xce, 0xd2:
                        dialectSensitive = true
                        // The sign bit decides how the device reads it (uint read as signed, d2 wrap).
                        f.add(4 << 56 | fmt << 8 | UInt64(p[at + 1] >> 6))
                    default: break
                    }
                    let after = at + h.headerLength
                    switch h.kind {
                    case .scalar:
                        break
                    case .str, .bin, .ext:
                        if h.kind == .ext {
                            let t = UInt8(bitPattern: h.extType)   // proxy, exception, console, negative …
                            if t == 0xff { dialectSensitive = true }
                            f.add(5 << 56 | UInt64(min(t, 8)) << 8 | UInt64(t >> 7))
                        }
                        let len = h.length
                        if len > 0 || h.headerLength > 1 {
                            f.add(6 << 56 | fmt << 8 | WireWalker.lengthBits(len))
                            guard len <= n - after else {
                                f.add(7 << 56 | fmt << 8 | WireWalker.lengthBits(len))
                                return dialectSensitive
                            }
                        }
                    case .array, .map:
                        let items = h.items
                        f.add(8 << 56 | fmt << 8 | WireWalker.lengthBits(items))
                        // Every item takes a byte at least.
                        if items > n - after { f.add(9 << 56 | fmt); return dialectSensitive }
                    }
                case .complete(let end, _):
                    count += 1
                    prev = 15
                    pos = end
                    break object
                case .needsMore(let missing):
                    if missing == 0 {   // cut between items: the end feature says how deep
                        openAtEnd = scanner.stack.depth
                        break objects
                    }
                    let at = scanner.position
                    let fmt = visit(at, scanner.stack.depth)
                    f.add(3 << 56 | fmt << 8 | UInt64(n - at))
                    return dialectSensitive
                case .invalid(let at, _):
                    f.add(2 << 56 | visit(at, scanner.stack.depth))   // stopped: invalid byte
                    return dialectSensitive
                }
            }
        }
        f.add(10 << 56 | UInt64(min(count, 4)) << 8 | WireWalker.depthBucket(openAtEnd))
        return dialectSensitive
    }
}
