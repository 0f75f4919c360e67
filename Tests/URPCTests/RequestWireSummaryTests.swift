import MessagePack
import MsgscopeTestSupport
import Testing
@testable import URPC

/// A request's summary written from its wire bytes is the summary written from its decoded
/// values, for every command, well formed or not, with arguments of every kind in any width.

private func argument(_ r: inout SplitMix, _ depth: Int = 0) -> MessagePackValue {
    switch Int(r.next() % (depth > 2 ? 9 : 11)) {
    case 0: return .nil
    case 1: return .int(Int64(bitPattern: r.next()) >> Int64(r.next() % 64))
    case 2: return .uint(UInt64.max - r.next() % 9)
    case 3: return Proxy.value(UInt32(truncatingIfNeeded: r.next() % 300))
    case 4: return .string(["add", "", "a\"b\n", "é", "K"][Int(r.next() % 5)])
    case 5: return .invalidString([0xff, 0x61])
    case 6: return .binary(ArraySlice((0..<Int(r.next() % 40)).map { UInt8(truncatingIfNeeded: $0) }))
    case 7: return .float(Float(bitPattern: UInt32(truncatingIfNeeded: r.next())))
    case 8: return .ext(type: Int8(truncatingIfNeeded: r.next() % 8) - 2, data: [1, 2, 3, 4])
    case 9: return .array((0..<Int(r.next() % 4)).map { _ in argument(&r, depth + 1) })
    default:
        return .map((0..<Int(r.next() % 3)).map { _ in (key: argument(&r, depth + 1), value: argument(&r, depth + 1)) })
    }
}

private func randomRequest(_ r: inout SplitMix) -> MessagePackValue {
    let names = Command.allCases.map(\.rawValue) + ["print", "nope"]
    let cmd = names[Int(r.next() % UInt64(names.count))]
    var a: [MessagePackValue] = [.string(cmd)]
    if cmd == "cm" && r.next() % 4 != 0 {
        let kwargs: [(key: MessagePackValue, value: MessagePackValue)] = (0..<Int(r.next() % 3)).map { _ in
            (key: r.next() % 3 == 0 ? argument(&r) : .string(["x", "y", "é"][Int(r.next() % 3)]), value: argument(&r))
        }
        a += [argument(&r), .string("add"), .array((0..<Int(r.next() % 4)).map { _ in argument(&r) }), .map(kwargs)]
    } else if cmd == "_d" && r.next() % 2 == 0 {
        a.append(.binary([0, 0, 1, 2]))
    } else {
        let arity = Command.lookup(cmd)?.arity ?? Int(r.next() % 3)
        let n = r.next() % 5 == 0 ? Int(r.next() % 5) : arity
        for i in 0..<n { a.append(i == 1 && r.next() % 2 == 0 ? .string("name") : argument(&r)) }
    }
    return r.next() % 40 == 0 ? argument(&r) : .array(a)
}

@Test("request summaries from wire bytes are the summaries from values")
func requestWireSummaries() throws {
    var r = SplitMix(seed: 0x15_0002)
    var shapes = Set<String>()
    var written = 0
    for _ in 0..<4000 {
        let v = randomRequest(&r)
        let bytes = try Encoder().encode(v)
        let req = Request(try Decoder().decode(bytes))
        // The printer's rule: only a well-formed request of a known command is written from bytes.
        guard let c = req.known, req.malformedReason == nil else { continue }
        var w = ByteWriter()
        if Request.writeSummary(wire: bytes[...], command: c, into: &w) {
            written += 1
            #expect(w.string == req.summary(), "\(Hex.string(bytes))")
            shapes.insert(String(req.summary().prefix(2)))
        } else {
            // Left to the parsed request: the summaries with no value in them.
            #expect([.ver, .re, .im, .ex, .release].contains(c) && w.isEmpty, "\(Hex.string(bytes))")
        }
    }
    #expect(written > 1000)
    #expect(shapes.isSuperset(of: ["cm", "gp", "sp", "ri", "_s", "eq", "_i"]))
    // Bytes of another shape than the command's write nothing.
    for other in [["gp", 1, "f"], ["cm", 1, 2, [], MessagePackValue.map([])], ["cm", 1, "f", 3, MessagePackValue.map([])],
                  ["cm", 1, "f", [], 4], ["cm", 1, "f", []]] as [MessagePackValue] {
        var w = ByteWriter()
        #expect(!Request.writeSummary(wire: try Encoder().encode(other)[...], command: .cm, into: &w) && w.isEmpty)
    }
}
