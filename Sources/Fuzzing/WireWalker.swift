/// A header-only walk over MessagePack bytes that turns the input's shape into behaviour features:
/// (format, nesting depth, previous format), (format, log2 of the declared length), where the walk
/// stopped and why. No value is built and nothing is allocated, so it runs on every input; it is the
/// in-process engine's cheap stand-in for edge coverage.
struct WireWalker {
    /// Open containers' remaining items; fixed capacity, deeper nesting is tracked by count only.
    private let stack: UnsafeMutablePointer<Int>
    static let capacity = 1024

    init() { stack = .allocate(capacity: WireWalker.capacity) }

    func deallocate() { stack.deallocate() }

    /// Depth in coarse buckets (0, 1, 2, 3, 4-7, 8-15, 16-63, 64-299, 300+): deeper nesting is only
    /// new behaviour when it crosses a bucket, so the corpus does not fill with one more `91` each.
    @inline(__always)
    static func depthBucket(_ d: Int) -> UInt64 {
        d < 4 ? UInt64(d) : d < 8 ? 4 : d < 16 ? 5 : d < 64 ? 6 : d < 300 ? 7 : 8
    }

    /// The kind of a first byte (int, str, container, …) for the "previous item" context.
    @inline(__always)
    static func formatClass(_ b: UInt8) -> UInt64 {
        switch b {
        case 0x00...0x7f, 0xe0...0xff: return 0
        case 0x80...0x8f, 0xde, 0xdf: return 1
        case 0x90...0x9f, 0xdc, 0xdd: return 2
        case 0xa0...0xbf, 0xd9...0xdb: return 3
        case 0xc0...0xc3: return 4
        case 0xc4...0xc6: return 5
        case 0xc7...0xc9, 0xd4...0xd8: return 6
        case 0xca, 0xcb: return 7
        case 0xcc...0xcf: return 8
        default: return 9
        }
    }

    @inline(__always)
    static func lengthBits(_ n: Int) -> UInt64 { n == 0 ? 0 : UInt64(64 - n.leadingZeroBitCount) }

    /// Walks every object back to back. Returns true when a header was seen that the two dialects
    /// read differently (`cc cd ce cf d2 d3 cb`, ext type −1): only then can a device-dialect decode
    /// differ from the standard one.
    @discardableResult
    func walk(_ p: UnsafeBufferPointer<UInt8>, into f: inout FeatureSet) -> Bool {
        var pos = 0, depth = 0, objects = 0
        var dialectSensitive = false
        var prev: UInt64 = 14
        let n = p.count
        while pos < n {
            let b = p[pos]
            let fmt = UInt64(b >= 0xc0 && b <= 0xdf ? b : b < 0x80 ? 0 : b < 0x90 ? 1 : b < 0xa0 ? 2 : b < 0xc0 ? 3 : 4)
            f.add(1 << 56 | fmt << 16 | WireWalker.depthBucket(depth) << 8 | prev)
            prev = WireWalker.formatClass(b)
            var hl = 1, len = 0, items = 0
            switch b {
            case 0x80...0x8f: items = 2 * Int(b & 0x0f)
            case 0x90...0x9f: items = Int(b & 0x0f)
            case 0xa0...0xbf: len = Int(b & 0x1f)
            case 0xc4, 0xd9: hl = 2
            case 0xc5, 0xda, 0xdc, 0xde: hl = 3
            case 0xc6, 0xdb, 0xdd, 0xdf: hl = 5
            case 0xc7: hl = 3
            case 0xc8: hl = 4
            case 0xc9: hl = 6
            case 0xcc, 0xd0: hl = 2
            case 0xcd, 0xd1: hl = 3
            case 0xca, 0xce, 0xd2: hl = 5
            case 0xcb, 0xcf, 0xd3: hl = 9
            case 0xd4: hl = 2; len = 1
            case 0xd5: hl = 2; len = 2
            case 0xd6: hl = 2; len = 4
            case 0xd7: hl = 2; len = 8
            case 0xd8: hl = 2; len = 16
            case 0xc1:
                f.add(2 << 56 | fmt)   // stopped: invalid byte
                return dialectSensitive
            default: break
            }
            guard hl <= n - pos else { f.add(3 << 56 | fmt << 8 | UInt64(n - pos)); return dialectSensitive }
            @inline(__always) func be(_ k: Int) -> Int {
                var v = 0
                for i in 1...k { v = v << 8 | Int(p[pos + i]) }
                return v
            }
            switch b {
            case 0xc4, 0xd9: len = Int(p[pos + 1])
            case 0xc5, 0xda: len = be(2)
            case 0xc6, 0xdb: len = be(4)
            case 0xc7: len = Int(p[pos + 1])
            case 0xc8: len = be(2)
            case 0xc9: len = be(4)
            case 0xdc: items = be(2)
            case 0xdd: items = be(4)
            case 0xde: items = 2 * be(2)
            case 0xdf: items = 2 * be(4)
            case 0xcb, 0xcf, 0xd3:
                dialectSensitive = true
            case 0xcc, 0xcd, 0xce, 0xd2:
                dialectSensitive = true
                // The sign bit decides how the device reads it (uint read as signed, d2 wrap).
                f.add(4 << 56 | fmt << 8 | UInt64(p[pos + 1] >> 6))
            case 0xd4...0xd8, 0xc7...0xc9:
                break
            default: break
            }
            if b >= 0xd4 && b <= 0xd8 || b >= 0xc7 && b <= 0xc9 {
                let t = p[pos + hl - 1]   // ext type byte: proxy, exception, console, negative …
                if t == 0xff { dialectSensitive = true }
                f.add(5 << 56 | UInt64(min(t, 8)) << 8 | UInt64(t >> 7))
            }
            pos += hl
            if len > 0 || hl > 1 && (b == 0xc4 || b == 0xc5 || b == 0xc6 || b == 0xd9 || b == 0xda || b == 0xdb || b == 0xc7 || b == 0xc8 || b == 0xc9) {
                f.add(6 << 56 | fmt << 8 | WireWalker.lengthBits(len))
                guard len <= n - pos else { f.add(7 << 56 | fmt << 8 | WireWalker.lengthBits(len)); return dialectSensitive }
                pos += len
            }
            if items > 0 || (b >= 0x80 && b <= 0x9f) || b == 0xdc || b == 0xdd || b == 0xde || b == 0xdf {
                f.add(8 << 56 | fmt << 8 | WireWalker.lengthBits(items))
                if items > 0 {
                    if items > n - pos { f.add(9 << 56 | fmt); return dialectSensitive }
                    if depth < WireWalker.capacity { stack[depth] = items }
                    depth += 1
                    continue
                }
            }
            // One item complete: pop finished containers.
            while depth > 0 {
                if depth <= WireWalker.capacity {
                    stack[depth - 1] -= 1
                    if stack[depth - 1] > 0 { break }
                }
                depth -= 1
            }
            if depth == 0 { objects += 1; prev = 15 }
        }
        f.add(10 << 56 | UInt64(min(objects, 4)) << 8 | WireWalker.depthBucket(depth))
        return dialectSensitive
    }
}
