import URPC

/// The oracles of a server session: judge the replies of the last run (`runner.replyRange`) and
/// what became of the server program. One judge per fuzzer; the reproducer shares it.
final class SessionJudge {
    let runner: CaseRunner
    let target: ServerTarget
    /// Seconds without a reply before a case counts as unanswered.
    let timeout: Double
    /// Set by the last `evaluate` when a probe was answered by an exception: see
    /// `probeAnsweredWithException` (not a finding; a fresh server restores the name).
    private(set) var probeRebound = false

    init(runner: CaseRunner, target: ServerTarget, timeout: Double) {
        self.runner = runner
        self.target = target
        self.timeout = timeout
    }

    /// The verdict of the oracles on the last run, nil when the server behaved. A verdict carries
    /// the exception line of a traceback the target wrote as it died (on the reply stream or its
    /// output), which names the failure's class.
    func evaluate(_ c: FuzzCase, _ end: CaseRunner.End, prefixRequests: Int) -> Verdict? {
        guard var v = oracles(c, end, prefixRequests: prefixRequests) else { return nil }
        v.exception = FailureClass.exception(inReplies: runner.buffer[runner.replyRange])
        if v.exception == nil, v.isDeath, let out = target.process?.stderrTail(limit: 1 << 14), out.contains("Traceback") {
            v.exception = FailureClass.exception(in: Array(out.utf8))
        }
        return v
    }

    private func oracles(_ c: FuzzCase, _ end: CaseRunner.End, prefixRequests: Int) -> Verdict? {
        probeRebound = false
        switch end {
        case .fenced:
            return checkReplies(c, prefixRequests: prefixRequests)
        case .flood:
            return Verdict(oracle: .flood, detail: "the server sent \(runner.replyRange.count) bytes without answering the probe")
        case .timeout, .endOfStream, .writeFailed:
            if let e = target.processEnd(waitMillis: end == .timeout ? 200 : 2000) {
                let tail = Self.essentialOutput(target.process?.stderrTail(limit: 1 << 16) ?? "")
                let detail = "the server program ended with \(e)" + (tail.isEmpty ? "" : ": " + tail.trimmingSpaces)
                if case .signaled = e { return Verdict(oracle: .signal, end: e, detail: detail) }
                return Verdict(oracle: .exit, end: e, detail: detail)
            }
            if end != .timeout { return Verdict(oracle: .disconnect, detail: "the server closed the connection") }
            if runner.replyRange.isEmpty {
                return Verdict(oracle: .hang, detail: "no reply within \(timeout) s")
            }
            let scan = runner.buffer.withUnsafeBufferPointer { ReplyScan(UnsafeBufferPointer(rebasing: $0[runner.replyRange])) }
            // Every request answered, the last (the fence) by an exception: a rebound name, not a
            // hang (a server that stops answering leaves requests unanswered).
            let answered = scan.objects.reduce(0) { $0 + ($1.isConsole ? 0 : 1) }
            if answered >= prefixRequests + c.messages.count + 2, probeAnsweredWithException(scan, last: 1) {
                probeRebound = true
                return nil
            }
            var detail = "the [\"ver\"] probe was not answered within \(timeout) s after \(runner.replyRange.count) reply bytes"
            if scan.longestTextRun >= 16 { detail += "; text on the reply stream: \"\(textSnippet())\"" }
            return Verdict(oracle: .liveness, detail: detail)
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

    static func looksLikeReadinto(_ b: [UInt8]) -> Bool { WireForm.isReadInto(b) }

    func checkReplies(_ c: FuzzCase, prefixRequests: Int) -> Verdict? {
        // `ri` replies carry raw bytes that are not MessagePack by design.
        if c.messages.contains(where: { Self.looksLikeReadinto($0.bytes) }) { return nil }
        let scan = runner.buffer.withUnsafeBufferPointer { ReplyScan(UnsafeBufferPointer(rebasing: $0[runner.replyRange])) }
        if let at = scan.invalidAt {
            return Verdict(oracle: .nonMsgpack, detail: "byte 0x\(String(runner.buffer[runner.replyRange.lowerBound + at], radix: 16)) at reply offset \(at) is not MessagePack")
        }
        if scan.longestTextRun >= 24, textSnippet().hasPrefix("Traceback") {
            return Verdict(oracle: .nonMsgpack, detail: "text on the reply stream: \"\(textSnippet())\"")
        }
        // The pairing oracle holds only for a case whose requests each answer once; whether they
        // do (a walk of every message) is asked only when the replies do not pair up.
        guard let v = pairingVerdict(c, scan, prefixRequests: prefixRequests) else { return nil }
        let clean = c.messages.allSatisfy { !$0.isGarbage && Framing.answersOnce($0.bytes) }
        return clean ? v : nil
    }

    private func pairingVerdict(_ c: FuzzCase, _ scan: ReplyScan, prefixRequests: Int) -> Verdict? {
        let expected = prefixRequests + c.messages.count + 2
        let total = scan.objects.count
        let plain = scan.objects.reduce(0) { $0 + ($1.isConsole ? 0 : 1) }
        if plain > expected || total < expected {
            return Verdict(oracle: .pairing, detail: "\(expected) requests got \(plain) replies (\(total - plain) console objects)")
        }
        if probeAnsweredWithException(scan, last: 2) { probeRebound = true; return nil }
        let probe = scan.objects[total - 2]
        let o = runner.replyRange.lowerBound
        if !runner.buffer[(o + probe.start)..<(o + probe.end)].elementsEqual(WireForm.versionReply) {
            return Verdict(oracle: .pairing, detail: "the reply before the fence is not the probe's \"V1\"")
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
                if case .ext(type: ExtCode.exception)? = WireHeader.read(p, o + obj.start, device: false)?.kind { return true }
                return false
            }
        }
    }
}
