/// Whole runs for the command line: fuzz a server and report, or replay one reproducer.
package enum ServerRun {
    /// Fuzzes, prints the findings table, writes the summary JSON. Returns the exit status
    /// (0 no finding, 1 findings, 2 set-up error), as the engine's runs do.
    /// `predictor`: the device twin, for twin-guided selection on an expensive target.
    package static func fuzz(target: ServerTarget, config: SessionConfig, quiet: Bool, predictor: TwinPredictor? = nil,
                             seeds: [SeedSession] = []) -> Int32 {
        let prefix = config.worker.map { "[w\($0)] " } ?? ""
        let fuzzer: ServerFuzzer
        do { fuzzer = try ServerFuzzer(target: target, config: config, log: quiet ? { _ in } : { Files.printError(prefix + $0 + "\n") }) } catch {
            Files.printError("msgfuzz: \(error)\n")
            return 2
        }
        if let p = predictor { fuzzer.guide(with: p) }
        fuzzer.seeds = SeedQueue(seeds)
        if !quiet { Files.printError("\(prefix)INFO: target server (\(target.description)), seed \(config.seed), reply timeout \(config.timeout) s\n") }
        do { try fuzzer.run() } catch {
            Files.printError("msgfuzz: \(error)\n")
            target.stop()
            return 2
        }
        return config.report(fuzzer.summary, quiet: quiet)
    }

    /// Sends a reproducer (a `crash-…`/`min-…` file, with its `.json` description when present)
    /// to a fresh server session and prints what the oracles say; optionally writes the session
    /// as a capture. Returns 1 when an oracle fires, 0 when the server behaved, 2 on set-up errors.
    package static func replay(file: String, target: ServerTarget, config: SessionConfig, capture: String?) -> Int32 {
        let c: FuzzCase
        do { c = try ReplayFile.load(file) } catch { Files.printError("msgfuzz: \(error)\n"); return 2 }
        let runner = CaseRunner()
        target.onFreshSession = { runner.resetHistory() }
        let reproducer = SessionReproducer(runner: runner, target: target, judge: SessionJudge(runner: runner, target: target, timeout: config.timeout),
                                           minimizeSeconds: 0)
        do { try target.start() } catch {
            Files.printError("msgfuzz: \(error)\n")
            return 2
        }
        defer { target.stop() }
        let v = reproducer.reproduce(c.rebasedToFreshSession(), record: capture != nil)
        if let path = capture, let t = reproducer.lastTranscript, !t.events.isEmpty,
           let written = try? FindingBook.writeCapture(t, path: path, serverPort: target.port, serialLine: target.isSerial ? "urpc" : nil) {
            print("capture: \(written)")
        }
        let size = "\(c.messages.count) message(s), \(c.byteCount) bytes"
        if let v {
            print("\(file): \(v.oracle) [\(v.signature(for: c))] \(v.detail) (\(size))")
            return 1
        }
        if reproducer.probeRebound {
            print("\(file): pass (\(size)): every request answered; the case rebinds a name the probes use (they were answered by an exception), so a fuzzing run restarts the server after it")
        } else {
            print("\(file): pass (\(size)): every request answered, the probe answered \"V1\"")
        }
        return 0
    }
}
