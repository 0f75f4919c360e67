/// Named entries drawn with relative weights: the session operations and the reply operations
/// are such tables, and their names go into the findings they made (as the codec's mutator names do).
public struct WeightedTable<Entry: Sendable>: Sendable {
    public let names: [String]
    public let weights: [Int]
    public let entries: [Entry]
    public let totalWeight: Int

    public init(_ rows: [(name: String, weight: Int, entry: Entry)]) {
        names = rows.map(\.name)
        weights = rows.map { max(0, $0.weight) }
        entries = rows.map(\.entry)
        totalWeight = weights.reduce(0, +)
    }

    /// An index drawn with probability weight/total.
    @inline(__always)
    public func pick(_ random: inout FuzzRandom) -> Int {
        var r = random.below(totalWeight)
        for (i, w) in weights.enumerated() {
            if r < w { return i }
            r -= w
        }
        return weights.count - 1
    }

    public func index(named name: String) -> Int? { names.firstIndex(of: name) }
}
