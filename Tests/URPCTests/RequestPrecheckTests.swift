import MessagePack
import MsgscopeTestSupport
import Testing
@testable import URPC

/// The dissector skips the lint node and the ext-code walk when `RequestPrecheck` says they find
/// nothing: it may say yes for nothing, never no for an object either check reports on.
@Suite struct RequestPrecheckTests {
    /// Does the value hold an ext the server rejects (the dissector's ext-code check)?
    static func hasBadExt(_ v: MessagePackValue) -> Bool {
        switch v {
        case .ext(let t, let d): return t != ExtCode.proxy || d.count != 4
        case .timestamp: return true
        case .array(let a): return a.contains(where: hasBadExt)
        case .map(let m): return m.contains { hasBadExt($0.key) || hasBadExt($0.value) }
        default: return false
        }
    }

    /// Checks one object; returns false when the bytes are not one decodable object.
    @discardableResult
    static func check(_ bytes: [UInt8]) -> Bool {
        guard let node = try? Decoder().decodeNode(bytes), node.end == bytes.count else { return false }
        let check = RequestPrecheck(bytes[...])
        let findings = DeviceLint.lint(node: node)
        if !findings.isEmpty { #expect(check.mayLint, "misses \(findings) in \(Hex.string(bytes))") }
        if hasBadExt(node.value) { #expect(check.mayHaveBadExt, "misses a bad ext in \(Hex.string(bytes))") }
        return true
    }

    @Test func neverMissesInRandomObjects() {
        // Objects built from the headers the checks care about, with short payloads.
        let heads: [[UInt8]] = [
            [0x92], [0x93], [0x81], [0x82], [0x80], [0x90], [0xa2, 0x63, 0x6d], [0x05], [0xff], [0xc0], [0xc3],
            [0xcc, 0x80], [0xcc, 0x7f], [0xcd, 0x80, 0x00], [0xcd, 0x00, 0x80], [0xce, 0x80, 0, 0, 0], [0xce, 0, 0, 0, 1],
            [0xd2, 0x7f, 0xff, 0xff, 0xff], [0xd1, 0x80, 0x00], [0xcb, 0, 0, 0, 0, 0, 0, 0, 0], [0xca, 0, 0, 0, 0],
            [0xd6, 0x01, 0, 0, 0, 2], [0xd6, 0x02, 0, 0, 0, 2], [0xd6, 0xff, 0, 0, 0, 0], [0xd4, 0x01, 0x00],
            [0xc7, 0x01, 0x01, 0x00], [0xc7, 0x04, 0x01, 1, 2, 3, 4], [0xc7, 0x0c, 0xff] + [UInt8](repeating: 0, count: 12),
            [0xc4, 0x04, 0, 0, 0, 1], [0xd9, 0x01, 0x41], [0xde, 0x00, 0x01], [0xde, 0x00, 0x00], [0xdc, 0x00, 0x02],
        ]
        var r = SplitMix(seed: 15)
        var decoded = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...8, using: &r) { bytes += heads.randomElement(using: &r)! }
            if Self.check(bytes) { decoded += 1 }
        }
        #expect(decoded > 1_000)
    }

    @Test func typicalRequestsNeedNeitherCheck() {
        // `cm P2.add(5, 7)` with empty kwargs, a small uint8 and a proxy.
        let cm: [UInt8] = [0x95, 0xa2, 0x63, 0x6d, 0xd6, 0x01, 0, 0, 0, 2, 0xa3, 0x61, 0x64, 0x64, 0x92, 0x05, 0xcc, 0x07, 0x80]
        let check = RequestPrecheck(cm[...])
        #expect(!check.mayLint && !check.mayHaveBadExt)
        #expect(Self.check(cm))
    }

    @Test func commandLookupAgreesWithTheTable() {
        for c in Command.allCases { #expect(Command.lookup(c.rawValue) == c) }
        for s in ["", "v", "ve", "vers", "Cm", "cm ", "_D", "_ix", "xx", "éx"] { #expect(Command.lookup(s) == Command(rawValue: s)) }
    }
}
