import Foundation
import Testing
@testable import Fuzzing

/// `msgfuzz replay --from-capture` against the twin, then `msgdissect diff` of the two captures,
/// all as child processes on loopback.
@Suite(.serialized) struct ReplayFromCaptureTests {
    static let shared = TestSupport.packageRoot + "/captures/shared/"

    @Test func replayingTheBasicSessionReproducesItsReplies() throws {
        let msgfuzz = try #require(TestSupport.msgfuzz)
        let msgdissect = try #require(ServerTestSupport.binary("msgdissect"))
        let sim = try #require(ServerTestSupport.binary("urpc-sim"))
        let dir = TestSupport.temporaryDirectory("replaycap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = Self.shared + "urpc_a_basic_session.pcap"
        let out = dir + "/replay.pcap"
        let r = try TestSupport.run(msgfuzz, ["replay", "--from-capture", original, "--spawn", "\(sim) server --listen 127.0.0.1:{port}", "-w", out])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("29 request(s) replayed, 0 unanswered"), "\(r.stdout)")
        // The new capture holds the same requests and, byte for byte, the same replies.
        let a = try #require(try CaptureSeeds.connections(path: original).first)
        let b = try #require(try CaptureSeeds.connections(path: out).first)
        #expect(b.requests == a.requests)
        #expect(b.replies.map { Array($0.bytes) } == a.replies.map { Array($0.bytes) })
        let same = try TestSupport.run(msgdissect, ["diff", original, out])
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout.hasPrefix("no difference"), "\(same.stdout)")
    }

    @Test func anObjectAddressIsTheOnlyDifferenceOfTheReadintoReplay() throws {
        let msgfuzz = try #require(TestSupport.msgfuzz)
        let msgdissect = try #require(ServerTestSupport.binary("msgdissect"))
        let dir = TestSupport.temporaryDirectory("replayd")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let original = Self.shared + "urpc_d_readinto_console.pcap"
        let r = try TestSupport.run(msgfuzz, ["replay", "--from-capture", original, "-w", dir + "/d.pcap"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        // The registry dump shows a BytesIO repr with its (different) address.
        let exact = try TestSupport.run(msgdissect, ["diff", original, dir + "/d.pcap"])
        #expect(exact.status == 1)
        #expect(exact.stdout.contains("1 difference(s)") && exact.stdout.contains("<io.BytesIO 0x"), "\(exact.stdout)")
        let masked = try TestSupport.run(msgdissect, ["diff", "--ignore-addresses", original, dir + "/d.pcap"])
        #expect(masked.status == 0, "\(masked.stdout)")
        #expect(masked.stdout.hasPrefix("no difference (addresses ignored)"))
    }

    @Test func diffReportsRepliesThatDifferRequestByRequest() throws {
        let msgdissect = try #require(ServerTestSupport.binary("msgdissect"))
        let a = Self.shared + "urpc_a_basic_session.pcap", d = Self.shared + "urpc_d_readinto_console.pcap"
        let r = try TestSupport.run(msgdissect, ["diff", a, d])
        #expect(r.status == 1)
        #expect(r.stdout.contains("connection 1, request 2 ("), "\(r.stdout)")
        #expect(r.stdout.contains("expected:") && r.stdout.contains("got:"))
        let missing = try TestSupport.run(msgdissect, ["diff", a, TestSupport.packageRoot + "/Package.swift"])
        #expect(missing.status == 2)
    }

    @Test func replayAtAServerThatIsNotThereIsASetUpError() throws {
        let msgfuzz = try #require(TestSupport.msgfuzz)
        let port = try #require(Loopback.freePort())
        let r = try TestSupport.run(msgfuzz, ["replay", "--from-capture", Self.shared + "urpc_a_basic_session.pcap", "--connect", "127.0.0.1:\(port)"])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
    }
}
