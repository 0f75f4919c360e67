/// Whole runs for the command line: fuzz a server and report, or replay one reproducer.
public enum ServerRun {
    /// Fuzzes, prints the findings table, writes the summary JSON. Returns the exit status
    /// (0 no finding, 1 findings, 2 set-up error), as the engine's runs do.
    public static func fuzz(target: ServerTarget, config: ServerFuzzConfig, quiet: Bool) -> Int32 {
        let fuzzer: ServerFuzzer
        do { fuzzer = try ServerFuzzer(target: target, config: config) } catch {
            Files.printError("msgfuzz: \(error)\n")
            return 2
        }
        let prefix = config.worker.map { "[w\($0)] " } ?? ""
        if quiet { fuzzer.log = { _ in } } else if !prefix.isEmpty { fuzzer.log = { Files.printError(prefix + $0 + "\n") } }
        if !quiet { Files.printError("\(prefix)INFO: target server (\(target.description)), seed \(config.seed), reply timeout \(config.timeout) s\n") }
        do { try fuzzer.run() } catch {
            Files.printError("msgfuzz: \(error)\n")
            target.stop()
            return 2
        }
        let s = fuzzer.stats
        if let path = config.summaryJSON {
            let json = FuzzSummary.json(target: "server", endpoint: target.description, config: config, stats: s, findings: fuzzer.findings)
            do { try Files.writeAtomically(json, to: path) } catch { Files.printError("msgfuzz: \(error)\n"); return 2 }
        }
        // A worker's summary is merged and printed by the parent (`ParallelSummary`).
        if !quiet && config.worker == nil { Files.printError("SUMMARY: " + FuzzSummary.text(findings: fuzzer.findings, stats: s) + "\n") }
        return fuzzer.findings.isEmpty ? 0 : 1
    }

    /// Sends a reproducer (a `crash-…`/`min-…` file, with its `.json` description when present)
    /// to a fresh server session and prints what the oracles say; optionally writes the session
    /// as a capture. Returns 1 when an oracle fires, 0 when the server behaved, 2 on set-up errors.
    public static func replay(file: String, target: ServerTarget, config: ServerFuzzConfig, capture: String?) -> Int32 {
        let c: FuzzCase
        do { c = try ReplayFile.load(file) } catch { Files.printError("msgfuzz: \(error)\n"); return 2 }
        let fuzzer: ServerFuzzer
        do {
            fuzzer = try ServerFuzzer(target: target, config: config)
            try target.start()
        } catch {
            Files.printError("msgfuzz: \(error)\n")
            return 2
        }
        defer { target.stop() }
        let v = fuzzer.reproduce(c.rebasedToFreshSession(), record: capture != nil)
        if let path = capture, let t = fuzzer.runner.transcript ?? Optional(Transcript()), !t.events.isEmpty {
            let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
            let name = path.contains("/") ? String(path[path.index(after: path.lastIndex(of: "/")!)...]) : path
            if let files = try? FindingFiles(directory: dir),
               let written = try? files.writeCapture(t, name: name, serverPort: target.port, serialLine: target.isSerial ? "urpc" : nil) {
                print("capture: \(written)")
            }
        }
        let size = "\(c.messages.count) message(s), \(c.byteCount) bytes"
        if let v {
            print("\(file): \(v.oracle.rawValue) [\(v.signature(lastRequest: c.signatureRequest))] \(v.detail) (\(size))")
            return 1
        }
        if fuzzer.probeDisabled {
            print("\(file): pass (\(size)): every request answered; the case rebinds a name the probes use (they were answered by an exception), so a fuzzing run restarts the server after it")
        } else {
            print("\(file): pass (\(size)): every request answered, the probe answered \"V1\"")
        }
        return 0
    }
}
