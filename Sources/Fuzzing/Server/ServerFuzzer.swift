#if canImport(Glibc)
import Glibc
#endif
import URPC

/// Stateful fuzzing of a urpc V1 server: generated sessions, mutated on three levels, pipelined
/// with the liveness probe in one round trip on a connection kept open while the server is
/// healthy; findings are deduplicated by signature, minimised and saved with a capture.
package final class ServerFuzzer {
    package let target: ServerTarget
    package let config: SessionConfig
    private let runner = CaseRunner()
    private let judge: SessionJudge
    private let reproducer: SessionReproducer
    private let book: SessionFindings
    private var session = SessionState()
    /// The engine's mutation context: its seeded generator drives generation and mutation alike.
    private var ctx: MutationContext
    private let mutator = CaseMutator()
    private var stats = Stats()
    private var registryHistory: [Int] = []
    private var rssBaselineKB: Int?
    private var startNanos: UInt64 = 0
    private var lastWasFinding = false
    private var auditDue = false
    /// What the connection carried before the batch being judged: its history mark and the
    /// releases written before it (for findings a fresh session does not reproduce).
    private var historyMark = 0
    private var batchPrefix: [UInt8] = []
    private var pendingHistory: [FuzzCase.Message]?
    /// Twin-guided selection (an expensive target with a twin predictor), see `TwinGuide`.
    private var twin: TwinGuide?
    /// Cases per batch now: one after a death, doubling back up to `config.batch` while the
    /// target stays healthy (a batch lost to a death costs its unanswered cases).
    private var batchSize = 1
    /// Sessions from captures (`--seed-capture`), sent first, unmutated (rebased), before any generated case.
    package var seeds = SeedQueue()

    struct Stats {
        var cases = 0
        var timeouts = 0
        var restarts = 0
        /// Restarts because a case rebound a probe's name (`ex "_s = 2"`): not findings.
        var probeResets = 0
        var operations: [String: Int] = [:]
    }

    /// `log` gets every stats line and finding line.
    package init(target: ServerTarget, config: SessionConfig, log: @escaping (String) -> Void = { Files.printError($0 + "\n") }) throws {
        self.target = target
        self.config = config
        self.ctx = MutationContext(seed: config.seed, maxLength: 8192)
        judge = SessionJudge(runner: runner, target: target, timeout: config.timeout)
        reproducer = SessionReproducer(runner: runner, target: target, judge: judge, minimizeSeconds: config.minimizeSeconds)
        book = try SessionFindings(directory: config.findingsDirectory, reproducer: reproducer, log: log)
        let runner = self.runner
        target.onFreshSession = { runner.resetHistory() }
        runner.targetEnded = { [unowned target] in target.processEnd() != nil }
    }

    /// Guides the choice of cases with the twin: for a target whose lives are declared
    /// expensive (`lifeCostMillis`: `--serial`, `--reset-cmd`, `--life-cost-ms`), with
    /// divergence findings; otherwise once its lives turn out to cost 5 ms or more each (only
    /// skipping known deaths: the twin may not be set up like the target).
    package func guide(with predictor: TwinPredictor) {
        twin = TwinGuide(predictor: predictor)
        guard config.lifeCostMillis != nil else { return }
        // A death is compared with the twin on its minimised case (a fresh session of both).
        book.divergenceCheck = { c, v in
            TwinGuide.divergence(real: v, twin: predictor.predict(c), realClass: TwinGuide.classKey(of: v, for: c))
        }
    }

    /// The run's summary (the one schema of every target).
    package var summary: RunSummary {
        var s = RunSummary(target: "server", execs: stats.cases, seconds: elapsed, findings: book.all)
        s.seed = config.seed
        s.endpoint = target.description
        s.restarts = stats.restarts
        s.timeouts = stats.timeouts
        s.slowCases = runner.slow
        s.probeResets = stats.probeResets
        s.minimizeRuns = reproducer.runs
        s.operations = stats.operations
        s.livesUsed = target.livesUsed
        s.livesSaved = twin?.livesSaved
        s.skippedCases = twin?.skipped
        s.flakyCases = book.flakyCases
        s.restartSeconds = RunSummary.milli(Double(target.restartNanos) / 1e9)
        s.minimizeSeconds = RunSummary.milli(book.minimizeSeconds)
        return s
    }

    /// Declared expensive, or measured: 16 lives at 5 ms or more each.
    private var twinActive: Bool {
        config.lifeCostMillis != nil || target.livesUsed >= 16 && target.restartNanos / UInt64(target.livesUsed) >= 5_000_000
    }

    private var timeoutNanos: UInt64 { UInt64(max(0.001, config.timeout) * 1e9) }
    private var elapsed: Double { Double(Monotonic.now() - startNanos) / 1e9 }

    // MARK: The loop

    /// Runs until `runs`, `maxTime` or (with `stopOnFirst`) the first finding.
    package func run() throws(TargetError) {
        startNanos = Monotonic.now()
        target.stallNanos = max(250_000_000, timeoutNanos)
        reproducer.runEnd = config.maxTime.map { startNanos + UInt64($0 * 1e9) }
        try target.start()
        do { try loop() } catch {
            // The target is gone for good (a server we did not start did not come back): keep
            // what was found and end the run normally.
            guard !book.isEmpty else { throw error }
            book.log("the target did not come back after a finding (\(error)); stopping")
        }
        book.log(statsLine(final: true))
        target.stop()
    }

    /// A batch written to the server and not read back yet.
    struct InFlight {
        var cases: [FuzzCase]
        var ops: [[String]]
        var fences: [[UInt8]]
        var released: Int
        var prefix: [UInt8]
        var historyMark: Int
        var predictedBirths: UInt32
        /// What the twin expects of each case (empty without twin guidance).
        var predictions: [TwinOutcome] = []
    }

    private func loop() throws(TargetError) {
        runner.graceNanos = max(1_000_000_000, 4 * timeoutNanos)
        defer { runner.graceNanos = 0 }
        var nextStats = config.statsInterval > 0 ? config.statsInterval : Double.infinity
        // Several batches in flight (`config.inFlight`): the next ones are written before the
        // oldest one's replies are read, so the server works while msgfuzz judges and generates,
        // and the write gaps of split messages overlap with both.
        var inFlight: [InFlight] = []
        var draining = false
        while true {
            var stop = false
            if let r = config.runs, stats.cases + inFlight.reduce(0, { $0 + $1.cases.count }) >= r { stop = true }
            // Every round: a round may be slow (a serial target, a dead one), and --max-time and
            // a SIGTERM must end the run on time.
            do {
                lastWasFinding = false
                let t = elapsed
                if let m = config.maxTime, t >= m { break }
                if StopRequest.isRequested { break }
                if t >= nextStats {
                    checkMemory()
                    book.log(statsLine())
                    nextStats = t + config.statsInterval
                }
            }
            if config.stopOnFirst && !book.isEmpty { break }
            if stop && inFlight.isEmpty { break }
            guard let channel = target.channel else { inFlight.removeAll(); try recover(); continue }
            if !stop && (inFlight.isEmpty || !draining && inFlight.count < max(1, config.inFlight)) {
                let sent = try sendNext(channel, restartAllowed: inFlight.isEmpty,
                                        inFlightCases: inFlight.reduce(0) { $0 + $1.cases.count })
                if let sent { inFlight.append(sent) }
                // Fill the pipeline before reading.
                if sent != nil && inFlight.count < max(1, config.inFlight) && !draining { continue }
                if inFlight.isEmpty { continue }
            }
            guard !inFlight.isEmpty else { continue }
            let prev = inFlight.removeFirst()
            // Ids the batches still in flight will be given (the model predicts past them).
            session.inFlightBirths = inFlight.reduce(0) { $0 &+ $1.predictedBirths }
            let ok = try receiveAndJudge(prev, next: inFlight, channel: channel)
            if !ok { inFlight.removeAll() }  // a finding: the session was renewed, the batches behind are gone
            if auditDue {
                if inFlight.isEmpty { auditDue = false; draining = false; try audit() } else { draining = true }
            }
        }
    }

    /// Generates and writes the next batch (nil when the write failed and the target was renewed).
    private func sendNext(_ channel: ByteChannel, restartAllowed: Bool, inFlightCases: Int) throws(TargetError) -> InFlight? {
        var batch: [FuzzCase] = []
        var batchOps: [[String]] = []
        var predictions: [TwinOutcome] = []
        let size = max(1, min(batchSize, config.batch, (config.runs ?? Int.max) - stats.cases - inFlightCases))
        batchSize = min(config.batch, batchSize * 2)
        let firstID = session.model.nextID
        for k in 0..<size {
            let seed = seeds.next(&session.model)
            var c = seed ?? FuzzCase(messages: session.model.session(&ctx.random), idBase: session.model.nextID)
            let ops = seed != nil ? ["capture-seed"] : mutator.mutate(&c, model: session.model, &ctx)
            for op in ops { stats.operations[op, default: 0] += 1 }
            if c.restartFirst {
                if k > 0 || !restartAllowed { c.restartFirst = false } else {
                    try target.freshSession()
                    session.restarted()
                    c.idBase = 1
                }
            }
            if let g = twin, twinActive, seed == nil {
                guard let (chosen, p) = g.select(c) else { continue }
                c = chosen
                predictions.append(p)
            }
            batch.append(c)
            batchOps.append(ops)
            runner.pump(channel)
        }
        guard let channel = target.channel, !batch.isEmpty else { return nil }
        let (prefix, released) = session.takeReleases()
        let mark = runner.history?.count ?? 0
        guard let fences = runner.sendBatch(batch, prefix: prefix, channel: channel) else {
            // The server died on the batch still in flight: judging that one finds the culprit.
            if !restartAllowed { return nil }
            // The server is gone before the write: judge the first case as unanswered.
            runner.collectAfterFailedWrite(target.channel ?? channel, nanos: timeoutNanos)
            stats.cases += 1
            if let v = judge.evaluate(batch[0], .writeFailed, prefixRequests: released) {
                historyMark = mark
                batchPrefix = prefix
                pendingHistory = sessionHistory(before: [])
                try found(batch[0], v, mutations: batchOps[0])
                lastWasFinding = true
            } else { try recover() }
            return nil
        }
        return InFlight(cases: batch, ops: batchOps, fences: fences, released: released, prefix: prefix, historyMark: mark,
                        predictedBirths: session.model.nextID &- firstID, predictions: predictions)
    }

    /// Reads a batch's replies and judges each case; false when a finding renewed the session.
    private func receiveAndJudge(_ b: InFlight, next: [InFlight], channel: ByteChannel) throws(TargetError) -> Bool {
        let end = runner.receiveBatch(b.fences, channel: channel, timeoutNanos: timeoutNanos)
        let fenceEnds = runner.fenceEnds
        let batch = b.cases
        historyMark = b.historyMark
        batchPrefix = b.prefix
        var start = 0
        for (i, c) in batch.enumerated() {
            let caseEnd: CaseRunner.End
            if i < fenceEnds.count {
                runner.replyRange = start..<fenceEnds[i]
                caseEnd = .fenced
            } else {
                runner.replyRange = start..<runner.count
                caseEnd = end == .fenced ? .timeout : end
            }
            stats.cases += 1
            if var v = judge.evaluate(c, caseEnd, prefixRequests: i == 0 ? b.released : 0) {
                if caseEnd == .timeout { stats.timeouts += 1 }
                // The server reads a whole batch before it answers, so a death or hang is
                // pinned on the first unanswered case; the culprit may be a later one.
                var failing = c
                var ops = b.ops[i]
                pendingHistory = sessionHistory(before: Array(batch[0..<i]))
                runner.carry = 0
                // The batches written after this one may have been read with it: their cases
                // are suspects too.
                let suspects = batch + next.flatMap(\.cases)
                let suspectOps = b.ops + next.flatMap(\.ops)
                // The server answered every case before this one to its fence, so it died reading
                // this one, unless this one leaves an object open that swallows the next: only
                // then are the later cases suspects (each costs a life to clear).
                if caseEnd != .fenced, i + 1 < suspects.count, !c.messages.allSatisfy({ Framing.walk($0.bytes).isComplete }) {
                    if let (j, got) = reproducer.locateCulprit(suspects, from: i, like: v) {
                        failing = suspects[j]; ops = suspectOps[j]; v = got
                    } else {
                        // No single case does it alone: keep the rest as one case (probes
                        // included); minimisation cuts it down.
                        var messages: [FuzzCase.Message] = []
                        for (k, x) in suspects[i...].enumerated() {
                            messages += x.messages
                            messages.append(FuzzCase.Message(bytes: WireForm.versionRequest + WireForm.fence(UInt64(800_000_000 + k)).request))
                        }
                        failing = FuzzCase(messages: messages, idBase: c.idBase)
                        ops = Array(suspectOps[i...].joined())
                    }
                    if target.processEnd() != nil { try recover() }
                }
                try found(failing, v, mutations: ops)
                runner.carry = 0
                lastWasFinding = true
                return false
            }
            if judge.probeRebound {
                // Not a finding: a fresh server (or session) restores the names the probes use.
                stats.probeResets += 1
                runner.carry = 0
                try recover()
                return false
            }
            if config.lifeCostMillis != nil, i < b.predictions.count, case .dies = b.predictions[i], try divergedByAnswering(c, b.predictions[i]) { return false }
            let ops = b.ops[i]
            let scan = runner.buffer.withUnsafeBufferPointer { ReplyScan(UnsafeBufferPointer(rebasing: $0[runner.replyRange])) }
            session.learn(c, replies: scan, reorderedReleases: ops.contains("reorder") || ops.contains("duplicate") || ops.contains("drop"))
            runner.pump(channel)
            if stats.cases % config.auditEvery == 0 { auditDue = true }
            start = i < fenceEnds.count ? fenceEnds[i] : runner.count
        }
        return true
    }

    /// The writes of this session before the failing case: earlier round trips, the housekeeping
    /// and the cases of the batch before it (with their probes and fences).
    private func sessionHistory(before earlier: [FuzzCase]) -> [FuzzCase.Message]? {
        guard let h = runner.history else { return nil }
        var ms = h.prefix(historyMark).map { FuzzCase.Message(bytes: $0) }
        if !batchPrefix.isEmpty { ms.append(FuzzCase.Message(bytes: batchPrefix)) }
        for (k, c) in earlier.enumerated() {
            ms.append(FuzzCase.Message(bytes: c.bytes + WireForm.versionRequest + WireForm.fence(UInt64(900_000_000 + k)).request))
        }
        return ms
    }

    private func recover() throws(TargetError) {
        stats.restarts += 1
        try target.restart()
        session.restarted()
    }

    /// The leak oracle: release everything, dump the registry, and expect it (nearly) empty.
    private func audit() throws(TargetError) {
        guard let channel = target.channel else { return }
        let (prefix, n) = session.takeReleases()
        let c = FuzzCase(messages: [FuzzCase.Message(bytes: WireForm.registryRequest)])
        guard runner.run(c, prefix: prefix, channel: channel, timeoutNanos: timeoutNanos * 4) == .fenced else { return }
        let entries: Int? = runner.buffer.withUnsafeBufferPointer { p in
            let scan = ReplyScan(UnsafeBufferPointer(rebasing: p[runner.replyRange]))
            guard scan.objects.count > n else { return nil }
            let o = scan.objects[n]
            guard let h = WireHeader.read(UnsafeBufferPointer(rebasing: p[runner.replyRange]), o.start, device: false), h.kind == .map else { return nil }
            return h.count
        }
        guard let e = entries else { return }
        registryHistory.append(e)
        let k = registryHistory.count
        if e > config.leakThreshold, k >= 3, registryHistory[k - 1] > registryHistory[k - 2], registryHistory[k - 2] > registryHistory[k - 3] {
            let v = Verdict(oracle: .leak, detail: "the registry holds \(e) entries after every proxy was released (audits: \(registryHistory.suffix(4).map(String.init).joined(separator: ", ")))")
            record(v, case: c, signature: "leak|-|registry", minimize: false, mutations: [])
            registryHistory.removeAll()
        }
    }

    private func checkMemory() {
        guard let kb = target.process?.residentKB() else { return }
        guard let base = rssBaselineKB else {
            if elapsed > 2 { rssBaselineKB = kb }
            return
        }
        if kb > base + config.rssGrowthMB * 1024 {
            let v = Verdict(oracle: .memory, detail: "resident memory of the server grew from \(base / 1024) MB to \(kb / 1024) MB")
            record(v, case: FuzzCase(messages: []), signature: "memory|-|rss", minimize: false, mutations: [])
            rssBaselineKB = kb
        }
    }

    /// A case made an oracle fire: save it at once, restart the target, minimise a new signature.
    private func found(_ c: FuzzCase, _ v: Verdict, mutations: [String]) throws(TargetError) {
        let pre = v.signature(for: c)
        batchSize = 1
        twin?.learn(v, c)
        record(v, case: c, signature: pre, minimize: true, mutations: mutations)
        // The next case starts on a fresh, healthy server.
        if target.processEnd() != nil || v.fired(.hang) { try recover() } else {
            stats.restarts += 1
            try target.freshSession()
            session.restarted()
        }
    }

    /// The real target answered a case the twin expects to die of: confirmed on a fresh real
    /// session (the twin ran it on one), a `divergence`. True when the session was renewed.
    private func divergedByAnswering(_ c: FuzzCase, _ p: TwinOutcome) throws(TargetError) -> Bool {
        let fresh = c.rebasedToFreshSession()
        runner.carry = 0
        let real = reproducer.reproduce(fresh)
        if let (d, sig) = TwinGuide.divergence(real: real, twin: p, realClass: real.map { TwinGuide.classKey(of: $0, for: fresh) }) {
            record(d, case: fresh, signature: sig, minimize: false, mutations: [])
        }
        if case .dies(let k, _) = p { twin?.learn(classKey: k) }
        if target.processEnd() != nil { try recover() } else { session.restarted() }
        return true
    }

    private func record(_ v: Verdict, case c: FuzzCase, signature: String, minimize: Bool, mutations: [String]) {
        let r = runner.replyRange
        let moment = SessionFindings.Moment(seconds: elapsed, exec: stats.cases, replies: runner.buffer[r], history: pendingHistory,
                                            runEnd: config.maxTime.map { startNanos + UInt64($0 * 1e9) })
        pendingHistory = nil
        book.record(v, case: c, signature: signature, minimize: minimize, mutations: mutations, at: moment)
    }

    private func statsLine(final: Bool = false) -> String {
        RunSummary.statusLine(final: final, execs: stats.cases, seconds: elapsed, [
            "findings": final ? book.all.count : book.count, "restarts": stats.restarts, "timeouts": stats.timeouts, "slow": runner.slow,
        ])
    }
}
