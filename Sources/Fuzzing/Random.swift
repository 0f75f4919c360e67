/// The engine's only source of randomness: xoshiro256** seeded through splitmix64, so a seed
/// gives the same sequence on every machine (SystemRandomNumberGenerator is never used here).
package struct FuzzRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    package init(seed: UInt64) {
        var sm = seed
        func splitmix(_ x: inout UInt64) -> UInt64 {
            x &+= 0x9e37_79b9_7f4a_7c15
            var z = x
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        s0 = splitmix(&sm); s1 = splitmix(&sm); s2 = splitmix(&sm); s3 = splitmix(&sm)
    }

    @inline(__always)
    package mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in 0..<n (n > 0), by multiply-shift (no division in the hot loop).
    @inline(__always)
    package mutating func below(_ n: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: next() >> 32) &* UInt64(n)) >> 32)
    }

    /// True with probability 1/n.
    @inline(__always)
    package mutating func oneIn(_ n: Int) -> Bool { below(n) == 0 }

    @inline(__always)
    package mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
}
