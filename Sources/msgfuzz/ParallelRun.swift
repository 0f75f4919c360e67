import ArgumentParser
import Foundation
import Fuzzing

/// `--jobs N`, for every target: N child processes of msgfuzz with the parent's arguments, each
/// with its own seed (seed + i) and its own summary, sharing the corpus and findings directories
/// (a server or client target: each worker spawns its own on its own free loopback port or
/// pseudo-terminal); the parent merges their summaries (`RunSummary.merge`).
enum ParallelRun {
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
        var summaries: [RunSummary] = []
        var failed = false, crashed = false
        for (i, (p, path)) in workers.enumerated() {
            p.waitUntilExit()
            if p.terminationReason == .uncaughtSignal || p.terminationStatus == 2 {
                if p.terminationReason == .uncaughtSignal { crashed = true } else { failed = true }
                Files.printError("msgfuzz: worker \(i) " + (p.terminationReason == .uncaughtSignal ? "died of signal \(p.terminationStatus)" : "could not run (exit status 2)") + "\n")
            }
            guard let s = RunSummary.load(path) else { continue }
            try? FileManager.default.removeItem(atPath: path)
            summaries.append(s)
        }
        var merged = RunSummary.merge(summaries, seconds: Date().timeIntervalSince(start))
        merged.findings += orphanFindings(findings, known: merged.findings, workerCrashed: crashed)
        if let path = summaryJSON {
            do { try Files.writeAtomically(merged.json, to: path) } catch { Files.printError("msgfuzz: \(error)\n"); return 2 }
        }
        if !quiet { Files.printError("SUMMARY: " + merged.text + "\n") }
        if !merged.findings.isEmpty { return 1 }
        return failed || crashed ? 2 : 0
    }

    /// Inputs of workers that died mid-execution: the crash guard's records turned into crash
    /// files, and (after a worker died of a signal) crash files its handler wrote without a
    /// report. Listed as `trap` findings.
    static func orphanFindings(_ dir: String, known: [Finding], workerCrashed: Bool) -> [Finding] {
        var paths = CrashGuard.recoverOrphans(in: dir)
        if workerCrashed, let names = try? Files.list(dir) {
            for n in names where n.hasPrefix("crash-") && !n.hasSuffix(".json") && !names.contains(n + ".json") {
                paths.append(dir + "/" + n)
            }
        }
        var seen = Set(known.map(\.inputPath))
        return paths.filter { seen.insert($0).inserted }.map { path in
            Finding(signature: "trap", oracle: "crash", detail: "", firstFoundSeconds: 0, inputPath: path,
                    size: (try? Files.read(path).count) ?? 0, mutations: [])
        }
    }
}
