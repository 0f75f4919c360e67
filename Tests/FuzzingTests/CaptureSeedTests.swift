import Foundation
import Testing
@testable import Fuzzing
import URPC

/// Fuzzing seeded from captures: codec corpus inputs and server seed sessions.
@Suite(.serialized) struct CaptureSeedTests {
    static let basic = TestSupport.packageRoot + "/captures/shared/urpc_a_basic_session.pcap"

    @Test func aCaseRebasedOntoALaterIDMovesProxiesAndReleasesAndComesBack() {
        let use = Request.str(target: Proxy.value(1)).encoded()
        let release = Request.release(id: 2).encoded()
        let c = FuzzCase(messages: [FuzzCase.Message(bytes: use), FuzzCase.Message(bytes: release)])
        let moved = c.rebased(onto: 10)
        #expect(moved.idBase == 10)
        #expect(moved.messages[0].bytes == Request.str(target: Proxy.value(10)).encoded())
        #expect(moved.messages[1].bytes == Request.release(id: 11).encoded())
        #expect(moved.rebasedToFreshSession() == c)
    }

    @Test func theBasicSessionIsOneConnectionWithRequestsAndReplies() throws {
        let conns = try CaptureSeeds.connections(path: Self.basic)
        #expect(conns.count == 1)
        let c = try #require(conns.first)
        #expect(c.requests.count >= 3 && !c.replies.isEmpty)
        #expect(c.messages.count == c.requests.count + c.replies.count)
        #expect(!c.bornIDs.isEmpty)
        #expect(throws: (any Error).self) { try CaptureSeeds.connections(path: TestSupport.packageRoot + "/Package.swift") }
    }

    @Test func codecSeedCaptureSavesEveryDistinctMessageIntoTheCorpus() throws {
        let msgfuzz = try #require(TestSupport.msgfuzz)
        let dir = TestSupport.temporaryDirectory("seedcodec")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try TestSupport.run(msgfuzz, ["--target", "codec", "--seed-capture", Self.basic, "--runs", "0", "--corpus", dir + "/c",
                                              "--findings", dir + "/f", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let distinct = Set(try CaptureSeeds.connections(path: Self.basic).flatMap(\.messages))
        let saved = try FileManager.default.contentsOfDirectory(atPath: dir + "/c")
        #expect(saved.count == distinct.count, "\(saved.count) saved of \(distinct.count)")
        #expect(distinct.count > 5)
        let savedInputs = Set(try saved.map { try Files.read(dir + "/c/" + $0) })
        #expect(savedInputs == distinct)
        // --no-save-corpus: nothing written.
        let r2 = try TestSupport.run(msgfuzz, ["--target", "codec", "--seed-capture", Self.basic, "--runs", "0", "--corpus", dir + "/d",
                                               "--findings", dir + "/f", "--quiet", "--no-save-corpus"])
        #expect(r2.status == 0)
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir + "/d"))?.isEmpty ?? true)
    }

    @Test func theFirstServerCaseIsTheCapturesClientSideRebased() throws {
        let sim = try #require(ServerTestSupport.binary("urpc-sim"), "urpc-sim is built with the tests")
        let dir = TestSupport.temporaryDirectory("seedserver")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let conn = try #require(try CaptureSeeds.connections(path: Self.basic).first)
        let seeds = try CaptureSeeds.serverSeeds(paths: [Self.basic])
        #expect(seeds.count == 1)
        let target = ServerTarget(mode: .spawn("\(sim) server --listen 127.0.0.1:{port}"))
        var config = SessionConfig()
        config.findingsDirectory = dir + "/f"
        config.runs = 3
        config.timeout = 5
        config.statsInterval = 0
        let fuzzer = try ServerFuzzer(target: target, config: config, log: { _ in })
        fuzzer.seeds = SeedQueue(seeds)
        try fuzzer.run()
        // A fresh twin gives out ids from 1: the capture's ids, moved so its first is 1.
        let base = try #require(conn.bornIDs.min())
        let expected = FuzzCase(messages: conn.requests.map { FuzzCase.Message(bytes: $0) }, idBase: base).rebasedToFreshSession()
        let first = try #require(fuzzer.seeds.sent.first)
        #expect(first.messages.map(\.bytes) == expected.messages.map(\.bytes))
        #expect(first.messages.count == conn.requests.count)
        #expect(fuzzer.summary.operations?["capture-seed"] == 1)
        #expect(fuzzer.summary.execs == 3)
        #expect(fuzzer.summary.findings.isEmpty)
    }
}
