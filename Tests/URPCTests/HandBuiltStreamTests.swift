import Capture
import MessagePack
import Testing
import MsgscopeTestSupport
import URPC

func bin4(_ id: UInt32) -> MessagePackValue { .binary([0, 0, UInt8(id >> 8), UInt8(id & 0xff)]) }

@Test("the published server's raw traceback is named, paired with its request, then silence")
func legacyTraceback() throws {
    var c = Conversation()
    c.c(["ver"]); c.s("V1")
    c.c(["cm", Proxy.value(2), "foo", .array([]), .map([])])
    c.s(Array("Traceback (most recent call last):\r\n  File \"urpc_server.py\", line 40\r\n".utf8))
    c.s(Array("NameError: name 's' isn't defined\r\n".utf8))
    let m = c.run()
    let tb = try #require(m.first { $0.part == .legacyTraceback })
    #expect(tb.kind == .error)
    #expect(tb.replyTo == 2)
    #expect(tb.anomalies.map(\.kind) == ["legacy-error-path"])
    #expect(String(decoding: tb.raw ?? [], as: UTF8.self).hasSuffix("isn't defined\r\n"))
    // No run of fixints, and the request is left unanswered with the server dead.
    #expect(!m.contains { $0.part == .value && $0.index > 2 })
    #expect(m.contains { $0.anomalies.contains { $0.kind == "server-dead" } })
}

@Test("traceback then an ExtType(2) reply when `s` was defined: the error reply answers the request")
func tracebackThenExceptionReply() throws {
    var c = Conversation()
    c.c(["gp", Proxy.value(1), "nope"])
    c.s(Array("Traceback (most recent call last):\r\nAttributeError: nope\r\n".utf8))
    c.s(.ext(type: 2, data: ArraySlice("AttributeError\u{04}('nope',)\u{04}Traceback…".utf8)))
    c.c(["ver"]); c.s("V1")
    let m = c.run()
    #expect(m.map { MessageText.partName($0) } == ["request", "raw_traceback", "error_reply", "request", "reply"])
    #expect(m[2].exception?.name == "AttributeError")
    #expect(m[2].replyTo == 0)
    #expect(m[4].replyTo == 3)
}

@Test("a release that overtakes a reply: `_d` sent while the reply is arriving keeps server order")
func releaseOvertakesReply() throws {
    var c = Conversation()
    c.c(["cm", Proxy.value(2), "add", [5, 7], .map([])])
    let reply = try Encoder(dialect: .device).encode("sensor: 5 + 7 = 12")
    c.s(Array(reply.prefix(1)))                       // the reply starts …
    c.c(["_d", bin4(3)])                              // … the finaliser releases P3 …
    c.s(Array(reply.dropFirst()))                     // … the reply completes
    c.s(.nil)                                         // the server answers the `_d`
    let m = c.run()
    #expect(m.count == 4)
    // Numbered by the frame of the first byte: the reply began before the `_d`.
    #expect(m.map(\.firstFrame) == [1, 2, 3, 5])
    let rel = try #require(m.first { $0.command == "_d" && $0.kind == .request })
    #expect(rel.outstanding == 1)
    let replies = m.filter { $0.direction == .serverToClient }
    #expect(replies.map(\.replyTo) == [0, rel.index])
}

@Test("a decode error desynchronises the client stream; the next request is found again")
func clientDesync() throws {
    var c = Conversation()
    c.c(["ver"]); c.s("V1")
    c.c([0xc1, 0xc1, 0x00])
    c.c(["re"]); c.s(.map([]))
    let m = c.run()
    let skipped = try #require(m.first { $0.part == .skipped && $0.direction == .clientToServer })
    #expect(skipped.raw.map(Array.init) == [0xc1, 0xc1, 0x00])
    #expect(skipped.anomalies.map(\.kind) == ["desync"])
    #expect(MessageText.partName(skipped) == "malformed")
    let re = try #require(m.first { $0.command == "re" && $0.kind == .request })
    #expect(m.last?.replyTo == re.index)
}

@Test("malformed requests and device-refused bytes are named", arguments: [
    ("92 a2 63 6d 01", "malformed-request"),
    ("cc 05", "malformed-request"),
    ("92 a2 69 6d cb 3f f0 00 00 00 00 00 00", "float64-refused"),
    ("92 a2 5f 73 d6 02 00 00 00 01", "bad-ext-code"),
    ("92 a2 69 6d cc c8", "uint-read-as-signed"),
])
func malformed(_ h: String, _ kind: String) throws {
    var c = Conversation()
    c.c(Hex.bytes(h)!)
    let m = c.run()
    #expect(m.first?.anomalies.contains { $0.kind == kind } == true, "\(m.first?.anomalies ?? [])")
}

@Test("a lost server segment: gap named, outstanding reply lost, pairing resumes")
func gapInServerStream() throws {
    var c = Conversation()
    c.c(["ver"]); c.s("V1")
    c.c(["gp", Proxy.value(1), "name"])
    c.add(.b, .gap(count: 9))
    c.c(["_s", Proxy.value(1)]); c.s("x")
    let m = c.run()
    #expect(m.contains { $0.anomalies.contains { $0.kind == "gap" } })
    #expect(m.contains { $0.anomalies.contains { $0.kind == "reply-lost" } })
    let last = try #require(m.last)
    #expect(last.value == "x")
    #expect(last.replyTo == m.first { $0.command == "_s" && $0.kind == .request }?.index)
    #expect(last.streamRange == 12..<14)   // offsets count the lost bytes
}

@Test("a capture that starts mid-stream: partial bytes skipped, first request found")
func midStream() throws {
    var c = Conversation()
    c.midStream = true
    c.c([0x61, 0x64, 0x64, 0x92, 0x05])           // the tail of an earlier request
    c.s([0x72, 0x70, 0x63])                       // the tail of an earlier reply
    c.c(["ver"]); c.s("V1")
    let m = c.run()
    #expect(m.filter { $0.kind == .request }.count == 1)
    #expect(m.contains { $0.anomalies.contains { $0.kind == "mid-stream" } })
    #expect(m.last?.value == "V1")
    #expect(m.last?.replyTo != nil)
}

@Test("ri whose readinto returned None: the whole requested slice, up to 512 bytes, follows raw")
func riNilCount() throws {
    var c = Conversation()
    c.c(["ri", Proxy.value(4), 3])
    c.s([0xc0, 0x61, 0x62, 0x63, 0xc0])
    let m = c.run()
    #expect(m.map { MessageText.partName($0) } == ["request", "ri_count", "ri_raw", "ri_end"])
    #expect(m[2].raw.map(Array.init) == [0x61, 0x62, 0x63])
}

@Test("console output is attached to the call that prints, in order, before its reply")
func consoleAttached() throws {
    var c = Conversation()
    c.c(["ex", "print('hi')"])
    c.s(Hex.bytes("c7 02 03 68 69 d4 03 0a c0")!)
    let m = c.run()
    #expect(m.map { MessageText.partName($0) } == ["request", "console", "console", "reply"])
    #expect(m[1].consoleBytes.map(Array.init) == Array("hi".utf8))
    #expect(m.dropFirst().allSatisfy { $0.replyTo == 0 })
}

@Test("fixed-point numbers as msgdissect prints times and latencies", arguments: [
    (0.0, 6, "0.000000"), (1.5, 6, "1.500000"), (-0.25, 2, "-0.25"), (123.4567, 3, "123.457"),
    (0.0004, 3, "0.000"), (42.0, 0, "42"), (9.9996, 3, "10.000"),
] as [(Double, Int, String)])
func fixedPoint(_ v: Double, _ digits: Int, _ text: String) {
    #expect(MessageText.formatFixed(v, digits) == text)
}
