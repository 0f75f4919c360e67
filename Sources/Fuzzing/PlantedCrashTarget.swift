/// A target with a planted bug: it traps (a Swift runtime trap, as a real precondition failure
/// would) when the input holds the bytes `c1 c1`. It exists to prove, with a real process death,
/// that the crash store writes the input before the process dies and that minimisation and
/// deduplication work on a known cause.
package struct PlantedCrashTarget: FuzzTarget {
    package let name = "planted-crash"
    package init() {}

    package mutating func execute(_ input: [UInt8], thorough: Bool, features: inout FeatureSet) -> Verdict {
        var prev: UInt8 = 0
        for b in input {
            features.add(UInt64(prev) << 8 | UInt64(b))
            if prev == 0xc1 && b == 0xc1 { plantedTrap() }
            prev = b
        }
        return .pass
    }
}

@inline(never)
func plantedTrap() -> Never { fatalError("planted crash: c1 c1") }
