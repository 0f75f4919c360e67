import Capture
import MessagePack
import MsgscopeTestSupport
import Testing
import URPC

/// The published server's error path (spec §7), on hand-built streams: the raw traceback is one
/// message in every state, with its exception line and trigger, and never a run of fixints.
private func traceback(_ exception: String, handlerLine: Bool = false) -> [UInt8] {
    var t = "Traceback (most recent call last):\n  File \"lib/urpc_server/async_server.py\", line 117, in async_serve\n"
    if handlerLine { t = "Traceback (most recent call last):\n  File \"lib/urpc_server/async_server.py\", line 118, in async_serve\n" }
    return Array((t + exception + "\n").utf8)
}

private func noFixintRun(_ m: [Message]) -> Bool {
    !m.contains { $0.direction == .serverToClient && $0.part == .value && $0.value?.intValue.map { (0x20...0x7e).contains($0) } == true }
}

@Test("EOF: the traceback after the last reply, nothing outstanding, is one message with trigger eof")
func eofTraceback() throws {
    var c = Conversation()
    c.c(["ver"]); c.s("V1")
    c.add(.a, .closed(reset: false))
    c.s(traceback("EOFError: "))
    let m = c.run()
    let tb = try #require(m.first { $0.part == .legacyTraceback })
    #expect(tb.exceptionLine == "EOFError: ")
    #expect(tb.trigger == .eof)
    #expect(tb.replyTo == nil)
    #expect(noFixintRun(m))
    #expect(!m.contains { $0.anomalies.contains { $0.is(.unsolicitedReply) } })
    #expect(MessageText.summary(tb).hasSuffix("eof): EOFError: "))
}

@Test("short read: the incomplete request ends where the server gave up; later bytes are new requests")
func shortReadTraceback() throws {
    var c = Conversation()
    c.c(["ver"]); c.s("V1")
    let im = try Encoder(dialect: .device).encode(["im", "rpc_test"])
    c.c(Array(im.prefix(7)))                      // cut inside the module name's payload
    c.s(traceback("ValueError: short read"))
    c.c(["ver"])                                  // sent after the server gave up: never answered
    let m = c.run()
    let cut = try #require(m.first { $0.kind == .request && $0.command == "im" })
    #expect(cut.request?.malformedReason != nil)
    #expect(cut.anomalies.contains { $0.is(.shortRead) })
    #expect(cut.bytes.count == 7)
    let tb = try #require(m.first { $0.part == .legacyTraceback })
    #expect(tb.trigger == .shortRead)
    #expect(tb.exceptionLine == "ValueError: short read")
    #expect(tb.replyTo == cut.index)
    let later = try #require(m.last { $0.kind == .request })
    #expect(later.command == "ver" && later.request == .ver)
    #expect(later.anomalies.contains { $0.is(.serverDead) })
    #expect(noFixintRun(m))
}

@Test("a failing request: cm with 4 elements keeps its command; the traceback answers it")
func failingRequestTraceback() throws {
    var c = Conversation()
    c.c(["cm", Proxy.value(2), "add", .array([1, 2])])
    c.s(traceback("IndexError: tuple index out of range", handlerLine: true))
    c.c(["gp", Proxy.value(2), "name"])
    let m = c.run()
    let cm = try #require(m.first { $0.kind == .request })
    #expect(cm.command == "cm")
    #expect(cm.anomalies.contains { $0.is(.malformedRequest) })
    let tb = try #require(m.first { $0.part == .legacyTraceback })
    #expect(tb.trigger == .request)
    #expect(tb.replyTo == cm.index)
    #expect(tb.exceptionLine == "IndexError: tuple index out of range")
    #expect(m.last { $0.kind == .request }?.anomalies.contains { $0.is(.serverDead) } == true)
}

@Test("a traceback after bytes the dissector could not decode, and one split over segments, is still one message")
func tracebackAfterUndecodable() throws {
    var c = Conversation()
    c.c(["ver"]); c.s("V1")
    c.c([0x92, 0xa2, 0x72, 0x65, 0xc1])            // invalid byte: not a request the dissector can read
    let t = traceback("NotImplementedError: 64 bit types")
    c.s(Array(t.prefix(5)))
    c.s(Array(t.dropFirst(5)))
    let m = c.run()
    #expect(m.filter { $0.part == .legacyTraceback }.count == 1)
    #expect(m.first { $0.part == .legacyTraceback }?.exceptionLine == "NotImplementedError: 64 bit types")
    #expect(noFixintRun(m))
}

@Test("the JSON has the exception line and the trigger")
func tracebackJSON() throws {
    var c = Conversation()
    c.c(["ver"]); c.s("V1")
    c.add(.a, .closed(reset: false))
    c.s(traceback("EOFError: "))
    let tb = try #require(c.run().first { $0.part == .legacyTraceback })
    var s = ""
    MessageJSON.write(tb, relativeTo: Timestamp(seconds: 100, nanoseconds: 0), into: &s)
    #expect(s.contains("\"exception\":\"EOFError: \""))
    #expect(s.contains("\"trigger\":\"eof\""))
    #expect(s.contains("\"part\":\"raw_traceback\""))
}
