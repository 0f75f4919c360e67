/// The one minimiser of every target. `minimize` shrinks bytes (the codec's inputs, one message
/// of a session case); `ddmin` shrinks a list of parts (the messages of a session case, the
/// mutated replies of a client run). Both keep a candidate only while `keeps`/`test` holds
/// (usually "the same finding kind").
package enum Minimizer {
    /// Delta debugging by chunk removal, halving the chunk size down to single bytes, repeated
    /// until a whole pass removes nothing.
    package static func minimize(_ input: [UInt8], maxAttempts: Int = 20_000,
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

    /// Delta debugging (ddmin, complements only) over parts: the smallest non-empty list that
    /// still passes `test`, 1-minimal when the budget allows.
    package static func ddmin<T>(_ items: [T], budget: () -> Bool, _ test: ([T]) -> Bool) -> [T] {
        var current = items
        var n = 2
        while current.count >= 2, budget() {
            let chunk = (current.count + n - 1) / n
            var reduced = false
            var start = 0
            while start < current.count, budget() {
                var candidate = current
                candidate.removeSubrange(start..<min(current.count, start + chunk))
                if !candidate.isEmpty, test(candidate) {
                    current = candidate
                    n = max(n - 1, 2)
                    reduced = true
                    break
                }
                start += chunk
            }
            if !reduced {
                if n >= current.count { break }
                n = min(current.count, n * 2)
            }
        }
        return current
    }
}
