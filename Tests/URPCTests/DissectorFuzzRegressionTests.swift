import Capture
import Foundation
import MessagePack
import Testing
import MsgscopeTestSupport
import URPC

@Test("fuzz input: every message range lies inside the bytes fed in its direction",
      arguments: ["dissector-range-past-end.bin"])
func dissectorFuzzRegression(_ name: String) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    let input = [UInt8](try Data(contentsOf: url))
    // Replayed through the libFuzzer target's own body and oracles.
    let (messages, fed) = DissectorHarness.run(input)
    #expect(DissectorHarness.violation(messages, fed: fed) == nil)
    #expect(!messages.isEmpty)
}
