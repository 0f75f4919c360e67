import Testing
import MessagePack
@testable import Simulator

/// `--legacy-errors`: the published server's broken error path (spec §3, §5), byte for byte.
@Suite struct LegacyErrorTests {
    let enc = Encoder(dialect: .device)
    func req(_ items: MessagePackValue...) -> [UInt8] { try! enc.encode(.array(items)) }
    let p2: MessagePackValue = .ext(type: 1, data: [0, 0, 0, 2])

    static let traceback = Array(("Traceback (most recent call last):\n"
        + "  File \"lib/urpc_server/async_server.py\", line 118, in async_serve\n"
        + "  File \"lib/urpc_server/async_server.py\", line 45, in cm\n"
        + "AttributeError: 'RPC_Test' object has no attribute 'foo'\n").utf8)

    func session(lineEnding: String = "\n") -> DeviceSession {
        let s = DeviceSession(options: SimulatorOptions(errorMode: .legacy, lineEnding: lineEnding))
        _ = s.feed(req("im", "rpc_test"))
        _ = s.feed(req("cm", .ext(type: 1, data: [0, 0, 0, 1]), "RPC_Test", ["rpc test"], .map([])))
        return s
    }

    @Test func rawTracebackThenSilence() {
        let s = session()
        // The spec §5 request: ["cm", P2, "foo", [], {}].
        let request: [UInt8] = [0x95, 0xa2, 0x63, 0x6d, 0xd6, 0x01, 0, 0, 0, 0x02, 0xa3, 0x66, 0x6f, 0x6f, 0x90, 0x80]
        let out = s.feed(request)
        #expect(out == Self.traceback)
        #expect(out.starts(with: [0x54, 0x72, 0x61, 0x63, 0x65, 0x62, 0x61, 0x63, 0x6b, 0x20, 0x28, 0x6d, 0x6f, 0x73, 0x74]))
        guard case .dead = s.state else { Issue.record("the RPC task should be dead: \(s.state)"); return }
        #expect(s.feed(req("ver")).isEmpty)
        #expect(s.feed(req("re")).isEmpty)
    }

    @Test func esp32LineEndings() {
        let out = session(lineEnding: "\r\n").feed(req("cm", p2, "foo", [], .map([])))
        #expect(String(decoding: out, as: UTF8.self).hasPrefix("Traceback (most recent call last):\r\n  File "))
    }

    @Test func anEarlierExDefiningSKeepsTheServerAlive() throws {
        // If `s` exists, the error path completes: raw traceback, then ExtType(2) whose third
        // field is s.getvalue(), and the server goes on.
        let s = session()
        #expect(s.feed(req("ex", "s = io.StringIO('kept')")) == [0xc0])
        let out = s.feed(req("cm", p2, "foo", [], .map([])))
        #expect(Array(out.prefix(Self.traceback.count)) == Self.traceback)
        let rest = Array(out.dropFirst(Self.traceback.count))
        let v = try Decoder(options: .device).decode(rest)
        #expect(v == .ext(type: 2, data: ArraySlice(Array("AttributeError\u{04}(\"'RPC_Test' object has no attribute 'foo'\",)\u{04}kept".utf8))))
        #expect(s.state == .serving)
        #expect(s.feed(req("ver")) == [0xa2, 0x56, 0x31])
    }

    static func traceback(_ frames: [(Int, String)], _ last: String) -> String {
        "Traceback (most recent call last):\n"
            + frames.map { "  File \"lib/urpc_server/async_server.py\", line \($0.0), in \($0.1)\n" }.joined() + last + "\n"
    }

    @Test func aHundredThousandDeepRequestFedInChunksIsOneRecursionError() {
        let s = DeviceSession(options: SimulatorOptions(errorMode: .legacy))
        let request = [0x92, 0xa2, 0x5f, 0x73] + [UInt8](repeating: 0x91, count: 99_998) + [0x90]
        var out: [UInt8] = []
        for i in stride(from: 0, to: request.count, by: 1000) {
            out += s.feed(request[i..<min(request.count, i + 1000)])
            if i + 1000 < request.count { #expect(out.isEmpty) }   // nothing before its last byte
        }
        #expect(String(decoding: out, as: UTF8.self)
                == Self.traceback([(118, "async_serve"), (82, "_s")], "RuntimeError: maximum recursion depth exceeded"))
        #expect(s.requestCount == 1)
    }

    @Test func endOfStream() {
        // Nothing outstanding: EOFError; inside a payload's read: short read; intended mode and
        // a dead task write nothing.
        let idle = DeviceSession(options: SimulatorOptions(errorMode: .legacy))
        #expect(String(decoding: idle.clientClosed(), as: UTF8.self) == Self.traceback([(117, "async_serve")], "EOFError: "))
        let cut = DeviceSession(options: SimulatorOptions(errorMode: .legacy))
        #expect(cut.feed([0x92, 0xa2, 0x69, 0x6d, 0xa8, 0x72]).isEmpty)
        #expect(String(decoding: cut.clientClosed(), as: UTF8.self) == Self.traceback([(117, "async_serve")], "ValueError: short read"))
        #expect(cut.clientClosed().isEmpty)
        let intended = DeviceSession()
        #expect(intended.clientClosed().isEmpty)
    }

    @Test func aLengthBeyondTheHeapFailsRightAfterItsHeader() {
        let s = DeviceSession(options: SimulatorOptions(errorMode: .legacy))
        #expect(s.feed([0x92, 0xa2, 0x5f, 0x73, 0xc6, 0x7f, 0xff]).isEmpty)
        #expect(String(decoding: s.feed([0xff, 0xff]), as: UTF8.self)
                == Self.traceback([(117, "async_serve")], "MemoryError: memory allocation failed, allocating 2147483648 bytes"))
        let map = DeviceSession(options: SimulatorOptions(errorMode: .legacy))
        #expect(String(decoding: map.feed([0x92, 0xa2, 0x5f, 0x73, 0xdf, 0x7f, 0xff, 0xff, 0xff]), as: UTF8.self)
                == Self.traceback([(117, "async_serve")], "MemoryError: memory allocation failed, allocating 4294967288 bytes"))
    }
}
