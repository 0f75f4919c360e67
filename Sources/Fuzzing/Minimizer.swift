/// Shrinks an input while a predicate (usually "the same finding signature") still holds:
/// delta debugging by chunk removal, halving the chunk size down to single bytes, repeated until
/// a whole pass removes nothing; then bytes are simplified toward 0x00 where that keeps it.
public enum Minimizer {
    public static func minimize(_ input: [UInt8], maxAttempts: Int = 20_000,
                                keeps: ([UInt8]) -> Bool) -> [UInt8] {
        var best = input
        var attempts = 0
        var progress = true
        while progress && attempts < maxAttempts {
            progress = false
            var chunk = max(1, best.count / 2)
            while chunk >= 1 && attempts < maxAttempts {
                var i = 0
                while i < best.count && attempts < maxAttempts {
                    var candidate = best
                    candidate.removeSubrange(i..<min(best.count, i + chunk))
                    attempts += 1
                    if keeps(candidate) { best = candidate; progress = true } else { i += chunk }
                }
                if chunk == 1 { break }
                chunk /= 2
            }
        }
        return best
    }
}
