/// A fixed bitmap of behaviour features (AFL's "virgin map" idea): the engine keeps one for the
/// whole run; an execution adds features to a per-execution sink, and the input is interesting when
/// it sets a bit never seen before. A running hash of the features is the behaviour signature used
/// by corpus minimisation.
package struct FeatureSet: Sendable {
    package static let bits = 1 << 16
    /// Features seen during this run (engine-owned, persists across executions).
    package private(set) var seen: [UInt64]
    /// Bits newly set by the current execution.
    package private(set) var newCount = 0
    /// Order-sensitive hash of the current execution's features.
    package private(set) var signature: UInt64 = 0xcbf2_9ce4_8422_2325
    /// Number of distinct features ever seen.
    package private(set) var total = 0

    package init() { seen = [UInt64](repeating: 0, count: FeatureSet.bits / 64) }

    /// Starts a new execution.
    @inline(__always)
    package mutating func begin() {
        newCount = 0
        signature = 0xcbf2_9ce4_8422_2325
    }

    @inline(__always)
    package mutating func add(_ feature: UInt64) {
        signature = (signature ^ feature) &* 0x100_0000_01b3
        var h = feature &* 0x9e37_79b9_7f4a_7c15
        h ^= h >> 29
        let bit = Int(truncatingIfNeeded: h) & (FeatureSet.bits - 1)
        let w = bit >> 6, m: UInt64 = 1 << UInt64(bit & 63)
        if seen[w] & m == 0 {
            seen[w] |= m
            newCount += 1
            total += 1
        }
    }
}
