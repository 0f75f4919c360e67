import Foundation
import MessagePack
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `kill` / Ctrl-C on a running msgfuzz: it stops at its next check, writes its summary, exits
/// with the usual status and leaves no target process behind.
@Suite(.serialized) struct StopRequestTests {
    /// Starts msgfuzz, lets it fuzz for a moment, sends `signal`, and returns its exit and how long
    /// it took to stop.
    func runAndSignal(_ args: [String], signal: Int32, after seconds: Double = 2) throws -> (status: Int32, exited: Bool, stopSeconds: Double) {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"), "msgfuzz is built with the tests")
        let p = TestSupport.process(exe, args)
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(UInt32(seconds * 1e6))
        #expect(p.isRunning, "msgfuzz ended before the signal")
        let t0 = Date()
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        return (p.terminationStatus, p.terminationReason == .exit, Date().timeIntervalSince(t0))
    }

    /// Whether something still listens on the loopback port of an endpoint ("… on 127.0.0.1:PORT").
    func listening(_ endpoint: String) -> Bool {
        guard let port = endpoint.split(separator: ":").last.flatMap({ UInt16($0) }) else { return false }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func serverRunStopsCleanly(signal: Int32) throws {
        let dir = TestSupport.temporaryDirectory("stop-server")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runAndSignal(["--target", "server", "--reply-timeout", "5", "--max-time", "300", "--seed", "5", "--findings", dir + "/f",
                                  "--summary-json", dir + "/s.json", "--quiet"], signal: signal)
        #expect(r.exited && r.status == 0, "exit \(r.status)")
        #expect(r.stopSeconds < 15)
        let s = try ServerTestSupport.summary(dir + "/s.json")
        #expect((s["execs"] as? Int ?? 0) > 0)
        #expect(ServerTestSupport.findings(s).isEmpty, "the signal is not a finding: \(s["findings"] ?? "")")
        let endpoints = s["endpoints"] as? [String] ?? [s["endpoint"] as? String ?? ""]
        #expect(!endpoints.isEmpty)
        for e in endpoints { #expect(!listening(e), "urpc-sim still runs: \(e)") }
    }

    @Test func parallelWorkersStopWithTheirParent() throws {
        let dir = TestSupport.temporaryDirectory("stop-jobs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runAndSignal(["--target", "server", "--reply-timeout", "5", "--jobs", "2", "--max-time", "300", "--seed", "5",
                                  "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"], signal: SIGTERM, after: 3)
        #expect(r.exited && r.status == 0, "exit \(r.status)")
        #expect(r.stopSeconds < 15)
        let s = try ServerTestSupport.summary(dir + "/s.json")
        #expect(s["workers"] as? Int == 2)
        #expect((s["execs"] as? Int ?? 0) > 0)
        let endpoints = try #require(s["endpoints"] as? [String])
        #expect(endpoints.count == 2)
        for e in endpoints { #expect(!listening(e), "urpc-sim still runs: \(e)") }
    }

    @Test func workersStopWhenTheirParentIsKilled() throws {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"), "msgfuzz is built with the tests")
        let dir = TestSupport.temporaryDirectory("stop-orphans")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = TestSupport.process(exe, ["--target", "server", "--reply-timeout", "5", "--jobs", "2", "--max-time", "300", "--seed", "5", "--findings", dir + "/f", "--quiet"])
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(3_000_000)
        kill(p.processIdentifier, SIGKILL)   // no chance to pass anything on
        p.waitUntilExit()
        // Each worker notices, stops its urpc-sim and writes its summary.
        var summaries: [[String: Any]] = []
        for _ in 0..<150 where summaries.count < 2 {
            usleep(100_000)
            summaries = (0..<2).compactMap { i in
                FileManager.default.contents(atPath: dir + "/f/.worker-\(i).json")
                    .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            }
        }
        #expect(summaries.count == 2, "the workers of a killed parent kept running")
        usleep(300_000)
        for s in summaries {
            let e = s["endpoint"] as? String ?? ""
            #expect(!listening(e), "urpc-sim still runs: \(e)")
        }
    }

    @Test func codecRunStopsCleanly() throws {
        let dir = TestSupport.temporaryDirectory("stop-codec")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try runAndSignal(["--target", "codec", "--max-time", "300", "--no-save-corpus", "--corpus", TestSupport.packageRoot + "/corpus/codec",
                                  "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"], signal: SIGINT)
        #expect(r.exited && r.status == 0, "exit \(r.status)")
        #expect(r.stopSeconds < 10)
        let data = try #require(FileManager.default.contents(atPath: dir + "/s.json"))
        let s = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((s["execs"] as? Int ?? 0) > 0)
        #expect((s["seconds"] as? Double ?? 300) < 60)
    }
}

/// A case may rebind the names the probes use (`ex` runs in the server's namespace, where commands
/// are looked up): the probes are then answered by exceptions. The server is alive and in order,
/// so that is not a finding; the run restarts the server to restore its names.
@Suite struct ProbeRebindingTests {
    @Test(arguments: ["_s= 2", "ver = 0"])
    func rebindingAProbeNameIsNotAFinding(code: String) throws {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"), "msgfuzz is built with the tests")
        let dir = TestSupport.temporaryDirectory("rebind")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let request = try MessagePack.Encoder().encode(["ex", .string(code)])
        let file = dir + "/case"
        try Data(request).write(to: URL(fileURLWithPath: file))
        // A generous reply timeout: a slow machine must not turn a late reply into a hang.
        let r = try TestSupport.run(exe, ["replay", "--target", "server", "--reply-timeout", "5", file])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(r.stdout.contains("rebinds a name the probes use"), "\(r.stdout)")
    }
}
