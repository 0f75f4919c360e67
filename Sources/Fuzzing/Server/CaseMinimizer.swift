/// Delta debugging (ddmin, complements only): the smallest list of items that still passes `test`,
/// 1-minimal when the budget allows.
enum DeltaDebugging {
    static func minimize<T>(_ items: [T], budget: () -> Bool, _ test: ([T]) -> Bool) -> [T] {
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

extension ServerFuzzer {
    /// Runs a case on a fresh session; returns the verdict (nil: the server behaved).
    func reproduce(_ c: FuzzCase, record: Bool = false) -> ServerVerdict? {
        do { try target.freshSession() } catch { return nil }
        guard let channel = target.channel else { return nil }
        runner.transcript = record ? Transcript() : nil
        let end = runner.run(c, prefix: [], channel: channel, timeoutNanos: timeoutNanos)
        let v = evaluate(c, end, prefixRequests: 0)
        // A dead or hung server is brought back for the next run.
        if v != nil, target.processEnd() != nil || v?.oracle == .hang { try? target.restart() }
        // So is one whose names the case rebound (the next run would find its probes disabled).
        if probeDisabled { try? target.restart() }
        return v
    }

    /// Minimises the request sequence, then the bytes of each message, keeping the oracle and
    /// exit status; returns the case, its verdict, the capture of its last failing run, the runs.
    func minimize(_ c: FuzzCase, _ v: ServerVerdict) -> (FuzzCase, ServerVerdict, Transcript, Int)? {
        let deadline = Monotonic.now() + UInt64(config.minimizeSeconds * 1e9)
        var runs = 0
        // A reproduction needs no grace: slowness only makes a candidate look like the finding.
        let savedGrace = runner.graceNanos
        runner.graceNanos = 0
        defer { runner.graceNanos = savedGrace }
        let overall = config.maxTime.map { startNanos + UInt64($0 * 1e9) }
        let budget = { Monotonic.now() < deadline && (overall.map { Monotonic.now() < $0 } ?? true) && runs < 2_000 && !StopRequest.isRequested }
        var last: (ServerVerdict, Transcript)?
        func fails(_ candidate: FuzzCase) -> Bool {
            runs += 1
            guard let got = reproduce(candidate, record: true), got.kind == v.kind else { return false }
            last = (got, runner.transcript ?? Transcript())
            return true
        }
        // On a fresh session the server counts ids from 1 again.
        var best = c.rebasedToFreshSession()
        best.restartFirst = false
        guard fails(best) else {
            // Not reproducible on a fresh session (it needed the history before it): keep as found.
            runner.transcript = nil
            return nil
        }
        // 1. The sequence.
        let messages = DeltaDebugging.minimize(best.messages, budget: budget) { ms in
            fails(FuzzCase(messages: ms, gapMicros: best.gapMicros, idBase: 1))
        }
        best.messages = messages
        // Splits only matter if dropping them loses the failure.
        if best.messages.contains(where: { !$0.splits.isEmpty }) {
            var joined = best
            for i in joined.messages.indices { joined.messages[i].splits = [] }
            if budget(), fails(joined) { best = joined }
        }
        // 2. The bytes of each message (only candidates a reader can finish, so none starves).
        for i in best.messages.indices.reversed() where budget() {
            let original = best.messages[i]
            // The engine's byte minimiser (chunk removal down to single bytes).
            let bytes = Minimizer.minimize(original.bytes, maxAttempts: 1_500) { b in
                guard budget(), !b.isEmpty, Framing.walk(b).isComplete else { return false }
                var cand = best
                cand.messages[i] = FuzzCase.Message(bytes: b, splits: original.splits.filter { $0 < b.count }, isGarbage: original.isGarbage)
                return fails(cand)
            }
            best.messages[i].bytes = bytes
            best.messages[i].splits = original.splits.filter { $0 < bytes.count }
        }
        // The capture is of the final case's own failing run.
        if budget() || last == nil { _ = fails(best) }
        runner.transcript = nil
        guard let (mv, t) = last else { return nil }
        return (best, mv, t, runs)
    }
}
