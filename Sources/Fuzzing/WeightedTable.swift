/// Named entries drawn with relative weights: the session operations and the reply operations
/// are such tables, and their names go into the findings they made (as the codec's mutator names do).
package struct WeightedTable<Entry: Sendable>: Sendable {
    package let names: [String]
    package let weights: [Int]
    package let entries: [Entry]
    package let totalWeight: Int

    package init(_ rows: [(name: String, weight: Int, entry: Entry)]) {
        names = rows.map(\.name)
        weights = rows.map { max(0, $0.weight) }
        entries = rows.map(\.entry)
        totalWeight = weights.reduce(0, +)
    }

    /// An index drawn with probability weight/total.
    @inline(__always)
    package func pick(_ random: inout FuzzRandom) -> Int {
        var r = random.below(totalWeight)
        for (i, w) in weights.enumerated() {
            if r < w { return i }
            r -= w
        }
        return weights.count - 1
    }

    package func index(named name: String) -> Int? { names.firstIndex(of: name) }
}
