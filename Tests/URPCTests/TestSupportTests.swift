import Capture
import Foundation
import MessagePack
import MsgscopeTestSupport
import Testing
import URPC

/// The shared test support checks its own helpers: a broken helper must fail here, not pass
/// silently in the tests that stand on it.
@Test("SplitMix is deterministic per seed and differs between seeds")
func splitMixIsSeeded() {
    var a = SplitMix(seed: 1), b = SplitMix(seed: 1), c = SplitMix(seed: 2)
    let x = (0..<4).map { _ in a.next() }
    #expect(x == (0..<4).map { _ in b.next() })
    #expect(x != (0..<4).map { _ in c.next() })
}

@Test("a hand-built conversation has one frame per call, client on side a")
func conversationBuildsFrames() {
    var c = Conversation()
    c.c(["ver"]); c.s("V1")
    #expect(c.segments.map(\.frame) == [1, 2])
    #expect(c.segments.map(\.side) == [.a, .b])
    #expect(c.run().filter { $0.kind == .request }.count == 1)
}

@Test("the dissector harness accounts every byte and its oracle sees a bad range")
func dissectorHarnessAndOracle() {
    // Control 0 (port 7000 is the server), ["ver"], direction switch, "V1".
    let input: [UInt8] = [0x00] + WireForm.versionRequest + [0xff] + WireForm.versionReply
    let (messages, fed) = DissectorHarness.run(input)
    #expect(fed[.clientToServer] == WireForm.versionRequest.count)
    #expect(DissectorHarness.violation(messages, fed: fed) == nil)
    #expect(DissectorHarness.violation(messages, fed: [.clientToServer: 1, .serverToClient: 1]) != nil)
}

@Test("runToEnd returns a program's exit status and output")
func runToEndReportsStatus() throws {
    let ok = try runToEnd("/bin/sh", ["-c", "printf hi"])
    #expect(ok.status == 0 && String(decoding: ok.stdout, as: UTF8.self) == "hi")
    #expect(try runToEnd("/bin/sh", ["-c", "exit 3"]).status == 3)
}
