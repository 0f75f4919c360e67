/// The findings of a server run: every failing case is saved at once (`crash-<sha1>` and its
/// replayable sidecar), a new class is minimised within its budget (with the session's history
/// when a fresh session does not reproduce it) and signed by the target's evidence; hits of
/// known classes are counted. A case no run reproduces is `flaky`: reported under the class its
/// evidence names, or joined to a reproduced finding of its kind, or only counted.
final class SessionFindings {
    private(set) var book: FindingBook
    let reproducer: SessionReproducer
    let log: (String) -> Void
    /// The kind (oracle and status) of each finding in `book`, by index.
    private var kinds: [String] = []
    /// Signatures seen before minimisation whose case did not lead to a finding of its own.
    private var preSignatures: Set<String> = []
    /// Findings not reproduced (yet), by signature, with their kind.
    private var unconfirmed: [(finding: Finding, kind: String)] = []
    /// Signatures before minimisation of the findings held back, to their signature.
    private var unconfirmedAliases: [String: String] = [:]
    /// Failing cases that did not fail again and whose evidence names no class.
    private(set) var flakyCases = 0
    /// Compares a minimised failing case with the device twin: a divergence and its signature.
    var divergenceCheck: ((FuzzCase, Verdict) -> (Verdict, String)?)?
    /// Seconds spent minimising, in all and per class (the budget is per class, and all of it at
    /// most a quarter of the run after its first minute).
    private(set) var minimizeSeconds = 0.0
    private var spentByClass: [String: Double] = [:]

    init(directory: String, reproducer: SessionReproducer, log: @escaping (String) -> Void) throws(FileError) {
        try Files.makeDirectory(directory)
        book = FindingBook(directory: directory)
        self.reproducer = reproducer
        self.log = log
    }

    /// Reproduced findings (the status line's count: it never goes down).
    var count: Int { book.count }
    var isEmpty: Bool { book.count == 0 && unconfirmed.isEmpty }
    /// Every finding, the ones never reproduced last.
    var all: [Finding] { book.findings + unconfirmed.map(\.finding) }

    /// Where the finding was made: seconds into the run, the case number, the reply bytes, the
    /// writes before it on the connection, the end of the run (monotonic nanoseconds).
    struct Moment {
        var seconds: Double
        var exec: Int
        var replies: ArraySlice<UInt8>
        var history: [FuzzCase.Message]?
        var runEnd: UInt64?
    }

    func record(_ v: Verdict, case c: FuzzCase, signature pre: String, minimize: Bool, mutations: [String], at m: Moment) {
        var sidecar = Sidecar(c, target: "server", verdict: v, signature: pre)
        sidecar.mutations = mutations
        sidecar.repliesHex = HexText.string(Array(m.replies.prefix(4096)))
        // The raw reproducer first (atomically), before anything else can go wrong.
        let rawPath = (try? book.save(c.bytes, sidecar: sidecar)) ?? book.directory + "/crash-" + SHA1.hex(c.bytes)
        if book.hit(pre) { return }
        if let u = unconfirmedAliases[pre], let j = unconfirmed.firstIndex(where: { $0.finding.signature == u }) {
            unconfirmed[j].finding.hits += 1
            return
        }
        if preSignatures.contains(pre) { return }
        preSignatures.insert(pre)
        var f = Finding(signature: pre, oracle: v.oracle, detail: v.detail, firstFoundSeconds: m.seconds, inputPath: rawPath,
                        size: c.byteCount, mutations: mutations)
        f.status = v.end?.key
        f.firstExec = m.exec
        f.messages = c.messages.count
        f.shape = RequestShape.describe(c.signatureRequest ?? [])
        f.targetOutput = SessionJudge.essentialOutput(reproducer.target.process?.stderrTail(limit: 1 << 16) ?? "")
        log("FINDING \(v.oracle) [\(pre)] after \(m.exec) cases, \(format1(m.seconds)) s: \(v.detail.prefix(160)) -> \(rawPath)")
        let classBudget = reproducer.minimizeSeconds - spentByClass[pre, default: 0]
        let runBudget = m.seconds < 60 ? Double.infinity : 0.25 * m.seconds - minimizeSeconds
        let budget = min(classBudget, runBudget)
        guard minimize, budget > 0.2 else { return add(f, kind: v.kind) }
        let began = Monotonic.now()
        defer {
            let spent = Double(Monotonic.now() - began) / 1e9
            minimizeSeconds += spent
            spentByClass[pre, default: 0] += spent
        }
        var minimized = reproducer.minimize(c, v, seconds: budget, overall: m.runEnd)
        if minimized == nil, let h = m.history, !h.isEmpty {
            // Not reproducible on a fresh session: replay the session's history before it.
            log("  not reproducible on a fresh session; minimising with the \(h.count) writes before it on the connection")
            var withHistory = c
            withHistory.messages = h + c.messages
            withHistory.idBase = 1
            minimized = reproducer.minimize(withHistory, v, seconds: budget - Double(Monotonic.now() - began) / 1e9, overall: m.runEnd)
        }
        guard let (mc, mv, transcript, runs) = minimized else { return holdBack(f, v, pre: pre) }
        f.minimizeRuns = runs
        f.oracle = mv.oracle
        f.status = mv.end?.key
        f.detail = mv.detail
        f.signature = mv.signature(for: mc)
        f.shape = RequestShape.describe(mc.signatureRequest ?? [])
        if book.hit(f.signature) { return book.alias(pre, to: f.signature) }
        let name = "min-" + SHA1.hex(mc.bytes)
        let target = reproducer.target
        f.capture = try? FindingBook.writeCapture(transcript, path: book.directory + "/" + name + ".pcap", serverPort: target.port,
                                                  serialLine: target.isSerial ? "urpc" : nil)
        var minSidecar = Sidecar(mc, target: "server", verdict: mv, signature: f.signature)
        minSidecar.capture = f.capture
        minSidecar.original = rawPath
        f.minimized = try? book.save(mc.bytes, name: name, sidecar: minSidecar)
        f.minimizedSize = mc.byteCount
        f.minimizedMessages = mc.messages.count
        f.minimizedHex = HexText.string(mc.bytes)
        if mc.messages.count == 1 { f.requestSize = FailureClass.requestBytes(mc.messages[0].bytes) }
        log("  minimised to \(mc.messages.count) message(s), \(mc.byteCount) bytes in \(runs) runs: \(f.signature) -> \(f.minimized ?? name)")
        add(f, kind: mv.kind, aliases: [pre])
        if let (d, signature) = divergenceCheck?(mc, mv) {
            record(d, case: mc, signature: signature, minimize: false, mutations: mutations, at: m)
        }
    }

    private func add(_ f: Finding, kind: String, aliases: [String] = []) {
        var f = f
        // Findings of this kind not reproduced earlier belong here now.
        if f.minimized != nil {
            for u in unconfirmed where u.kind == kind {
                f.hits += u.finding.hits
                f.firstFoundSeconds = min(f.firstFoundSeconds, u.finding.firstFoundSeconds)
            }
            unconfirmed.removeAll { $0.kind == kind }
        }
        book.add(f, aliases: aliases)
        kinds.append(kind)
    }

    /// A case no run reproduced: the culprit is not known, so such findings are grouped by
    /// oracle and status only, and counted with a reproduced finding of that kind if there is one.
    private func holdBack(_ f: Finding, _ v: Verdict, pre: String) {
        // Evidence names the class (an exception line, a hostile feature): report it there.
        if v.exception != nil || v.isDeath && FailureClass.crashFeatures.contains(String(pre.split(separator: "|").last ?? "")) {
            var f = f
            f.flaky = true
            log("  did not fail again on a fresh session (tried twice): flaky, under \(pre)")
            return add(f, kind: v.kind)
        }
        if let j = kinds.indices.first(where: { kinds[$0] == v.kind && book.findings[$0].minimized != nil }) {
            _ = book.hit(book.findings[j].signature)
            return book.alias(pre, to: book.findings[j].signature)
        }
        // No evidence names a class: counted as flaky (its input is saved), never a class of its own.
        flakyCases += 1
        log("  did not fail again on a fresh session (tried twice) and names no class: flaky, not a finding (\(f.inputPath))")
    }
}
