import Capture
import MessagePack
import Testing
import URPC

/// `["_s", [[[…]]]]` nested `depth` arrays deep, as the real client can send it.
private func deepRequest(_ depth: Int) -> [UInt8] {
    [0x92, 0xa2, 0x5f, 0x73] + [UInt8](repeating: 0x91, count: depth) + [0xc0]
}

@Test("a request nested far deeper than the decoder's limit is one request, too-deep, with its command",
      arguments: [2_000, 100_000])
func deepRequestIsOneMessage(depth: Int) throws {
    var c = Conversation()
    c.c(["ver"]); c.s("V1")
    let bytes = deepRequest(depth)
    // In pieces, as TCP delivers it.
    for chunk in stride(from: 0, to: bytes.count, by: 1460) { c.c(Array(bytes[chunk..<min(bytes.count, chunk + 1460)])) }
    c.s(Array("Traceback (most recent call last):\n  File \"lib/urpc_server/async_server.py\", line 118, in async_serve\nRuntimeError: maximum recursion depth exceeded\n".utf8))
    c.c(["ver"])
    let m = c.run()
    let requests = m.filter { $0.kind == .request }
    #expect(requests.count == 3)
    let deep = try #require(requests.dropFirst().first)
    #expect(deep.command == "_s")
    #expect(deep.anomalies.contains { $0.is(.tooDeep) })
    #expect(deep.bytes.count == bytes.count)
    #expect(deep.streamRange.count == bytes.count)
    #expect(!m.contains { $0.anomalies.contains { $0.is(.desync) } })
    // Its value is shown to the depth limit.
    var v = try #require(deep.value)
    var levels = 0
    while case .array(let a) = v, let last = a.last { v = last; levels += 1 }
    #expect(levels == DecodingOptions().maxDepth)
    #expect(v == .string("…"))
    let tb = try #require(m.first { $0.part == .legacyTraceback })
    #expect(tb.replyTo == deep.index)
    #expect(tb.exceptionLine == "RuntimeError: maximum recursion depth exceeded")
    #expect(requests.last?.anomalies.contains { $0.is(.serverDead) } == true)
}
