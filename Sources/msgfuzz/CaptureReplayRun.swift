import ArgumentParser
import Fuzzing

/// `msgfuzz replay --from-capture FILE`: the capture's client side, replayed at a server.
enum CaptureReplayRun {
    static func run(path: String, options: StatefulTargetOptions, output: String?) throws {
        let connections: [CapturedConnection]
        do { connections = try CaptureSeeds.connections(path: path) } catch {
            Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2)
        }
        guard connections.contains(where: { !$0.requests.isEmpty }) else {
            Files.printError("msgfuzz: \(path): no client request to replay\n"); throw ExitCode(2)
        }
        let config = options.config(seed: 1, runs: nil, maxTime: nil, findings: "/tmp", summaryJSON: nil)
        let target = try options.serverTarget(config: config)
        let outcome: CaptureReplay.Outcome
        do { outcome = try CaptureReplay.replay(connections, target: target, timeout: max(1, config.timeout)) } catch {
            Files.printError("msgfuzz: \(error)\n"); target.stop(); throw ExitCode(2)
        }
        if let out = output {
            for (k, t) in outcome.transcripts.enumerated() where !t.events.isEmpty {
                let file = k == 0 ? out : numbered(out, k + 1)
                do {
                    print("capture: " + (try FindingBook.writeCapture(t, path: file, serverPort: target.port, serialLine: target.isSerial ? "urpc" : nil)))
                } catch { Files.printError("msgfuzz: \(error)\n"); throw ExitCode(2) }
            }
        }
        print("\(path): \(outcome.transcripts.count) connection(s), \(outcome.requests) request(s) replayed, \(outcome.unanswered) unanswered")
    }

    /// `out.pcap` → `out.2.pcap`.
    static func numbered(_ path: String, _ n: Int) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return path + ".\(n)" }
        return path[..<dot] + ".\(n)" + path[dot...]
    }
}
