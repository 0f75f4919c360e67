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
        #expect((s["cases"] as? Int ?? 0) >= 3000, "the workers' cases are added up: \(s["cases"] ?? "none")")
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
        let a: [String: Any] = ["target": "server", "endpoint": "a", "seed": 1, "cases": 100, "restarts": 1, "operations": ["split": 3],
                                "findings": [["signature": "exit|exit:71|bin32", "hits": 2, "first_seconds": 4.0, "reproducer": "f/crash-a"]]]
        let b: [String: Any] = ["target": "server", "endpoint": "b", "seed": 2, "cases": 50, "restarts": 2, "operations": ["split": 1, "drop": 5],
                                "findings": [["signature": "exit|exit:71|bin32", "hits": 1, "first_seconds": 1.5, "reproducer": "f/crash-b"],
                                             ["signature": "hang|-|[\"ri\"]/3", "hits": 1, "first_seconds": 3.0, "reproducer": "f/crash-c"]]]
        let m = ParallelSummary.merge([a, b], seconds: 2)
        #expect(m["cases"] as? Int == 150)
        #expect(m["restarts"] as? Int == 3)
        #expect(m["cases_per_second"] as? Double == 75)
        #expect(m["operations"] as? [String: Int] == ["split": 4, "drop": 5])
        let findings = m["findings"] as? [[String: Any]] ?? []
        #expect(findings.count == 2)
        // The earliest report of a signature is kept, with every worker's hits.
        #expect(findings.first?["reproducer"] as? String == "f/crash-b")
        #expect(findings.first?["hits"] as? Int == 3)
        #expect(ParallelSummary.text(m).hasPrefix("150 cases in 2.0 s (75 cases/s) by 2 workers, 2 finding(s)"))
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
        var config = ServerFuzzConfig()
        config.findingsDirectory = dir + "/f"
        // Generous on a busy machine: replies may be late, and the server must have read the
        // first piece before the second arrives.
        config.timeout = 5
        let fuzzer = try ServerFuzzer(target: target, config: config)
        try target.start()
        defer { target.stop() }
        // ["_s", "hello world"], cut inside the string's payload, 300 ms between the writes.
        let request: [UInt8] = [0x92, 0xa2, 0x5f, 0x73, 0xab] + Array("hello world".utf8)
        var c = FuzzCase(messages: [FuzzCase.Message(bytes: request, splits: [8])], gapMicros: 300_000)
        _ = fuzzer.reproduce(c)
        let split = String(decoding: fuzzer.runner.buffer[fuzzer.runner.replyRange], as: UTF8.self)
        #expect(split.contains("short read"), "\(split)")
        c.messages[0].splits = []
        _ = fuzzer.reproduce(c)
        let whole = String(decoding: fuzzer.runner.buffer[fuzzer.runner.replyRange], as: UTF8.self)
        #expect(whole.contains("hello world") && !whole.contains("short read"), "\(whole)")
    }
}
