import ArgumentParser
import Fuzzing
import MessagePack

struct MinimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "minimize",
        abstract: "Shrink a finding to the bytes that still give the same finding signature (each try runs in a child process, so traps are fine)."
    )

    @OptionGroup var targetOptions: TargetOptions

    @Argument(help: "The input file (e.g. findings/crash-<sha1>).")
    var file: String

    @Option(help: "Where to write the minimised input (default: FILE.min).")
    var output: String?

    @Option(name: .customLong("max-attempts"), help: "Most candidate inputs tried.")
    var maxAttempts: Int = 20_000

    func run() throws {
        let input: [UInt8]
        do { input = try Files.read(file) } catch { Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2) }
        let kind = targetOptions.target.kind
        let original = ForkRunner.run(kind, input)
        let signature = original.signature
        guard !signature.isEmpty else {
            Files.printError("msgfuzz: \(file) gives no finding on target \(kind.rawValue); nothing to minimise\n")
            throw ExitCode(2)
        }
        let small = Minimizer.minimize(input, maxAttempts: maxAttempts) { ForkRunner.run(kind, $0).signature == signature }
        let out = output ?? file + ".min"
        do { try Files.writeAtomically(small, to: out) } catch { Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2) }
        print("signature: \(signature)")
        print("minimised \(input.count) -> \(small.count) bytes: \(Hex.spaced(small.prefix(256)))\(small.count > 256 ? " …" : "")")
        print("written to \(out)")
    }
}

// Deliberately alike: option declarations (argument parsing, alike in shape only).
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run inputs through the target with every oracle and print the verdict (exit 1 when one gives a finding)."
    )

    @OptionGroup var targetOptions: TargetOptions

    @OptionGroup(title: "Server targets") var stateful: StatefulTargetOptions

    @Argument(help: "Input files.")
    var files: [String] = []

    @Option(name: .customLong("from-capture"), help: "Replay the client side of each connection of this pcap/pcapng at the server (--spawn, --connect, --serial or urpc-sim), one request at a time.")
    var fromCapture: String?

    @Option(name: .customShort("w"), help: "With --from-capture: write the new session as a capture (a second connection goes to NAME.2.pcap …).")
    var write: String?

    @Flag(help: "Run each input in a child process and report a trap instead of dying of it.")
    var fork = false

    func validate() throws {
        if fromCapture == nil && files.isEmpty { throw ValidationError("give input files or --from-capture") }
        if fromCapture != nil && !files.isEmpty { throw ValidationError("--from-capture takes no input files") }
        if fromCapture != nil && targetOptions.target.stateful == .client { throw ValidationError("--from-capture replays at a server") }
    }

    func run() throws {
        if let path = fromCapture { return try CaptureReplayRun.run(path: path, options: stateful, output: write ?? stateful.capture) }
        if targetOptions.target.stateful == .client {
            var worst: Int32 = 0
            for file in files { worst = max(worst, try ClientRun.replay(file: file, options: stateful)) }
            if worst != 0 { throw ExitCode(worst) }
            return
        }
        // A server reproducer: replayed against a fresh server session (--connect, --spawn, --serial or urpc-sim).
        if targetOptions.target.stateful == .server || stateful.connect != nil || stateful.serial != nil || stateful.spawn != nil {
            var worst: Int32 = 0
            for file in files {
                let config = stateful.config(seed: 1, runs: nil, maxTime: nil, findings: "/tmp", summaryJSON: nil)
                let target = try stateful.serverTarget(config: config)
                worst = max(worst, ServerRun.replay(file: file, target: target, config: config, capture: stateful.capture))
            }
            if worst != 0 { throw ExitCode(worst) }
            return
        }
        var found = false
        for file in files {
            let input: [UInt8]
            do { input = try Files.read(file) } catch { Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2) }
            let outcome: ChildOutcome
            if fork {
                outcome = ForkRunner.run(targetOptions.target.kind, input)
            } else {
                var target = targetOptions.target.kind.make()
                var features = FeatureSet()
                features.begin()
                outcome = .verdict(target.execute(input, thorough: true, features: &features))
            }
            switch outcome {
            case .verdict(let v) where !v.isFinding:
                print("\(file): pass (\(input.count) bytes)")
            case .verdict(let v):
                found = true
                print("\(file): FINDING \(v.oracle) [\(v.signature)]: \(v.detail)")
            case .trap, .timeout:
                found = true
                print("\(file): FINDING [\(outcome.signature)]")
            }
        }
        if found { throw ExitCode(1) }
    }
}

struct DedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Group the crash-* files of a findings directory by signature and keep the smallest of each group."
    )

    @OptionGroup var targetOptions: TargetOptions

    @Argument(help: "Findings directory.")
    var directory: String = "findings"

    @Flag(name: .customLong("dry-run"), help: "Only print what would be removed.")
    var dryRun = false

    func run() throws {
        let names: [String]
        do { names = try Files.list(directory) } catch { Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2) }
        var inputs: [(path: String, bytes: [UInt8])] = []
        for n in names where n.hasPrefix("crash-") && !n.hasSuffix(".json") && !n.hasSuffix(".min") {
            if let b = try? Files.read(directory + "/" + n) { inputs.append((directory + "/" + n, b)) }
        }
        let kind = targetOptions.target.kind
        let result = FindingBook.deduplicate(inputs) { ForkRunner.run(kind, $0).signature }
        for k in result.kept { print("keep \(k.path)  [\(k.signature.isEmpty ? "no finding" : k.signature)]") }
        for d in result.duplicates {
            print("\(dryRun ? "would remove" : "remove") \(d)")
            if !dryRun { removeFile(d); removeFile(d + ".json") }
        }
    }
}

struct CorpusMinimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cmin",
        abstract: "Corpus minimisation: keep the smallest input for each distinct behaviour signature."
    )

    @OptionGroup var targetOptions: TargetOptions

    @Option(name: .customLong("corpus"), help: "Input corpus directory.")
    var corpus: String

    @Option(help: "Output directory (files named by content hash).")
    var output: String

    func run() throws {
        do {
            let inputs = try Corpus.load(corpus)
            var target = targetOptions.target.kind.make()
            var features = FeatureSet()
            let kept = Corpus.minimize(inputs) { x in
                features.begin()
                _ = target.execute(x, thorough: false, features: &features)
                return features.signature
            }
            try Files.makeDirectory(output)
            for k in kept { try Corpus.save(k, to: output) }
            print("cmin: \(inputs.count) inputs -> \(kept.count) (one per behaviour) in \(output)")
        } catch {
            Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2)
        }
    }
}
