import Testing
import Foundation
import MessagePack
@testable import Simulator

/// Paths and helpers shared by the simulator tests.
enum Fixture {
    /// The package root, from this file's path.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let captures = packageRoot.appendingPathComponent("captures/shared")

    struct Message {
        var n: Int
        var dir: String
        var kind: String
        var bytes: [UInt8]
        var cmd: String?
        var replyTo: Int?
    }

    /// The messages of every capture in ground_truth.json.
    static func captureMessages() throws -> [(file: String, messages: [Message])] {
        let data = try Data(contentsOf: captures.appendingPathComponent("ground_truth.json"))
        let root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        var out: [(String, [Message])] = []
        for f in root["files"] as! [[String: Any]] {
            for c in f["connections"] as! [[String: Any]] {
                guard let msgs = c["messages"] as? [[String: Any]] else { continue }
                out.append((f["file"] as! String, msgs.map { m in
                    Message(n: m["n"] as! Int, dir: m["dir"] as! String, kind: m["kind"] as! String,
                            bytes: hexBytes(m["hex"] as! String), cmd: m["cmd"] as? String, replyTo: m["reply_to"] as? Int)
                }))
            }
        }
        return out
    }

    static func hexBytes(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var it = s.utf8.makeIterator()
        func nib(_ c: UInt8) -> UInt8 { c <= 57 ? c - 48 : (c | 0x20) - 87 }
        while let a = it.next(), let b = it.next() { out.append(nib(a) << 4 | nib(b)) }
        return out
    }
}

/// Comparing replies "structurally": the same kinds, values and proxy ids, with heap addresses
/// inside reprs and the values of `id()` left out.
enum Structural {
    static func normalize(_ v: MessagePackValue, cmd: String?) -> MessagePackValue {
        switch v {
        case .string(let s): return .string(maskAddresses(s))
        case .int where cmd == "_id": return .string("<id>")
        case .array(let a): return .array(a.map { normalize($0, cmd: cmd) })
        case .map(let m):
            return .map(m.map { (key: normalize($0.key, cmd: cmd), value: normalize($0.value, cmd: cmd)) })
        default: return v
        }
    }

    /// "<RPC_Test object at 9759e10>" → "<RPC_Test object at ADDR>", "<io.BytesIO 0x9137200>" → "… ADDR>".
    static func maskAddresses(_ s: String) -> String {
        var out = ""
        var word = ""
        func flush() {
            let body = word.hasPrefix("0x") ? String(word.dropFirst(2)) : word
            if body.count >= 6, body.allSatisfy(\.isHexDigit), body.contains(where: \.isNumber) { out += "ADDR" } else { out += word }
            word = ""
        }
        for c in s {
            if c.isLetter || c.isNumber { word.append(c) } else { flush(); out.append(c) }
        }
        flush()
        return out
    }
}

/// The normalisers the replay tests compare through: addresses masked, nothing else touched.
@Test func fixtureHelpersMaskOnlyAddresses() {
    #expect(Structural.maskAddresses("<RPC_Test object at 9759e10>") == "<RPC_Test object at ADDR>")
    #expect(Structural.maskAddresses("<io.BytesIO 0x9137200>") == "<io.BytesIO ADDR>")
    #expect(Structural.maskAddresses("sensor A: 5 + 7 = 12") == "sensor A: 5 + 7 = 12")
    #expect(Fixture.hexBytes("d60100000002") == [0xd6, 0x01, 0, 0, 0, 2])
}
