/// SHA-1 over raw memory without allocating, so the crash handler can name a crash file
/// (`crash-<sha1>`) from inside a signal handler. Names files only; not for security.
package enum SHA1 {
    /// Hashes `count` bytes at `data` into the 20 bytes at `out`, using `w` (80 words) as scratch.
    package static func hash(_ data: UnsafePointer<UInt8>?, _ count: Int, into out: UnsafeMutablePointer<UInt8>,
                            scratch w: UnsafeMutablePointer<UInt32>) {
        var h0: UInt32 = 0x6745_2301, h1: UInt32 = 0xEFCD_AB89, h2: UInt32 = 0x98BA_DCFE
        var h3: UInt32 = 0x1032_5476, h4: UInt32 = 0xC3D2_E1F0
        let bitLength = UInt64(count) &* 8
        // Total padded length: message + 0x80 + zeros + 8-byte length, a multiple of 64.
        let total = ((count + 8) / 64 + 1) * 64
        var block = 0
        while block < total {
            for i in 0..<16 {
                var word: UInt32 = 0
                for j in 0..<4 {
                    let idx = block + i * 4 + j
                    let b: UInt8
                    if idx < count { b = data![idx] }
                    else if idx == count { b = 0x80 }
                    else if idx >= total - 8 { b = UInt8(truncatingIfNeeded: bitLength >> UInt64((total - 1 - idx) * 8)) }
                    else { b = 0 }
                    word = word << 8 | UInt32(b)
                }
                w[i] = word
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var a = h0, b = h1, c = h2, d = h3, e = h4
            for i in 0..<80 {
                let f: UInt32, k: UInt32
                switch i {
                case 0..<20: f = (b & c) | (~b & d); k = 0x5A82_7999
                case 20..<40: f = b ^ c ^ d; k = 0x6ED9_EBA1
                case 40..<60: f = (b & c) | (b & d) | (c & d); k = 0x8F1B_BCDC
                default: f = b ^ c ^ d; k = 0xCA62_C1D6
                }
                let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                e = d; d = c; c = b << 30 | b >> 2; b = a; a = t
            }
            h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e
            block += 64
        }
        store(h0, out); store(h1, out + 4); store(h2, out + 8); store(h3, out + 12); store(h4, out + 16)
    }

    @inline(__always)
    private static func store(_ v: UInt32, _ p: UnsafeMutablePointer<UInt8>) {
        p[0] = UInt8(truncatingIfNeeded: v >> 24); p[1] = UInt8(truncatingIfNeeded: v >> 16)
        p[2] = UInt8(truncatingIfNeeded: v >> 8); p[3] = UInt8(truncatingIfNeeded: v)
    }

    /// Lowercase hex digest of `bytes`.
    package static func hex(_ bytes: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 20)
        let w = UnsafeMutablePointer<UInt32>.allocate(capacity: 80)
        defer { w.deallocate() }
        bytes.withUnsafeBufferPointer { p in
            digest.withUnsafeMutableBufferPointer { d in hash(p.baseAddress, p.count, into: d.baseAddress!, scratch: w) }
        }
        return hexString(digest)
    }

    static func hexString(_ bytes: [UInt8]) -> String {
        let digits: [Character] = Array("0123456789abcdef")
        var s = ""
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 15)]) }
        return s
    }
}
