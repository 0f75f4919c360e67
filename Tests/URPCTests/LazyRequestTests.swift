import MessagePack
import MsgscopeTestSupport
import Testing
@testable import URPC

/// Requests are framed and read by one header walk (`RequestHead`); their `Request` and value are
/// parsed from the bytes when read. The lazy path must give what the eager one (nodes kept, every
/// request decoded and parsed) gives: the same Request, value, anomalies, summary and facts.
@Suite struct LazyRequestTests {
    static func enc(_ v: MessagePackValue) -> [UInt8] { try! Encoder(dialect: .standard).encode(v) }

    /// Elements as bytes: well-formed values of every kind the parser tells apart, strs that are
    /// not UTF-8, bins of other lengths than 4, ext codes the server rejects, nested containers.
    static let pieces: [[UInt8]] = [
        enc("add"), enc("x"), enc(""), [0xa2, 0xff, 0xfe], [0xd9, 0x02, 0xc3, 0x28], enc(.int(5)), enc(.int(-1)),
        [0xcc, 0xc8], [0xcd, 0x9c, 0x40], [0xd2, 0x80, 0, 0, 0], [0xd3, 0, 0, 0, 0, 0, 0, 0, 7],
        [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xcf, 0, 0, 0, 0, 0, 0, 0, 9], enc(.nil), enc(.bool(true)),
        [0xca, 0x3f, 0x80, 0, 0], [0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0],
        [0xc4, 0x04, 0, 0, 0, 9], [0xc4, 0x03, 1, 2, 3], [0xc4, 0x05, 1, 2, 3, 4, 5], [0xc4, 0x00], [0xc5, 0x00, 0x04, 0, 0, 1, 0],
        enc(Proxy.value(2)), enc(Proxy.value(70_000)), [0xd6, 0x02, 0, 0, 0, 1], [0xd6, 0xff, 0, 0, 0, 0], [0xd4, 0x01, 0x00],
        [0xc7, 0x04, 0x01, 0, 0, 0, 3], [0xc7, 0x00, 0x03],
        enc(.array([])), enc(.array([5, 7])), enc(.array([Proxy.value(3), .array([.map([(key: .string("k"), value: 1)])])])),
        enc(.map([])), enc(.map([(key: .string("a"), value: 1)])), enc(.map([(key: .int(1), value: Proxy.value(4))])), [0xdc, 0x00, 0x01, 0x05],
        [0xde, 0x00, 0x00], [0x91, 0x91, 0x91, 0x90],
    ]

    static func command(_ r: inout SplitMix) -> [UInt8] {
        switch Int.random(in: 0..<10, using: &r) {
        case 0..<6: return enc(.string(Command.allCases.randomElement(using: &r)!.rawValue))
        case 6: return enc(["foo", "vers", "c", "_", "CM"].randomElement(using: &r)!)
        case 7: return [0xa2, 0x63, 0xff]
        case 8: return [0xd9, 0x02, 0x63, 0x6d]   // `cm` as str 8
        default: return pieces.randomElement(using: &r)!
        }
    }

    /// A random request: mostly `[cmd, args…]` near the command's arity, sometimes another shape.
    static func request(_ r: inout SplitMix) -> [UInt8] {
        if Int.random(in: 0..<12, using: &r) == 0 {
            return [[0x90], [0x80], enc(5), enc("ver"), [0xdc, 0x00, 0x00], enc(.map([(key: .string("ver"), value: 1)]))]
                .randomElement(using: &r)!
        }
        let cmd = command(&r)
        let arity = Command.named(cmd.dropFirst(cmd.first == 0xd9 ? 2 : 1))?.arity ?? 2
        let n = max(0, min(14, arity + Int.random(in: -2...2, using: &r) * (Int.random(in: 0..<3, using: &r) == 0 ? 1 : 0)))
        var out: [UInt8] = Int.random(in: 0..<6, using: &r) == 0 ? [0xdc, 0x00, UInt8(n + 1)] : [0x90 | UInt8(n + 1)]
        out += cmd
        for _ in 0..<n { out += pieces.randomElement(using: &r)! }
        return out
    }

    static func compare(_ requests: [[UInt8]], lint: Bool) {
        var c = Conversation()
        for q in requests { c.c(q); c.s(.nil) }
        let lazy = c.run(DissectorOptions(lint: lint, keepsNodes: false))
        let eager = c.run(DissectorOptions(lint: lint, keepsNodes: true))
        #expect(lazy.count == eager.count)
        for (l, e) in zip(lazy, eager) {
            let hex = Hex.string(Array(e.bytes))
            #expect(l.request == e.request, "\(hex)")
            #expect(l.request?.summary() == e.request?.summary(), "\(hex)")
            #expect(l.value == e.value, "\(hex)")
            #expect(l.anomalies == e.anomalies, "\(hex)")
            #expect(MessageText.summary(l) == MessageText.summary(e), "\(hex)")
            #expect(MessageText.partName(l) == MessageText.partName(e), "\(hex)")
            #expect(l.command == e.command && l.outstanding == e.outstanding, "\(hex)")
            #expect(l.isMalformedRequest == e.isMalformedRequest, "\(hex)")
            #expect(l.requestKnown == e.requestKnown && l.releaseID == e.releaseID, "\(hex)")
            #expect(l.requestHead == e.requestHead, "\(hex)")
            #expect(l.hasRequest == e.hasRequest, "\(hex)")
            #expect(l.requestSource.request == e.requestSource.request, "\(hex)")
        }
    }

    @Test(arguments: [false, true]) func randomRequestsAgree(lint: Bool) {
        var r = SplitMix(seed: lint ? 151 : 152)
        for _ in 0..<40 {
            Self.compare((0..<60).map { _ in Self.request(&r) }, lint: lint)
        }
    }

    /// The head read from the bytes is the head of the parsed request, whenever the walk settles it.
    @Test func headMatchesTheParsedRequest() {
        var r = SplitMix(seed: 153)
        var settled = 0
        for _ in 0..<5_000 {
            let q = Self.request(&r)
            guard let v = try? Decoder().decodeValue(filling: q[...]) else { continue }
            let walk = RequestPrecheck(q[...])
            #expect(walk.complete)
            if let h = RequestHead(walk: walk, bytes: q[...], options: DecodingOptions()) {
                settled += 1
                #expect(h == RequestHead(Request(v)), "\(Hex.string(q))")
            }
        }
        #expect(settled > 3_000)
    }

    @Test func edgeCases() {
        let id = Self.enc(Proxy.releaseArgument(0x0102_0304))
        let cases: [[UInt8]] = [
            [0x91] + Self.enc("ver"), [0x92] + Self.enc("ver") + [0xc0], [0x91] + Self.enc("re"),
            [0x92] + Self.enc("_d") + id, [0x92] + Self.enc("_d") + [0xc4, 0x03, 1, 2, 3], [0x92] + Self.enc("_d") + Self.enc(Proxy.value(1)),
            [0x93] + Self.enc("ri") + Self.enc(Proxy.value(1)) + Self.enc(16), [0x93] + Self.enc("ri") + Self.enc(Proxy.value(1)) + [0xcc, 0xc8],
            [0x93] + Self.enc("ri") + Self.enc(Proxy.value(1)) + [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            [0x93] + Self.enc("ri") + Self.enc(Proxy.value(1)) + Self.enc("16"),
            [0x95] + Self.enc("cm") + Self.enc(Proxy.value(2)) + Self.enc("add") + Self.enc([5, 7]) + Self.enc(.map([])),
            [0x95] + Self.enc("cm") + Self.enc(Proxy.value(2)) + [0xa2, 0xff, 0xfe] + Self.enc([5, 7]) + Self.enc(.map([])),
            [0x95] + Self.enc("cm") + Self.enc(Proxy.value(2)) + Self.enc("add") + Self.enc(.map([])) + Self.enc(.map([])),
            [0x95] + Self.enc("cm") + Self.enc(Proxy.value(2)) + Self.enc("add") + Self.enc([5]) + Self.enc([5]),
            [0x94] + Self.enc("cm") + Self.enc(Proxy.value(2)) + Self.enc("add") + Self.enc([5]),
            [0x92] + Self.enc("im") + [0xa2, 0xff, 0xfe], [0x92] + Self.enc("ex") + Self.enc("print(1)"),
            [0x92] + [0xa2, 0xff, 0xfe] + Self.enc(1), [0x92] + Self.enc("nosuch") + Self.enc(1), [0x91, 0xc0], [0x90], [0x05],
            [0x92] + Self.enc("_d") + [0xd6, 0x05, 0, 0, 0, 1], [0x93] + Self.enc("eq") + [0xd7, 0xff] + [UInt8](repeating: 0, count: 8) + [0xc0],
        ]
        Self.compare(cases, lint: true)
        Self.compare(cases, lint: false)
    }
}
