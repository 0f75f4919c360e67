import ArgumentParser
import Foundation
import Fuzzing

// Deliberately alike: each command declares its own options (argument parsing, alike in shape only).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Fuzz a target (the default subcommand)."
    )

    @OptionGroup var targetOptions: TargetOptions

    @OptionGroup(title: "Server and client targets") var stateful: StatefulTargetOptions

    @Option(help: "Stop after this many executions.")
    var runs: Int?

    @Option(name: .customLong("max-time"), help: "Stop after this many seconds.")
    var maxTime: Double?

    @Option(help: "Seed of the mutation generator; a seed and a corpus give the same inputs.")
    var seed: UInt64 = 1

    @Option(help: "Parallel workers: child processes of msgfuzz sharing the corpus and findings directories (server and client targets: each worker spawns its own target on its own loopback port).")
    var jobs: Int = 1

    @Option(name: .customLong("corpus"), help: "Corpus directory (repeatable); new inputs are saved into the first.")
    var corpus: [String] = []

    @Option(help: "Directory for crash-<sha1> inputs and their .json reports.")
    var findings: String = "findings"

    @Option(name: .customLong("summary-json"), help: "Write a JSON summary of the run to this file.")
    var summaryJSON: String?

    // Deliberately alike: each command declares its own options (argument parsing, alike in shape only).
    @Option(name: .customLong("max-len"), help: "Largest input generated, in bytes.")
    var maxLength: Int = 4096

    @Option(name: .customLong("thorough-every"), help: "Run the expensive oracles on every n-th input (and on all inputs with new behaviour).")
    var thoroughEvery: Int = 64

    @Option(name: .customLong("timeout"), help: "Seconds one execution may take before it is a slow-input finding.")
    var timeout: Double = 1.0

    @Option(name: .customLong("rss-limit-mb"), help: "Resident memory limit in MB (an rss-limit finding beyond it).")
    var rssLimitMB: Int = 2048

    @Option(name: .customLong("seed-capture"), parsing: .upToNextOption,
            help: "pcap/pcapng captures of urpc traffic (TCP or serial). codec: every message becomes a corpus input; server: each connection's client side is sent first, as a session, its proxy ids rebased.")
    var seedCapture: [String] = []

    @Flag(name: .customLong("no-save-corpus"), help: "Do not write new inputs into the corpus directory.")
    var noSaveCorpus = false

    @Flag(help: "No status lines.")
    var quiet = false

    @Option(help: .hidden)
    var worker: Int?

    func validate() throws {
        if jobs > 1 && !seedCapture.isEmpty { throw ValidationError("--seed-capture works with --jobs 1") }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let r = runs, r < 0 { throw ValidationError("--runs must not be negative") }
        if let t = maxTime, t < 0 { throw ValidationError("--max-time must not be negative") }
        if maxLength < 1 { throw ValidationError("--max-len must be at least 1") }
        if thoroughEvery < 1 { throw ValidationError("--thorough-every must be at least 1") }
    }

    func run() throws {
        // Ctrl-C / kill: stop at the next check and write the summary (workers: the parent passes
        // the signal on after starting them).
        if jobs == 1 { StopRequest.install() }
        if worker != nil { StopRequest.stopWithParent() }
        if jobs > 1 {
            if let st = targetOptions.target.stateful { try ParallelRun.validate(st, stateful) }
            let status = ParallelRun.run(jobs: jobs, seed: seed, runs: runs, findings: findings, summaryJSON: summaryJSON, quiet: quiet)
            if status != 0 { throw ExitCode(status) }
            return
        }
        if let st = targetOptions.target.stateful { return try runStateful(st) }
        let summary: RunSummary
        do {
            switch targetOptions.target.kind {
            case .codec: summary = try fuzz(CodecTarget())
            case .plantedCrash: summary = try fuzz(PlantedCrashTarget())
            }
        } catch let e as FileError {
            Files.printError("msgfuzz: \(e)\n")
            throw ExitCode(2)
        }
        try finish(summary)
    }

    /// `--target server|client`: the same run options, the stateful target's loop.
    private func runStateful(_ which: TargetName.Stateful) throws {
        let seeds: [SeedSession]
        do { seeds = which == .server ? try CaptureSeeds.serverSeeds(paths: seedCapture) : [] } catch {
            Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2)
        }
        if !quiet && !seedCapture.isEmpty { Files.printError("INFO: \(seeds.count) seed session(s) from \(seedCapture.count) capture(s)\n") }
        let config = stateful.config(seed: seed, runs: runs, maxTime: maxTime, findings: findings, summaryJSON: summaryJSON, worker: worker)
        let status: Int32
        switch which {
        case .server:
            status = ServerRun.fuzz(target: try stateful.serverTarget(config: config), config: config, quiet: quiet,
                                    predictor: stateful.twinPredictor, seeds: seeds)
        case .client:
            status = try ClientRun.fuzz(options: stateful, config: config, quiet: quiet)
        }
        if status != 0 { throw ExitCode(status) }
    }

    private func engineOptions() -> EngineOptions {
        var o = EngineOptions()
        o.runs = runs
        o.maxTime = maxTime
        o.seed = seed
        o.corpusDirectories = corpus
        o.saveCorpus = !noSaveCorpus
        o.findingsDirectory = findings
        o.maxLength = maxLength
        o.thoroughEvery = thoroughEvery
        o.timeLimitSeconds = timeout
        o.rssLimitMB = rssLimitMB
        o.quiet = quiet
        if let w = worker { o.statusPrefix = "[w\(w)] " }
        return o
    }

    private func fuzz<T: FuzzTarget>(_ target: T) throws -> RunSummary {
        let options = engineOptions()
        try Files.makeDirectory(findings)
        for path in CrashGuard.recoverOrphans(in: findings) {
            Files.printError("msgfuzz: recovered the input of a process that died mid-execution: \(path)\n")
        }
        try CrashGuard.install(findingsDirectory: findings, capacity: maxLength)
        defer { CrashGuard.uninstall() }
        let engine = Engine(target: target, options: options)
        try engine.loadCorpus()
        if !seedCapture.isEmpty {
            let inputs: [[UInt8]]
            do { inputs = try CaptureSeeds.codecInputs(paths: seedCapture, maxLength: maxLength) } catch {
                Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2)
            }
            let added = engine.addCaptureInputs(inputs)
            if !quiet { Files.printError("INFO: \(inputs.count) messages from \(seedCapture.count) capture(s), \(added) new corpus inputs\n") }
        }
        if !quiet { Files.printError("\(options.statusPrefix)INFO: target \(target.name), seed \(seed), \(engine.corpus.count) corpus inputs kept of the seeds, \(engine.table.mutators.count) mutators\n") }
        return engine.run()
    }

    private func finish(_ summary: RunSummary) throws {
        if let path = summaryJSON {
            do { try Files.writeAtomically(summary.json, to: path) } catch {
                Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2)
            }
        }
        if worker == nil && !quiet { Files.printError("SUMMARY: " + summary.text + "\n") }
        if !summary.findings.isEmpty { throw ExitCode(1) }
    }
}
