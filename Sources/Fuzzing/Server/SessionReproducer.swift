/// Runs cases on fresh sessions of the server: to reproduce a finding, to find the culprit of a
/// lost batch, to minimise (the one `Minimizer`: ddmin over the messages, then the bytes of each).
final class SessionReproducer {
    let runner: CaseRunner
    let target: ServerTarget
    let judge: SessionJudge
    let timeoutNanos: UInt64
    /// Time budget for minimising one finding.
    let minimizeSeconds: Double
    /// Runs made so far (reproductions and minimisation).
    private(set) var runs = 0
    /// The end of the run (monotonic nanoseconds), if it has one: no reproduction starts after it.
    var runEnd: UInt64?
    private var outOfTime: Bool { StopRequest.isRequested || runEnd.map { Monotonic.now() >= $0 } ?? false }

    init(runner: CaseRunner, target: ServerTarget, judge: SessionJudge, minimizeSeconds: Double) {
        self.runner = runner
        self.target = target
        self.judge = judge
        self.timeoutNanos = UInt64(max(0.001, judge.timeout) * 1e9)
        self.minimizeSeconds = minimizeSeconds
    }

    /// The reply bytes of the last run.
    var lastReplies: ArraySlice<UInt8> { runner.buffer[runner.replyRange] }
    /// The exchange of the last run made with `record`.
    var lastTranscript: Transcript? { runner.transcript }
    /// The last run's case rebound a name the probes use (see `SessionJudge`).
    var probeRebound: Bool { judge.probeRebound }

    /// Runs a case on a fresh session; returns the verdict (nil: the server behaved).
    func reproduce(_ c: FuzzCase, record: Bool = false) -> Verdict? {
        if outOfTime { return nil }
        do { try target.freshSession() } catch { return nil }
        guard let channel = target.channel else { return nil }
        runner.transcript = record ? Transcript() : nil
        let end = runner.run(c, prefix: [], channel: channel, timeoutNanos: timeoutNanos)
        runs += 1
        let v = judge.evaluate(c, end, prefixRequests: 0)
        // A dead or hung server is brought back for the next run.
        if v != nil, target.processEnd() != nil || v?.fired(.hang) == true { try? target.restart() }
        // So is one whose names the case rebound (the next run would find its probes disabled).
        if judge.probeRebound { try? target.restart() }
        return v
    }

    /// Minimises to the culprit: whole requests first, then the bytes of each message, keeping
    /// the failure's class (the exception it dies of, or its oracle, status and the hostile
    /// feature of its culprit); returns the case, its verdict, the capture of its last failing
    /// run, the runs. `seconds` is the budget; `overall` the end of the run (monotonic ns).
    /// A case that does not fail on a fresh session is tried once more before giving up.
    func minimize(_ c: FuzzCase, _ v: Verdict, seconds: Double, overall: UInt64?) -> (FuzzCase, Verdict, Transcript, Int)? {
        let deadline = Monotonic.now() + UInt64(max(0, seconds) * 1e9)
        var tries = 0
        // A death without a traceback keeps the hostile feature that names it.
        let feature = v.exception == nil && v.isDeath ? FailureClass.culprit(c)?.feature : nil
        // A reproduction needs no grace: slowness only makes a candidate look like the finding.
        let savedGrace = runner.graceNanos
        runner.graceNanos = 0
        defer { runner.graceNanos = savedGrace }
        let budget = { Monotonic.now() < deadline && (overall.map { Monotonic.now() < $0 } ?? true) && tries < 2_000 && !StopRequest.isRequested }
        var last: (Verdict, Transcript)?
        func fails(_ candidate: FuzzCase) -> Bool {
            tries += 1
            if let f = feature, FailureClass.culprit(candidate)?.feature != f { return false }
            guard let got = reproduce(candidate, record: true), got.kind == v.kind else { return false }
            last = (got, runner.transcript ?? Transcript())
            return true
        }
        // On a fresh session the server counts ids from 1 again.
        var best = c.rebasedToFreshSession()
        best.restartFirst = false
        guard fails(best) || fails(best) else {
            // Not reproducible on a fresh session (it needed the history before it): keep as found.
            runner.transcript = nil
            return nil
        }
        // 1. The sequence: the culprit alone first (the request with the hostile feature), then ddmin.
        if best.messages.count > 1, let (k, _) = FailureClass.culprit(best), budget() {
            let alone = FuzzCase(messages: [best.messages[k]], gapMicros: best.gapMicros, idBase: 1)
            if fails(alone) { best.messages = alone.messages }
        }
        let messages = Minimizer.ddmin(best.messages, budget: budget) { ms in
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
        return (best, mv, t, tries)
    }

    /// Runs the unanswered cases of a batch one by one on fresh sessions; the first that fails
    /// the same way is the culprit.
    func locateCulprit(_ batch: [FuzzCase], from i: Int, like v: Verdict) -> (Int, Verdict)? {
        let savedGrace = runner.graceNanos
        runner.graceNanos = 0
        defer { runner.graceNanos = savedGrace }
        for j in i..<batch.count where !outOfTime {
            if let got = reproduce(batch[j].rebasedToFreshSession()), got.kind == v.kind { return (j, got) }
        }
        return nil
    }
}
