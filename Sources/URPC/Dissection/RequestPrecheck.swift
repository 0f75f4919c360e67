import MessagePack

/// One walk over a decoded request's headers (payloads are skipped, no value is built) that tells
/// whether the slower checks can find anything: the device lint (`DeviceLint.lint(node:)`) and
/// the ext-code check. Exact in one direction: when a flag is false the check certainly finds
/// nothing, so most requests skip building a `Node` and walking their value twice.
struct RequestPrecheck {
    /// A header the lint reports on may be present: a uint8/16/32 with its top bit set, an
    /// int32, a 64-bit or float64 header, an ext with a negative type (a timestamp too), a map
    /// with entries (key checks), or enough bytes to nest to the device's crash depth.
    private(set) var mayLint = false
    /// An ext other than a 4-byte proxy may be present.
    private(set) var mayHaveBadExt = false

    init(_ bytes: ArraySlice<UInt8>) {
        var lint = bytes.count >= DeviceLint.crashDepth
        var ext = false
        let complete = bytes.withUnsafeBufferPointer { p -> Bool in
            let n = p.count
            var i = 0
            func be(_ at: Int, _ width: Int) -> Int? {
                guard at + width <= n else { return nil }
                var v = 0
                for k in 0..<width { v = v << 8 | Int(p[at + k]) }
                return v
            }
            func extHeader(_ typeAt: Int, _ length: Int) {
                let t = Int8(bitPattern: p[typeAt])
                if t < 0 { lint = true }
                if t != ExtCode.proxy || length != 4 { ext = true }
            }
            while i < n {
                let b = p[i]
                var size: Int
                switch b {
                case 0x00...0x7f, 0xe0...0xff, 0x90...0x9f, 0x80, 0xc0, 0xc2, 0xc3: size = 1
                case 0x81...0x8f: lint = true; size = 1
                case 0xa0...0xbf: size = 1 + Int(b & 0x1f)
                case 0xc4, 0xd9: guard let l = be(i + 1, 1) else { return false }; size = 2 + l
                case 0xc5, 0xda: guard let l = be(i + 1, 2) else { return false }; size = 3 + l
                case 0xc6, 0xdb: guard let l = be(i + 1, 4) else { return false }; size = 5 + l
                case 0xc7, 0xc8, 0xc9:
                    let w = b == 0xc7 ? 1 : b == 0xc8 ? 2 : 4
                    guard let l = be(i + 1, w), i + 1 + w < n else { return false }
                    extHeader(i + 1 + w, l)
                    size = 2 + w + l
                case 0xd4...0xd8:
                    guard i + 1 < n else { return false }
                    let l = 1 << Int(b - 0xd4)
                    extHeader(i + 1, l)
                    size = 2 + l
                case 0xca: size = 5
                case 0xcb, 0xcf, 0xd3: lint = true; size = 9
                case 0xd2: lint = true; size = 5
                case 0xcc, 0xcd, 0xce:
                    guard i + 1 < n else { return false }
                    if p[i + 1] >= 0x80 { lint = true }
                    size = b == 0xcc ? 2 : b == 0xcd ? 3 : 5
                case 0xd0: size = 2
                case 0xd1: size = 3
                case 0xdc: size = 3
                case 0xdd: size = 5
                case 0xde, 0xdf:
                    let w = b == 0xde ? 2 : 4
                    guard let c = be(i + 1, w) else { return false }
                    if c > 0 { lint = true }
                    size = 1 + w
                default: return false   // 0xc1: never in a decoded object
                }
                i += size
            }
            return i == n
        }
        if !complete {
            // Never for a decoded object; should it happen, every check runs.
            lint = true
            ext = true
        }
        mayLint = lint
        mayHaveBadExt = ext
    }
}
