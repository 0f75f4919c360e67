import ArgumentParser
import Capture
import Fuzzing
import Simulator

/// `--target client` wiring: the device twin is the honest server whose replies get mutated.
enum ClientRun {
    static func honestServer() -> ClientFuzzer.HonestServer {
        { let session = DeviceSession(); return { session.feed($0) } }
    }

    static func endpoint(_ o: StatefulTargetOptions) throws -> ClientFuzzer.Endpoint {
        if let l = o.listen {
            do { return .listen(port: try LoopbackAddress(parsing: l).port) } catch { throw ValidationError("\(error)") }
        }
        guard var t = o.spawn else { throw ValidationError("--target client needs --spawn \"CMD {port}\" (or {pty}), or --listen 127.0.0.1:PORT") }
        if o.pty && !t.contains("{pty}") { t += " {pty}" }
        return .spawn(t)
    }

    static func config(_ o: StatefulTargetOptions, _ base: SessionConfig) -> SessionConfig {
        var c = base
        c.timeout = o.clientTimeout
        return c
    }

    static func fuzz(options: StatefulTargetOptions, config base: SessionConfig, quiet: Bool) throws -> Int32 {
        let config = config(options, base)
        let fuzzer: ClientFuzzer
        do { fuzzer = try ClientFuzzer(endpoint: try endpoint(options), config: config, server: honestServer()) } catch let e as ValidationError { throw e } catch {
            Files.printError("msgfuzz: \(error)\n"); return 2
        }
        let prefix = config.worker.map { "[w\($0)] " } ?? ""
        if quiet { fuzzer.log = { _ in } } else if !prefix.isEmpty { fuzzer.log = { Files.printError(prefix + $0 + "\n") } }
        if !quiet { Files.printError("\(prefix)INFO: target client (\(fuzzer.description)), seed \(config.seed)\n") }
        do { try fuzzer.run() } catch { Files.printError("msgfuzz: \(error)\n"); return 2 }
        return config.report(fuzzer.summary, quiet: quiet)
    }

    static func replay(file: String, options: StatefulTargetOptions) throws -> Int32 {
        guard let plan = ClientFuzzer.loadPlan(file) else { Files.printError("msgfuzz: \(file) is not a client reproducer (.json with replies)\n"); return 2 }
        var base = options.config(seed: 1, runs: nil, maxTime: nil, findings: "/tmp", summaryJSON: nil)
        base = config(options, base)
        let fuzzer = try ClientFuzzer(endpoint: try endpoint(options), config: base, server: honestServer())
        let v = try fuzzer.replay(plan: plan, capture: options.capture)
        if let v {
            print("\(file): \(v.oracle) \(v.end?.description ?? "") \(v.detail)")
            return 1
        }
        print("\(file): pass (\(plan.count) mutated repl\(plan.count == 1 ? "y" : "ies"))")
        return 0
    }
}
