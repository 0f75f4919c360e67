/// Session generation draws from the engine's seeded generator (a fixed seed replays a run).
package typealias SessionRandom = FuzzRandom

extension FuzzRandom {
    /// True with probability `percent`/100.
    @inline(__always)
    package mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    package mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
}
