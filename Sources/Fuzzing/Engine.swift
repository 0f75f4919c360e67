#if canImport(Glibc)
import Glibc
#endif

package struct EngineOptions: Sendable {
    package var runs: Int? = nil
    package var maxTime: Double? = nil
    package var seed: UInt64 = 1
    /// Corpus directories to load; new inputs are saved into the first one (if `saveCorpus`).
    package var corpusDirectories: [String] = []
    package var saveCorpus = true
    package var findingsDirectory = "findings"
    package var maxLength = 4096
    /// Length control (libFuzzer's -len_control): generated inputs start at this length and the
    /// limit doubles after `lengthPatience` executions without new behaviour, up to `maxLength`;
    /// short inputs first keeps executions fast and findings small.
    package var initialMaxLength = 64
    package var lengthPatience = 200_000
    /// Every n-th execution is thorough even without new behaviour.
    package var thoroughEvery = 64
    /// Most mutations stacked on one input.
    package var maxStackedMutations = 4
    /// An execution slower than this is a `slow-input` finding.
    package var timeLimitSeconds = 1.0
    /// Resident memory above this is an `rss-limit` finding.
    package var rssLimitMB = 2048
    package var statusInterval = 1.0
    /// Re-read the shared corpus directory this often (parallel workers).
    package var syncInterval = 5.0
    package var statusPrefix = ""
    /// Install the crash handler and the `.current` record (off in unit tests of the loop).
    package var crashGuard = true
    package var quiet = false

    package init() {}
}

/// The fuzz loop: pick a corpus entry, stack 1…n named mutations, execute, keep inputs with new
/// behaviour, store findings. Deterministic for a seed and a corpus (wall-clock only decides when
/// to stop and when to print). The hot loop reuses one input buffer and never touches Foundation.
package final class Engine<Target: FuzzTarget> {
    package var target: Target
    package let options: EngineOptions
    package let table: MutatorTable
    package private(set) var corpus = Corpus()
    package private(set) var features = FeatureSet()
    package private(set) var book: FindingBook
    package var findings: [Finding] { book.findings }
    private var context: MutationContext
    /// Called with every generated input before it runs (tests: determinism).
    package var observer: (([UInt8]) -> Void)? = nil
    package private(set) var execs = 0
    /// The current length limit of generated inputs (see `EngineOptions.initialMaxLength`).
    package var currentMaxLength: Int { context.maxLength }
    private var start = 0.0

    package init(target: Target, options: EngineOptions, table: MutatorTable = .standard) {
        book = FindingBook(directory: options.findingsDirectory)
        self.target = target
        self.options = options
        self.table = table
        context = MutationContext(seed: options.seed, maxLength: min(options.maxLength, max(1, options.initialMaxLength)))
        start = Files.now()
    }

    /// Loads the corpus directories and runs every seed once (seeds with new behaviour are kept).
    package func loadCorpus() throws(FileError) {
        for dir in options.corpusDirectories {
            try Files.makeDirectory(dir)
            for input in try Corpus.load(dir, maxLength: options.maxLength) { addSeed(input) }
        }
        if corpus.isEmpty { addSeed([0xc0]) }
    }

    /// Runs a seed input; keeps it when it shows new behaviour (or the corpus is empty, or
    /// `keep`). True when it joined the corpus.
    @discardableResult
    package func addSeed(_ input: [UInt8], keep: Bool = false) -> Bool {
        features.begin()
        if options.crashGuard { CrashGuard.record(input) }
        let v = target.execute(input, thorough: true, features: &features)
        if options.crashGuard { CrashGuard.idle() }
        if v.isFinding { record(v, input, mutations: ["seed"]) }
        guard features.newCount > 0 || corpus.isEmpty || keep, corpus.add(input) != nil else { return false }
        context.corpus = corpus.inputs
        return true
    }

    package func run() -> RunSummary {
        var lastStatus = start, lastSync = start
        var input: [UInt8] = []
        input.reserveCapacity(options.maxLength + 64)
        var applied: [Int] = []
        applied.reserveCapacity(16)
        let runs = options.runs ?? Int.max
        let deadline = options.maxTime.map { start + $0 } ?? Double.infinity
        var lastNew = 0
        while execs < runs {
            if execs & 255 == 0 {
                let now = Files.now()
                if now >= deadline || StopRequest.isRequested { break }
                if now - lastStatus >= options.statusInterval {
                    lastStatus = now
                    if !options.quiet { Files.printError(statusLine(now)) }
                    checkMemory(input)
                }
                if options.corpusDirectories.count > 0 && now - lastSync >= options.syncInterval {
                    lastSync = now
                    syncCorpus()
                }
            }
            // Generate.
            // Parent: the shorter of two random entries (AFL favours small, fast inputs), so long
            // inputs are still mutated but do not dominate the time.
            let p1 = corpus.inputs[context.random.below(corpus.count)]
            let p2 = corpus.inputs[context.random.below(corpus.count)]
            let parent = p1.count <= p2.count ? p1 : p2
            input.removeAll(keepingCapacity: true)
            input.append(contentsOf: parent.prefix(context.maxLength))
            applied.removeAll(keepingCapacity: true)
            let stack = 1 + context.random.below(options.maxStackedMutations)
            for _ in 0..<stack { applied.append(table.mutateOnce(&input, &context)) }
            observer?(input)
            // Execute.
            if options.crashGuard { CrashGuard.record(input) }
            features.begin()
            let thorough = execs % options.thoroughEvery == 0
            let t0 = Files.now()
            var verdict = target.execute(input, thorough: thorough, features: &features)
            if !thorough && features.newCount > 0 && !verdict.isFinding {
                // New behaviour: this input gets the expensive oracles too.
                verdict = target.execute(input, thorough: true, features: &features)
            }
            let dt = Files.now() - t0
            if options.crashGuard { CrashGuard.idle() }
            execs += 1
            if verdict.isFinding {
                record(verdict, input, mutations: applied.map { table.mutators[$0].name })
            } else if dt > options.timeLimitSeconds {
                record(.finding(oracle: "slow-input", signature: "slow-input:\(target.name)",
                                detail: "one execution took \(RunSummary.milli(dt)) s (limit \(options.timeLimitSeconds) s)"),
                       input, mutations: applied.map { table.mutators[$0].name })
            }
            if features.newCount > 0 {
                lastNew = execs
            } else if execs - lastNew > options.lengthPatience && context.maxLength < options.maxLength {
                context.maxLength = min(options.maxLength, context.maxLength * 2)
                lastNew = execs
            }
            if features.newCount > 0 {
                if let _ = corpus.add(input) {
                    context.corpus = corpus.inputs
                    if options.saveCorpus, let dir = options.corpusDirectories.first { try? Corpus.save(input, to: dir) }
                }
            }
        }
        let end = Files.now()
        if !options.quiet { Files.printError(statusLine(end, final: true)) }
        var summary = RunSummary(target: target.name, execs: execs, seconds: end - start, findings: findings)
        summary.corpusSize = corpus.count
        summary.features = features.total
        return summary
    }

    private func statusLine(_ now: Double, final: Bool = false) -> String {
        options.statusPrefix + RunSummary.statusLine(final: final, execs: execs, seconds: now - start, [
            "corpus": corpus.count, "features": features.total, "findings": findings.count, "len": context.maxLength,
        ]) + "\n"
    }

    /// Stores a finding the first time its signature appears (later ones count as hits): the
    /// input is on disk before anything else is done with it.
    private func record(_ v: Verdict, _ input: [UInt8], mutations: [String]) {
        guard v.isFinding, !book.hit(v.signature) else { return }
        let path = options.findingsDirectory + "/crash-" + SHA1.hex(input)
        let f = Finding(signature: v.signature, oracle: v.oracle, detail: v.detail, firstFoundSeconds: Files.now() - start,
                        inputPath: path, size: input.count, mutations: mutations)
        var sidecar = Sidecar(target: target.name, verdict: v, signature: nil)
        sidecar.firstFoundSeconds = f.firstFoundSeconds
        sidecar.size = input.count
        sidecar.mutations = mutations
        do { try book.save(input, sidecar: sidecar) } catch {
            Files.printError("msgfuzz: \(error)\n")
        }
        book.add(f)
        if !options.quiet {
            Files.printError("\(options.statusPrefix)FINDING \(v.oracle) [\(v.signature)] \(v.detail) -> \(path) (mutations: \(mutations.joined(separator: ",")))\n")
        }
        target.reset()
    }

    private func checkMemory(_ input: [UInt8]) {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let mb = Int(usage.ru_maxrss) / 1024
        if mb > options.rssLimitMB {
            record(.finding(oracle: "rss-limit", signature: "rss-limit:\(target.name)",
                            detail: "resident memory \(mb) MB above the limit of \(options.rssLimitMB) MB"),
                   input, mutations: [])
        }
    }

    /// Picks up inputs other workers saved into the shared corpus directory.
    private func syncCorpus() {
        guard let dir = options.corpusDirectories.first, let names = try? Files.list(dir) else { return }
        for name in names where !corpus.contains(hash: name) && !Corpus.isBeingWritten(name) {
            if let bytes = try? Files.read(dir + "/" + name, limit: options.maxLength + 1), bytes.count <= options.maxLength {
                addSeed(bytes)
            }
        }
    }
}
