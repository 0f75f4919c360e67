import Foundation
import Testing
@testable import Fuzzing

/// `--jobs N` with a stateful target: a spawned target per worker, one merged summary.
@Suite(.serialized) struct ParallelServerFuzzTests {
    @Test func eachWorkerFuzzesItsOwnSpawnedServer() throws {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"), "msgfuzz is built with the tests")
        let dir = TestSupport.temporaryDirectory("server-jobs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try TestSupport.run(exe, ["--target", "server", "--jobs", "2", "--runs", "3000", "--seed", "3",
                                          "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let s = try ServerTestSupport.summary(dir + "/s.json")
        #expect(s["workers"] as? Int == 2)
        #expect(s["seeds"] as? [Int] == [3, 4])
        #expect((s["execs"] as? Int ?? 0) >= 3000, "the workers' cases are added up: \(s["execs"] ?? "none")")
        // Two urpc-sim processes on two ports.
        let endpoints = try #require(s["endpoints"] as? [String])
        let ports = Set(endpoints.compactMap { $0.split(separator: ":").last.map(String.init) })
        #expect(endpoints.count == 2 && ports.count == 2, "\(endpoints)")
        // The workers' own summaries were merged away; each spawned target had its own stderr file.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/f")
        #expect(!names.contains { $0.hasPrefix(".worker-") }, "\(names)")
        #expect(names.contains(".target-stderr-w0") && names.contains(".target-stderr-w1"), "\(names)")
    }

    @Test(arguments: [
        (["--target", "server", "--connect", "127.0.0.1:9"], "--jobs needs a server per worker"),
        (["--target", "client", "--listen", "127.0.0.1:9"], "--jobs needs a client per worker"),
    ])
    func oneTargetCannotBeShared(args: [String], message: String) throws {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"))
        let r = try TestSupport.run(exe, args + ["--jobs", "2", "--runs", "10", "--quiet"])
        #expect(r.status == 2)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test func summariesMergeByFindingSignature() {
        func finding(_ sig: String, hits: Int, first: Double, input: String) -> Finding {
            Finding(signature: sig, oracle: "exit", detail: "", firstFoundSeconds: first, inputPath: input, size: 5, hits: hits, mutations: [])
        }
        var a = RunSummary(target: "server", execs: 100, seconds: 2, findings: [finding("exit|exit:71|bin32", hits: 2, first: 4, input: "f/crash-a")])
        a.endpoint = "a"; a.seed = 1; a.restarts = 1; a.operations = ["split": 3]
        var b = RunSummary(target: "server", execs: 50, seconds: 2, findings: [finding("exit|exit:71|bin32", hits: 1, first: 1.5, input: "f/crash-b"),
                                                                              finding("hang|-|[\"ri\"]/3", hits: 1, first: 3, input: "f/crash-c")])
        b.endpoint = "b"; b.seed = 2; b.restarts = 2; b.operations = ["split": 1, "drop": 5]
        let m = RunSummary.merge([a, b], seconds: 2)
        #expect(m.execs == 150)
        #expect(m.restarts == 3)
        #expect(m.execPerSecond == 75)
        #expect(m.operations == ["split": 4, "drop": 5])
        #expect(m.seeds == [1, 2] && m.endpoints == ["a", "b"])
        #expect(m.findings.count == 2)
        // The earliest report of a signature is kept, with every worker's hits.
        #expect(m.findings.first?.inputPath == "f/crash-b")
        #expect(m.findings.first?.hits == 3)
        #expect(m.text.hasPrefix("150 execs in 2.0 s (75 exec/s) by 2 workers, 3 restarts, 2 finding(s)"), "\(m.text)")
        // The one schema: what a worker writes, the parent reads back.
        let json = try? JSONSerialization.jsonObject(with: Data(m.json)) as? [String: Any]
        #expect(json?["execs"] as? Int == 150 && json?["exec_per_s"] as? Double == 75 && json?["seconds"] as? Double == 2)
        let first = (json?["findings"] as? [[String: Any]])?.first
        #expect(first?["first_found_s"] as? Double == 1.5 && first?["input"] as? String == "f/crash-b" && first?["hits"] as? Int == 3)
    }
}

/// Split messages: the later parts wait for the gap while msgfuzz goes on reading replies.
@Suite(.serialized) struct SplitWriteTests {
    @Test func aSplitPayloadReachesTheServerInPiecesAfterItsGap() throws {
        let sim = try #require(ServerTestSupport.binary("urpc-sim"), "urpc-sim is built with the tests")
        let dir = TestSupport.temporaryDirectory("split")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // --short-reads: a str payload whose rest comes after the read timeout (100 ms here, well
        // under the 300 ms gap) fails with ValueError("short read"), so the reply shows whether
        // the gap separated the pieces.
        let target = ServerTarget(mode: .spawn("\(sim) server --listen 127.0.0.1:{port} --short-reads --read-timeout-ms 100"))
        var config = SessionConfig()
        config.findingsDirectory = dir + "/f"
        // Generous on a busy machine: replies may be late, and the server must have read the
        // first piece before the second arrives.
        config.timeout = 5
        let runner = CaseRunner()
        let reproducer = SessionReproducer(runner: runner, target: target, judge: SessionJudge(runner: runner, target: target, timeout: config.timeout),
                                           minimizeSeconds: 0)
        try target.start()
        defer { target.stop() }
        // ["_s", "hello world"], cut inside the string's payload, 300 ms between the writes.
        let request: [UInt8] = [0x92, 0xa2, 0x5f, 0x73, 0xab] + Array("hello world".utf8)
        var c = FuzzCase(messages: [FuzzCase.Message(bytes: request, splits: [8])], gapMicros: 300_000)
        _ = reproducer.reproduce(c)
        let split = String(decoding: reproducer.lastReplies, as: UTF8.self)
        #expect(split.contains("short read"), "\(split)")
        c.messages[0].splits = []
        _ = reproducer.reproduce(c)
        let whole = String(decoding: reproducer.lastReplies, as: UTF8.self)
        #expect(whole.contains("hello world") && !whole.contains("short read"), "\(whole)")
    }
}
