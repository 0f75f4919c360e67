import MessagePack
import MsgscopeTestSupport
import Testing
@testable import URPC

/// The head read from the headers the precheck kept agrees with the parsed request when the
/// request is written with the long header forms (array 16/32, str 8/16/32, bin 16/32, uint 8).
@Suite struct RequestPrecheckWideHeaderTests {
    static func str(_ s: String, width: Int) -> [UInt8] {
        let b = Array(s.utf8)
        switch width {
        case 1: return [0xd9, UInt8(b.count)] + b
        case 2: return [0xda, 0, UInt8(b.count)] + b
        default: return [0xdb, 0, 0, 0, UInt8(b.count)] + b
        }
    }

    static func array(_ n: Int, width: Int) -> [UInt8] {
        width == 2 ? [0xdc, 0, UInt8(n)] : [0xdd, 0, 0, 0, UInt8(n)]
    }

    @Test func longHeaderFormsGiveTheParsedHead() throws {
        let proxy: [UInt8] = [0xd6, 0x01, 0, 0, 0, 2]
        var cases: [[UInt8]] = []
        for w in [1, 2, 4] {
            for aw in [2, 4] {
                cases.append(Self.array(5, width: aw) + Self.str("cm", width: w) + proxy + Self.str("add", width: w)
                             + Self.array(2, width: aw) + [0x05, 0xcc, 0x07] + [0xde, 0, 0])
                cases.append(Self.array(5, width: aw) + Self.str("cm", width: w) + proxy + Self.str("add", width: w)
                             + [0xde, 0, 0] + [0xde, 0, 0])
                cases.append(Self.array(2, width: aw) + Self.str("_d", width: w) + [0xc5, 0, 4, 1, 2, 3, 4])
                cases.append(Self.array(2, width: aw) + Self.str("_d", width: w) + [0xc6, 0, 0, 0, 3, 1, 2, 3])
                cases.append(Self.array(3, width: aw) + Self.str("ri", width: w) + proxy + [0xcc, 0xc8])
                cases.append(Self.array(3, width: aw) + Self.str("ri", width: w) + proxy + Self.str("16", width: w))
                cases.append(Self.array(2, width: aw) + Self.str("ex", width: w) + Self.str("print(1)", width: w))
                cases.append(Self.array(2, width: aw) + Self.str("zz", width: w) + [0xc0])
                cases.append(Self.array(1, width: aw) + Self.str("ver", width: w))
            }
        }
        for q in cases {
            let v = try Decoder().decodeValue(filling: q[...])
            let walk = RequestPrecheck(q[...])
            #expect(walk.complete, "\(Hex.string(q))")
            let head = try #require(RequestHead(walk: walk, bytes: q[...], options: DecodingOptions()), "\(Hex.string(q))")
            #expect(head == RequestHead(Request(v)), "\(Hex.string(q))")
        }
    }
}
