#if canImport(Glibc)
import Glibc
#endif

/// Stateful fuzzing of a urpc V1 server: generated sessions, mutated on three levels, pipelined
/// with the liveness probe in one round trip on a connection kept open while the server is
/// healthy; findings are deduplicated by signature, minimised and saved with a capture.
public final class ServerFuzzer {
    public let target: ServerTarget
    public let config: ServerFuzzConfig
    let files: FindingFiles
    let runner = CaseRunner()
    var model = ProtocolModel()
    /// The engine's mutation context: its seeded generator drives generation and mutation alike.
    var ctx: MutationContext
    let mutator = CaseMutator()
    public private(set) var findings: [ServerFinding] = []
    var findingIndex: [String: Int] = [:]
    var preSignatures: Set<String> = []
    public private(set) var stats = Stats()
    /// Ids born in replies and not yet released (released before the next case).
    var pendingRelease: [UInt32] = []
    var maxSeenID: UInt32 = 0
    var registryHistory: [Int] = []
    var rssBaselineKB: Int?
    var startNanos: UInt64 = 0
    var lastWasFinding = false
    var auditDue = false
    /// Set by the oracles when a probe was answered by an exception: see `probeAnsweredWithException`.
    var probeDisabled = false
    var inFlightBirths: UInt32 = 0
    var historyMark = 0
    var batchPrefix: [UInt8] = []
    /// What the connection carried before the failing case (for findings a fresh session does not reproduce).
    var pendingHistory: [FuzzCase.Message]?
    /// Called with every stats line and finding line (stderr by default).
    public var log: (String) -> Void = { s in Files.printError(s + "\n") }

    public struct Stats: Sendable {
        public var cases = 0
        public var timeouts = 0
        public var restarts = 0
        public var minimizeRuns = 0
        /// Cases answered only within the grace period after the timeout (slow, not dead).
        public var slowCases = 0
        /// Restarts because a case rebound a probe's name (`ex "_s = 2"`): not findings.
        public var probeResets = 0
        public var seconds = 0.0
        public var operations: [String: Int] = [:]
        public var casesPerSecond: Double { seconds > 0 ? Double(cases) / seconds : 0 }
    }

    public init(target: ServerTarget, config: ServerFuzzConfig) throws {
        self.target = target
        self.config = config
        self.ctx = MutationContext(seed: config.seed, maxLength: 8192)
        self.files = try FindingFiles(directory: config.findingsDirectory)
        let runner = self.runner
        target.onFreshSession = { runner.resetHistory() }
    }

    var timeoutNanos: UInt64 { UInt64(max(0.001, config.timeout) * 1e9) }
    var elapsed: Double { Double(Monotonic.now() - startNanos) / 1e9 }

    // MARK: The loop

    /// Runs until `runs`, `maxTime` or (with `stopOnFirst`) the first finding.
    public func run() throws(TargetError) {
        startNanos = Monotonic.now()
        try target.start()
        do { try loop() } catch {
            // The target is gone for good (a server we did not start did not come back): keep
            // what was found and end the run normally.
            guard !findings.isEmpty else { throw error }
            log("the target did not come back after a finding (\(error)); stopping")
        }
        stats.seconds = elapsed
        stats.slowCases = runner.slow
        log(statsLine(final: true))
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
    }

    private func loop() throws(TargetError) {
        runner.graceNanos = max(1_000_000_000, 4 * timeoutNanos)
        defer { runner.graceNanos = 0 }
        var nextStats = config.statsInterval > 0 ? config.statsInterval : Double.infinity
        var rounds = 0
        // Several batches in flight (`config.inFlight`): the next ones are written before the
        // oldest one's replies are read, so the server works while msgfuzz judges and generates,
        // and the write gaps of split messages overlap with both.
        var inFlight: [InFlight] = []
        var draining = false
        while true {
            rounds += 1
            var stop = false
            if let r = config.runs, stats.cases + inFlight.reduce(0, { $0 + $1.cases.count }) >= r { stop = true }
            if rounds & 7 == 0 || lastWasFinding {
                lastWasFinding = false
                let t = elapsed
                if let m = config.maxTime, t >= m { break }
                if StopRequest.isRequested { break }
                if t >= nextStats {
                    stats.seconds = t
                    checkMemory()
                    log(statsLine())
                    nextStats = t + config.statsInterval
                }
            }
            if config.stopOnFirst && !findings.isEmpty { break }
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
            inFlightBirths = inFlight.reduce(0) { $0 &+ $1.predictedBirths }
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
        let size = max(1, min(config.batch, (config.runs ?? Int.max) - stats.cases - inFlightCases))
        let firstID = model.nextID
        for k in 0..<size {
            var c = FuzzCase(messages: model.session(&ctx.random), idBase: model.nextID)
            let ops = mutator.mutate(&c, model: model, &ctx)
            for op in ops { stats.operations[op, default: 0] += 1 }
            if c.restartFirst {
                if k > 0 || !restartAllowed { c.restartFirst = false } else {
                    try target.freshSession()
                    model.serverRestarted()
                    pendingRelease.removeAll()
                    maxSeenID = 0
                    c.idBase = 1
                }
            }
            batch.append(c)
            batchOps.append(ops)
            runner.pump(channel)
        }
        guard let channel = target.channel else { return nil }
        var prefix: [UInt8] = []
        for id in pendingRelease { prefix.append(contentsOf: Probe.release(id)) }
        let released = pendingRelease.count
        pendingRelease.removeAll(keepingCapacity: true)
        let mark = runner.history?.count ?? 0
        guard let fences = runner.sendBatch(batch, prefix: prefix, channel: channel) else {
            // The server died on the batch still in flight: judging that one finds the culprit.
            if !restartAllowed { return nil }
            // The server is gone before the write: judge the first case as unanswered.
            runner.count = 0
            runner.replyRange = 0..<0
            stats.cases += 1
            if let v = evaluate(batch[0], .writeFailed, prefixRequests: released) {
                historyMark = mark
                batchPrefix = prefix
                pendingHistory = sessionHistory(before: [])
                try found(batch[0], v, mutations: batchOps[0])
                lastWasFinding = true
            } else { try recover() }
            return nil
        }
        _ = channel
        return InFlight(cases: batch, ops: batchOps, fences: fences, released: released, prefix: prefix, historyMark: mark,
                        predictedBirths: model.nextID &- firstID)
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
            if var v = evaluate(c, caseEnd, prefixRequests: i == 0 ? b.released : 0) {
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
                if caseEnd != .fenced, i + 1 < suspects.count {
                    if let (j, got) = locateCulprit(suspects, from: i, like: v) {
                        failing = suspects[j]; ops = suspectOps[j]; v = got
                    } else {
                        // No single case does it alone: keep the rest as one case (probes
                        // included); minimisation cuts it down.
                        var messages: [FuzzCase.Message] = []
                        for (k, x) in suspects[i...].enumerated() {
                            messages += x.messages
                            messages.append(FuzzCase.Message(bytes: Probe.ver + Probe.fence(UInt64(800_000_000 + k)).request))
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
            if probeDisabled {
                // Not a finding: a fresh server (or session) restores the names the probes use.
                probeDisabled = false
                stats.probeResets += 1
                runner.carry = 0
                try recover()
                return false
            }
            let ops = b.ops[i]
            learn(c, reorderedReleases: ops.contains("reorder") || ops.contains("duplicate") || ops.contains("drop"))
            runner.pump(channel)
            if stats.cases % config.auditEvery == 0 { auditDue = true }
            start = i < fenceEnds.count ? fenceEnds[i] : runner.count
        }
        return true
    }

    /// Runs the unanswered cases of a batch one by one on fresh sessions; the first that fails
    /// the same way is the culprit.
    func locateCulprit(_ batch: [FuzzCase], from i: Int, like v: ServerVerdict) -> (Int, ServerVerdict)? {
        let savedGrace = runner.graceNanos
        runner.graceNanos = 0
        defer { runner.graceNanos = savedGrace }
        for j in i..<batch.count {
            stats.minimizeRuns += 1
            if let got = reproduce(batch[j].rebasedToFreshSession()), got.kind == v.kind { return (j, got) }
        }
        return nil
    }

    /// The writes of this session before the failing case: earlier round trips, the housekeeping
    /// and the cases of the batch before it (with their probes and fences).
    func sessionHistory(before earlier: [FuzzCase]) -> [FuzzCase.Message]? {
        guard let h = runner.history else { return nil }
        var ms = h.prefix(historyMark).map { FuzzCase.Message(bytes: $0) }
        if !batchPrefix.isEmpty { ms.append(FuzzCase.Message(bytes: batchPrefix)) }
        for (k, c) in earlier.enumerated() {
            ms.append(FuzzCase.Message(bytes: c.bytes + Probe.ver + Probe.fence(UInt64(900_000_000 + k)).request))
        }
        return ms
    }

    /// After a fenced case: the ids born in the replies, to release before the next case.
    func learn(_ c: FuzzCase, reorderedReleases: Bool) {
        // The server's counter is what the replies show, whatever the generator predicted.
        defer { model.nextID = maxSeenID &+ 1 &+ inFlightBirths }
        let scan = runner.buffer.withUnsafeBufferPointer { ReplyScan(UnsafeBufferPointer(rebasing: $0[runner.replyRange])) }
        guard !scan.proxyIDs.isEmpty else { return }
        var releasedByCase: Set<UInt32> = []
        if !reorderedReleases {
            for m in c.messages where m.bytes.count == 10 && m.bytes[0] == 0x92 && m.bytes[1] == 0xa2
                && m.bytes[2] == 0x5f && m.bytes[3] == 0x64 && m.bytes[4] == 0xc4 && m.bytes[5] == 0x04 {
                releasedByCase.insert(UInt32(m.bytes[6]) << 24 | UInt32(m.bytes[7]) << 16 | UInt32(m.bytes[8]) << 8 | UInt32(m.bytes[9]))
            }
        }
        for id in scan.proxyIDs {
            if id > maxSeenID && id < 0xFFFF_0000 { maxSeenID = id }
            if releasedByCase.contains(id) { model.sawReleased(id) } else if pendingRelease.count < 4096 { pendingRelease.append(id) }
        }
    }

    func recover() throws(TargetError) {
        stats.restarts += 1
        try target.restart()
        model.serverRestarted()
        pendingRelease.removeAll()
        maxSeenID = 0
    }

    // MARK: Oracles

    /// The verdict of the oracles on the last run, nil when the server behaved.
    func evaluate(_ c: FuzzCase, _ end: CaseRunner.End, prefixRequests: Int) -> ServerVerdict? {
        probeDisabled = false
        switch end {
        case .fenced:
            return checkReplies(c, prefixRequests: prefixRequests)
        case .flood:
            return ServerVerdict(oracle: .flood, detail: "the server sent \(runner.replyRange.count) bytes without answering the probe")
        case .timeout, .endOfStream, .writeFailed:
            if let e = target.processEnd(waitMillis: end == .timeout ? 200 : 2000) {
                let tail = Self.essentialOutput(target.process?.stderrTail(limit: 1 << 16) ?? "")
                let detail = "the server program ended with \(e)" + (tail.isEmpty ? "" : ": " + tail.trimmingSpaces)
                if case .signaled = e { return ServerVerdict(oracle: .signal, end: e, detail: detail) }
                return ServerVerdict(oracle: .exit, end: e, detail: detail)
            }
            if end != .timeout { return ServerVerdict(oracle: .disconnect, detail: "the server closed the connection") }
            if runner.replyRange.isEmpty {
                return ServerVerdict(oracle: .hang, detail: "no reply within \(config.timeout) s")
            }
            let scan = runner.buffer.withUnsafeBufferPointer { ReplyScan(UnsafeBufferPointer(rebasing: $0[runner.replyRange])) }
            // Every request answered, the last (the fence) by an exception: a rebound name, not a
            // hang (a server that stops answering leaves requests unanswered).
            let answered = scan.objects.reduce(0) { $0 + ($1.isConsole ? 0 : 1) }
            if answered >= prefixRequests + c.messages.count + 2, probeAnsweredWithException(scan, last: 1) {
                probeDisabled = true
                return nil
            }
            var detail = "the [\"ver\"] probe was not answered within \(config.timeout) s after \(runner.replyRange.count) reply bytes"
            if scan.longestTextRun >= 16 { detail += "; text on the reply stream: \"\(textSnippet())\"" }
            return ServerVerdict(oracle: .liveness, detail: detail)
        }
    }

    /// The lines of a dead program's stderr that say why (not its backtrace).
    static func essentialOutput(_ s: String) -> String {
        let lines = s.split(separator: "\n").map(String.init)
        let key = lines.filter {
            $0.contains("Fatal error") || $0.contains("urpc-sim:") || $0.contains("device fault") || $0.contains("crashed")
                || $0.hasPrefix("Error") || $0.contains("Segmentation") || $0.contains("Aborted")
        }
        if !key.isEmpty { return key.prefix(2).joined(separator: " ").trimmingSpaces }
        return String(lines.suffix(2).joined(separator: " ").suffix(200)).trimmingSpaces
    }

    func textSnippet() -> String {
        let r = runner.replyRange
        let printable = runner.buffer[r.lowerBound..<min(r.upperBound, r.lowerBound + 4096)].map { $0 >= 0x20 && $0 < 0x7f ? $0 : 0x20 }
        var s = String(decoding: printable, as: UTF8.self)
        if let r = s.range(of: "Traceback") { s = String(s[r.lowerBound...]) }
        return String(s.prefix(80)).trimmingSpaces
    }

    static func looksLikeReadinto(_ b: [UInt8]) -> Bool {
        b.count >= 4 && (b[0] & 0xf0) == 0x90 && b[1] == 0xa2 && b[2] == 0x72 && b[3] == 0x69
    }

    func checkReplies(_ c: FuzzCase, prefixRequests: Int) -> ServerVerdict? {
        // `ri` replies carry raw bytes that are not MessagePack by design.
        if c.messages.contains(where: { Self.looksLikeReadinto($0.bytes) }) { return nil }
        let scan = runner.buffer.withUnsafeBufferPointer { ReplyScan(UnsafeBufferPointer(rebasing: $0[runner.replyRange])) }
        if let at = scan.invalidAt {
            return ServerVerdict(oracle: .nonMsgpack, detail: "byte 0x\(String(runner.buffer[runner.replyRange.lowerBound + at], radix: 16)) at reply offset \(at) is not MessagePack")
        }
        if scan.longestTextRun >= 24, textSnippet().hasPrefix("Traceback") {
            return ServerVerdict(oracle: .nonMsgpack, detail: "text on the reply stream: \"\(textSnippet())\"")
        }
        // The pairing oracle holds only for a case whose requests each answer once; whether they
        // do (a walk of every message) is asked only when the replies do not pair up.
        guard let v = pairingVerdict(c, scan, prefixRequests: prefixRequests) else { return nil }
        let clean = c.messages.allSatisfy { !$0.isGarbage && Framing.answersOnce($0.bytes) }
        return clean ? v : nil
    }

    private func pairingVerdict(_ c: FuzzCase, _ scan: ReplyScan, prefixRequests: Int) -> ServerVerdict? {
        let expected = prefixRequests + c.messages.count + 2
        let total = scan.objects.count
        let plain = scan.objects.reduce(0) { $0 + ($1.isConsole ? 0 : 1) }
        if plain > expected || total < expected {
            return ServerVerdict(oracle: .pairing, detail: "\(expected) requests got \(plain) replies (\(total - plain) console objects)")
        }
        if probeAnsweredWithException(scan, last: 2) { probeDisabled = true; return nil }
        let probe = scan.objects[total - 2]
        let o = runner.replyRange.lowerBound
        if probe.end - probe.start != 3 || runner.buffer[o + probe.start] != 0xa2 || runner.buffer[o + probe.start + 1] != 0x56
            || runner.buffer[o + probe.start + 2] != 0x31 {
            return ServerVerdict(oracle: .pairing, detail: "the reply before the fence is not the probe's \"V1\"")
        }
        return nil
    }

    /// `ex` runs code in the server's namespace, where commands are looked up, so a case can rebind
    /// a probe's own name (`ex "_s = 2"`, `ex "ver = 0"`, as the real device allows): the probe is
    /// then answered, in order, by an exception. The server is alive and pairs its replies; it only
    /// cannot be probed until its namespace is restored. True when the replies are complete
    /// MessagePack and one of the `last` objects (the probes' replies) is an `ExtType(2)`.
    func probeAnsweredWithException(_ scan: ReplyScan, last: Int) -> Bool {
        guard scan.invalidAt == nil, scan.trailing == 0, scan.objects.count >= last else { return false }
        let o = runner.replyRange.lowerBound
        return runner.buffer.withUnsafeBufferPointer { p in
            scan.objects.suffix(last).contains { obj in
                if case .ext(type: 2)? = WireHeader.read(p, o + obj.start, device: false)?.kind { return true }
                return false
            }
        }
    }

    /// The leak oracle: release everything, dump the registry, and expect it (nearly) empty.
    func audit() throws(TargetError) {
        guard let channel = target.channel else { return }
        var prefix: [UInt8] = []
        for id in pendingRelease { prefix.append(contentsOf: Probe.release(id)) }
        let n = pendingRelease.count
        pendingRelease.removeAll()
        let c = FuzzCase(messages: [FuzzCase.Message(bytes: Probe.re)])
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
            let v = ServerVerdict(oracle: .leak, detail: "the registry holds \(e) entries after every proxy was released (audits: \(registryHistory.suffix(4).map(String.init).joined(separator: ", ")))")
            record(v, case: c, signature: "leak|-|registry", minimize: false)
            registryHistory.removeAll()
        }
    }

    func checkMemory() {
        guard let kb = target.process?.residentKB() else { return }
        guard let base = rssBaselineKB else {
            if elapsed > 2 { rssBaselineKB = kb }
            return
        }
        if kb > base + config.rssGrowthMB * 1024 {
            let v = ServerVerdict(oracle: .memory, detail: "resident memory of the server grew from \(base / 1024) MB to \(kb / 1024) MB")
            record(v, case: FuzzCase(messages: []), signature: "memory|-|rss", minimize: false)
            rssBaselineKB = kb
        }
    }

    // MARK: Findings

    /// A case made an oracle fire: save it at once, restart the target, minimise a new signature.
    func found(_ c: FuzzCase, _ v: ServerVerdict, mutations: [String]) throws(TargetError) {
        let pre = v.signature(lastRequest: c.signatureRequest)
        record(v, case: c, signature: pre, minimize: true, mutations: mutations)
        // The next case starts on a fresh, healthy server.
        if target.processEnd() != nil || v.oracle == .hang { try recover() } else {
            stats.restarts += 1
            try target.freshSession()
            model.serverRestarted()
            pendingRelease.removeAll()
            maxSeenID = 0
        }
    }

    func record(_ v: ServerVerdict, case c: FuzzCase, signature pre: String, minimize: Bool, mutations: [String] = []) {
        let sha = SHA1.hex(c.bytes)
        let rawPath = files.directory + "/crash-" + sha
        // The raw reproducer first (the engine's atomic write), before anything else can go wrong.
        _ = try? files.write("crash-" + sha, c.bytes)
        let r = runner.replyRange
        let replies = r.isEmpty ? [] : Array(runner.buffer[r.lowerBound..<min(r.upperBound, r.lowerBound + 4096)])
        _ = try? files.write("crash-" + sha + ".json", FindingFiles.describe(c, verdict: v, signature: pre, target: "server",
                                                                            extra: ["mutations": mutations, "replies_hex": HexText.string(replies)]))
        if let i = findingIndex[pre] { findings[i].hits += 1; return }
        if preSignatures.contains(pre) { return }
        preSignatures.insert(pre)
        var f = ServerFinding(signature: pre, verdict: v, original: c, reproducerPath: rawPath, hits: 1,
                              firstSeconds: elapsed, firstCase: stats.cases)
        f.mutations = mutations
        f.targetOutput = Self.essentialOutput(target.process?.stderrTail(limit: 1 << 16) ?? "")
        log("FINDING \(v.oracle.rawValue) [\(pre)] after \(stats.cases) cases, \(format1(elapsed)) s: \(v.detail.prefix(160)) -> \(rawPath)")
        var minimized = minimize ? self.minimize(c, v) : nil
        if minimize, minimized == nil, let h = pendingHistory, !h.isEmpty {
            // Not reproducible on a fresh session: replay the session's history before it.
            log("  not reproducible on a fresh session; minimising with the \(h.count) writes before it on the connection")
            var withHistory = c
            withHistory.messages = h + c.messages
            withHistory.idBase = 1
            minimized = self.minimize(withHistory, v)
        }
        pendingHistory = nil
        if minimize, minimized == nil {
            // The last request is not known to be the cause: group such findings by oracle and
            // status only.
            f.signature = "\(v.oracle.rawValue)|\(v.end?.key ?? "-")|not-reproduced"
            // Same oracle and status as a finding that has a reproducer: count it there.
            if let j = findings.firstIndex(where: { $0.minimized != nil && $0.verdict.kind == v.kind }) {
                findings[j].hits += 1
                findingIndex[pre] = j
                return
            }
            if let j = findingIndex[f.signature] {
                findings[j].hits += 1
                findingIndex[pre] = j
                return
            }
            log("  not reproduced on a fresh session or with its history: kept as found (\(f.signature))")
        }
        if let (mc, mv, transcript, runs) = minimized {
            stats.minimizeRuns += runs
            f.minimizeRuns = runs
            f.minimized = mc
            f.verdict = mv
            f.signature = mv.signature(lastRequest: mc.signatureRequest)
            let msha = SHA1.hex(mc.bytes)
            if let j = findingIndex[f.signature] {
                findings[j].hits += 1
                findingIndex[pre] = j
                return
            }
            _ = try? files.write("min-" + msha, mc.bytes)
            f.minimizedPath = files.directory + "/min-" + msha
            f.capturePath = try? files.writeCapture(transcript, name: "min-" + msha + ".pcap", serverPort: target.port,
                                                    serialLine: target.isSerial ? "urpc" : nil)
            _ = try? files.write("min-" + msha + ".json", FindingFiles.describe(mc, verdict: mv, signature: f.signature, target: "server",
                                                                               extra: ["capture": f.capturePath ?? "", "original": rawPath]))
            log("  minimised to \(mc.messages.count) message(s), \(mc.byteCount) bytes in \(runs) runs: \(f.signature) -> \(f.minimizedPath!)")
        }
        findingIndex[f.signature] = findings.count
        findingIndex[pre] = findings.count
        findings.append(f)
        // A finding of this oracle and status kept unreproduced earlier belongs here now.
        if f.minimized != nil,
           let r = findings.firstIndex(where: { $0.minimized == nil && $0.signature.hasSuffix("|not-reproduced") && $0.verdict.kind == f.verdict.kind }) {
            let n = findings.count - 1
            findings[n].hits += findings[r].hits
            findings[n].firstSeconds = min(findings[n].firstSeconds, findings[r].firstSeconds)
            findings.remove(at: r)
            let newIndex = n - 1
            findingIndex = findingIndex.mapValues { i in i == r ? newIndex : (i > r ? i - 1 : i) }
        }
    }

    func statsLine(final: Bool = false) -> String {
        let t = elapsed
        let rate = t > 0 ? Int(Double(stats.cases) / t) : 0
        return "\(final ? "DONE" : "#\(stats.cases)") cases: \(stats.cases) cases/s: \(rate) findings: \(findings.count) restarts: \(stats.restarts) timeouts: \(stats.timeouts) slow: \(runner.slow) time: \(Int(t))s"
    }
}

func format1(_ d: Double) -> String {
    let t = (d * 10).rounded() / 10
    return String(t)
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\n" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\n" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
