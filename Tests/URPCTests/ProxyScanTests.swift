import MessagePack
import MsgscopeTestSupport
import Testing
@testable import URPC

/// The proxy tracker reads proxy ids from a message's bytes with the header scanner; it must find
/// exactly the ids, in the same order, that a walk of the decoded value finds.
@Suite struct ProxyScanTests {
    static func agree(_ bytes: [UInt8]) -> Bool {
        guard let value = try? Decoder().decode(bytes) else { return false }
        var fromValue: [UInt32] = []
        Proxy.ids(in: value, into: &fromValue)
        var fromWire: [UInt32] = []
        Proxy.ids(inWire: bytes[...], into: &fromWire)
        #expect(fromWire == fromValue, "\(Hex.string(bytes))")
        return true
    }

    @Test(arguments: [
        [0xd6, 0x01, 0, 0, 0, 7],                                  // a proxy reply
        [0xd6, 0x02, 0, 0, 0, 7],                                  // an ext of another code
        [0xc7, 0x04, 0x01, 0, 0, 1, 0],                            // a proxy as ext 8
        [0xc7, 0x03, 0x01, 1, 2, 3],                               // code 1 with 3 bytes: not a proxy
        [0xa5, 0x68, 0x65, 0x6c, 0x6c, 0x6f],                      // a str
        [0xc4, 0x04, 0xd6, 0x01, 0, 0],                            // proxy-like bytes inside a bin
        [0x92, 0xd6, 0x01, 0, 0, 0, 1, 0xd6, 0x01, 0, 0, 0, 2],     // two proxies
        [0x82, 0xd6, 0x01, 0, 0, 0, 3, 0xa1, 0x61, 0x01, 0xd6, 0x01, 0, 0, 0, 4],   // map keys and values
        [0x95, 0xa2, 0x63, 0x6d, 0xd6, 0x01, 0, 0, 0, 2, 0xa3, 0x61, 0x64, 0x64, 0x91, 0xd6, 0x01, 0, 0, 0, 9, 0x80],
    ] as [[UInt8]])
    func vectors(bytes: [UInt8]) {
        #expect(Self.agree(bytes))
    }

    @Test func randomObjectsAgree() {
        let parts: [[UInt8]] = [
            [0x92], [0x93], [0x91], [0x81], [0x80], [0x90], [0xdc, 0x00, 0x02], [0xde, 0x00, 0x01], [0x05], [0xc0],
            [0xd6, 0x01, 0, 0, 0, 2], [0xd6, 0x01, 0xff, 0, 0, 1], [0xd6, 0x03, 0, 0, 0, 2], [0xd4, 0x01, 0x00],
            [0xc7, 0x04, 0x01, 1, 2, 3, 4], [0xc8, 0x00, 0x04, 0x01, 9, 9, 9, 9], [0xa2, 0x63, 0x6d], [0xc4, 0x02, 0xd6, 0x01],
        ]
        var r = SplitMix(seed: 151)
        var decoded = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...8, using: &r) { bytes += parts.randomElement(using: &r)! }
            if Self.agree(bytes) { decoded += 1 }
        }
        #expect(decoded > 1_000)
    }
}
