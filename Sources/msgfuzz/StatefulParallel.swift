import ArgumentParser
import Foundation
import Fuzzing

/// `--jobs N` with `--target server|client`: N child processes of msgfuzz, each with its own seed
/// (seed + i) and its own spawned target on its own free loopback port (or pseudo-terminal),
/// sharing the findings directory; the parent merges their summaries. Wiring only: the merge is
/// `ParallelSummary`.
enum StatefulParallel {
    /// A worker needs a target of its own: one server behind --connect or --serial, or one client
    /// started by hand (--listen), cannot be shared.
    static func validate(_ which: TargetName.Stateful, _ o: StatefulTargetOptions) throws {
        switch which {
        case .server:
            if o.connect != nil {
                throw ValidationError("--jobs needs a server per worker: --connect names one running server; use the default urpc-sim or --spawn \"CMD {port}\" (each worker starts its own), or --jobs 1")
            }
            if o.serial != nil { throw ValidationError("--jobs needs a server per worker: --serial names one device; use --jobs 1") }
        case .client:
            if o.listen != nil {
                throw ValidationError("--jobs needs a client per worker: --listen waits for one client started by hand; use --spawn \"CMD {port}\" (each worker starts its own), or --jobs 1")
            }
        }
    }

    /// Worker i's arguments: the parent's, without the options the parent sets per worker.
    static func workerArguments(_ args: [String], worker i: Int, seed: UInt64, runs: Int?, jobs: Int, summary: String) -> [String] {
        let perWorker: Set<String> = ["--jobs", "--seed", "--summary-json", "--runs", "--worker"]
        var out: [String] = []
        var k = 0
        while k < args.count {
            let a = args[k]
            if perWorker.contains(a) { k += 2; continue }
            if let eq = a.firstIndex(of: "="), perWorker.contains(String(a[..<eq])) { k += 1; continue }
            out.append(a)
            k += 1
        }
        out += ["--seed", String(seed &+ UInt64(i)), "--worker", String(i), "--summary-json", summary]
        if let r = runs { out += ["--runs", String((r + jobs - 1) / jobs)] }
        return out
    }

    /// Runs the workers and prints/writes the merged summary. Returns the exit status: 1 when
    /// any worker found something, 2 when a worker could not run, else 0.
    static func run(jobs: Int, seed: UInt64, runs: Int?, findings: String, summaryJSON: String?, quiet: Bool) -> Int32 {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        do { try Files.makeDirectory(findings) } catch { Files.printError("msgfuzz: \(error)\n"); return 2 }
        let start = Date()
        var workers: [(Process, String)] = []
        for i in 0..<jobs {
            let path = findings + "/.worker-\(i).json"
            try? FileManager.default.removeItem(atPath: path)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = workerArguments(Array(CommandLine.arguments.dropFirst()), worker: i, seed: seed, runs: runs, jobs: jobs, summary: path)
            do { try p.run() } catch {
                Files.printError("msgfuzz: cannot start worker \(i): \(error)\n")
                for (q, _) in workers { q.terminate() }
                return 2
            }
            workers.append((p, path))
        }
        StopRequest.install(forwardingTo: workers.map { $0.0.processIdentifier })
        var summaries: [[String: Any]] = []
        var failed = false
        for (i, (p, path)) in workers.enumerated() {
            p.waitUntilExit()
            if p.terminationReason == .uncaughtSignal || p.terminationStatus == 2 {
                failed = true
                Files.printError("msgfuzz: worker \(i) " + (p.terminationReason == .uncaughtSignal ? "died of signal \(p.terminationStatus)" : "could not run (exit status 2)") + "\n")
            }
            guard let data = FileManager.default.contents(atPath: path),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            try? FileManager.default.removeItem(atPath: path)
            summaries.append(obj)
        }
        let merged = ParallelSummary.merge(summaries, seconds: Date().timeIntervalSince(start))
        if let path = summaryJSON {
            do { try Files.writeAtomically(ParallelSummary.json(merged), to: path) } catch { Files.printError("msgfuzz: \(error)\n"); return 2 }
        }
        if !quiet { Files.printError("SUMMARY: " + ParallelSummary.text(merged) + "\n") }
        if !(merged["findings"] as? [[String: Any]] ?? []).isEmpty { return 1 }
        return failed ? 2 : 0
    }
}
