import ArgumentParser
import Foundation
import Fuzzing

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

    @Option(name: .customLong("max-len"), help: "Largest input generated, in bytes.")
    var maxLength: Int = 4096

    @Option(name: .customLong("thorough-every"), help: "Run the expensive oracles on every n-th input (and on all inputs with new behaviour).")
    var thoroughEvery: Int = 64

    @Option(name: .customLong("timeout"), help: "Seconds one execution may take before it is a slow-input finding.")
    var timeout: Double = 1.0

    @Option(name: .customLong("rss-limit-mb"), help: "Resident memory limit in MB (an rss-limit finding beyond it).")
    var rssLimitMB: Int = 2048

    @Flag(name: .customLong("no-save-corpus"), help: "Do not write new inputs into the corpus directory.")
    var noSaveCorpus = false

    @Flag(help: "No status lines.")
    var quiet = false

    @Option(help: .hidden)
    var worker: Int?

    func validate() throws {
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
        if let st = targetOptions.target.stateful { return try runStateful(st) }
        if jobs > 1 { return try runParallel() }
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
        if jobs > 1 {
            try StatefulParallel.validate(which, stateful)
            let status = StatefulParallel.run(jobs: jobs, seed: seed, runs: runs, findings: findings, summaryJSON: summaryJSON, quiet: quiet)
            if status != 0 { throw ExitCode(status) }
            return
        }
        let config = stateful.config(seed: seed, runs: runs, maxTime: maxTime, findings: findings, summaryJSON: summaryJSON, worker: worker)
        let status: Int32
        switch which {
        case .server:
            status = ServerRun.fuzz(target: try stateful.serverTarget(config: config), config: config, quiet: quiet)
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
        if !quiet { Files.printError("\(options.statusPrefix)INFO: target \(target.name), seed \(seed), \(engine.corpus.count) corpus inputs kept of the seeds, \(engine.table.mutators.count) mutators\n") }
        return engine.run()
    }

    private func finish(_ summary: RunSummary) throws {
        if let path = summaryJSON {
            do { try Files.writeAtomically(Array(summary.json.utf8), to: path) } catch {
                Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2)
            }
        }
        if worker == nil && !quiet {
            Files.printError("SUMMARY: \(summary.execs) execs in \(String(format: "%.1f", summary.seconds)) s (\(Int(summary.execPerSecond)) exec/s), corpus \(summary.corpusSize), features \(summary.features), \(summary.findings.count) finding(s)\n")
            for f in summary.findings { Files.printError("  \(f.oracle) [\(f.signature)] \(f.inputPath) (\(f.size) bytes, after \(String(format: "%.2f", f.firstFoundSeconds)) s)\n") }
        }
        if !summary.findings.isEmpty { throw ExitCode(1) }
    }

    /// `--jobs N`: N child processes of this executable, each with its own seed, sharing the corpus
    /// and findings directories; the parent merges their summaries.
    private func runParallel() throws {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        try? FileManager.default.createDirectory(atPath: findings, withIntermediateDirectories: true)
        let start = Date()
        var processes: [(Process, String)] = []
        for i in 0..<jobs {
            let summaryPath = findings + "/.worker-\(i).json"
            var args = ["run", "--target", targetOptions.target.kind.rawValue, "--seed", String(seed &+ UInt64(i)),
                        "--findings", findings, "--summary-json", summaryPath, "--worker", String(i),
                        "--max-len", String(maxLength), "--thorough-every", String(thoroughEvery),
                        "--timeout", String(timeout), "--rss-limit-mb", String(rssLimitMB)]
            for c in corpus { args += ["--corpus", c] }
            if let r = runs { args += ["--runs", String((r + jobs - 1) / jobs)] }
            if let t = maxTime { args += ["--max-time", String(t)] }
            if noSaveCorpus { args.append("--no-save-corpus") }
            if quiet { args.append("--quiet") }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = args
            do { try p.run() } catch { Files.printError("msgfuzz: cannot start worker \(i): \(error)\n"); throw ExitCode(2) }
            processes.append((p, summaryPath))
        }
        StopRequest.install(forwardingTo: processes.map { $0.0.processIdentifier })
        var execs = 0, corpusSize = 0, features = 0
        var merged: [String: Finding] = [:]
        var crashed = false
        var failedWorkers = 0
        for (i, (p, path)) in processes.enumerated() {
            p.waitUntilExit()
            if p.terminationReason == .uncaughtSignal {
                crashed = true
                Files.printError("msgfuzz: worker \(i) died of signal \(p.terminationStatus)\n")
            } else if p.terminationStatus == 2 {
                failedWorkers += 1
                Files.printError("msgfuzz: worker \(i) could not run (exit status 2)\n")
            }
            guard let data = FileManager.default.contents(atPath: path),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            try? FileManager.default.removeItem(atPath: path)
            execs += obj["execs"] as? Int ?? 0
            corpusSize = max(corpusSize, obj["corpus_size"] as? Int ?? 0)
            features = max(features, obj["features"] as? Int ?? 0)
            for f in obj["findings"] as? [[String: Any]] ?? [] {
                let finding = Finding(signature: f["signature"] as? String ?? "", oracle: f["oracle"] as? String ?? "",
                                      detail: "", firstFoundSeconds: f["first_found_s"] as? Double ?? 0,
                                      inputPath: f["input"] as? String ?? "", size: f["size"] as? Int ?? 0,
                                      mutations: f["mutations"] as? [String] ?? [])
                if let old = merged[finding.signature], old.firstFoundSeconds <= finding.firstFoundSeconds { continue }
                merged[finding.signature] = finding
            }
        }
        var findingsList = merged.values.sorted { $0.firstFoundSeconds < $1.firstFoundSeconds }
        for path in CrashGuard.recoverOrphans(in: findings) {
            findingsList.append(Finding(signature: "trap", oracle: "crash", detail: "", firstFoundSeconds: 0, inputPath: path, size: 0, mutations: []))
        }
        if crashed, let names = try? Files.list(findings) {
            // A worker's crash handler wrote crash files without a report: list them as trap findings.
            for n in names where n.hasPrefix("crash-") && !n.hasSuffix(".json") && !names.contains(n + ".json") {
                let path = findings + "/" + n
                if !findingsList.contains(where: { $0.inputPath == path }) {
                    let size = (try? Files.read(path).count) ?? 0
                    findingsList.append(Finding(signature: "trap", oracle: "crash", detail: "", firstFoundSeconds: 0, inputPath: path, size: size, mutations: []))
                }
            }
        }
        if let first = corpus.first, let names = try? Files.list(first) { corpusSize = max(corpusSize, names.count) }
        let summary = RunSummary(execs: execs, seconds: Date().timeIntervalSince(start), corpusSize: corpusSize,
                                 features: features, findings: findingsList)
        try finish(summary)
        // Findings decide the exit status first (above); otherwise a worker that could not run
        // makes the run a set-up error, not a clean pass.
        if failedWorkers > 0 { throw ExitCode(2) }
    }
}
