import MessagePack
import MsgscopeTestSupport
import Testing

/// `DeviceLint.mayFind(in:)` lets the dissector skip building a node: it may say yes for nothing,
/// never no for an object the lint finds something in.
@Suite struct LintPrecheckTests {
    static func check(_ bytes: [UInt8]) {
        guard let node = try? Decoder().decodeNode(bytes) else { return }
        let findings = DeviceLint.lint(node: node)
        if !findings.isEmpty {
            #expect(DeviceLint.mayFind(in: bytes[...]), "pre-check misses \(findings) in \(Hex.string(bytes))")
        }
    }

    @Test func neverMissesAFindingInRandomObjects() throws {
        var r = SplitMix(seed: 15)
        let encoder = Encoder()
        for i in 0..<20_000 {
            let v = randomValue(&r, device: i % 2 == 0)
            Self.check(try encoder.encode(v))
        }
    }

    @Test func neverMissesAFindingInTheLintVectors() {
        for (h, _, _) in lintCases { Self.check(hex(h)) }
        for bytes in [hex("c7 01 ff 00"), hex("d7 ff 00 00 00 00 00 00 00 00"), hex("82 01 02 01 03"),
                      hex("d6 ff 00 00 00 00"), hex("81 91 01 02"), hex("cc 80"), hex("cd 80 00"), hex("ce 80 00 00 00"),
                      hex("d2 7f ff ff ff"), hex("cb 00 00 00 00 00 00 00 00")] {
            Self.check(bytes)
            #expect(DeviceLint.mayFind(in: bytes[...]))
        }
        let deep = [UInt8](repeating: 0x91, count: 400) + [0x01]
        Self.check(deep)
        #expect(DeviceLint.mayFind(in: deep[...]))
    }

    @Test func typicalRequestsNeedNoNode() {
        // `cm P2.add(5, 7)` with empty kwargs, a small uint8 and a proxy: nothing to lint.
        let cm = hex("95 a2 63 6d d6 01 00 00 00 02 a3 61 64 64 92 05 cc 07 80")
        #expect(DeviceLint.lint(node: try! Decoder().decodeNode(cm)).isEmpty)
        #expect(!DeviceLint.mayFind(in: cm[...]))
    }
}
