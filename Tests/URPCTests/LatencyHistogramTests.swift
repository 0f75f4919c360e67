import Foundation
import Testing
@testable import URPC

@Test("latency percentiles are within 1 % of the exact ones, in fixed memory", arguments: [1, 7, 1000])
func latencyPercentilesWithinOnePercent(seed: UInt64) {
    var rng = seed
    func next() -> Double {
        rng = rng &* 6364136223846793005 &+ 1442695040888963407
        return Double(rng >> 11) / Double(1 << 53)
    }
    var h = LatencyHistogram()
    var all: [Double] = []
    for _ in 0..<20_000 {
        let v = 1e-5 * pow(10, 4 * next())   // 10 µs … 100 ms, log-uniform
        h.add(v)
        all.append(v)
    }
    all.sort()
    for q in [0.5, 0.9, 0.99] {
        let exact = all[Int((Double(all.count) * q).rounded(.up)) - 1]
        let got = h.quantile(q)
        #expect(abs(got - exact) / exact <= 0.0101, "q \(q): \(got) vs \(exact)")
    }
    #expect(h.counts.count == LatencyHistogram.buckets)
}
