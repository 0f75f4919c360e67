import Testing
import MessagePack
@testable import Simulator

/// The device session's protocol behaviour (spec §3, §4), fed bytes directly.
@Suite struct SessionTests {
    let enc = Encoder(dialect: .device)

    func req(_ items: MessagePackValue...) -> [UInt8] { try! enc.encode(.array(items)) }
    func proxy(_ id: UInt32) -> MessagePackValue { .ext(type: 1, data: ArraySlice(Registry.key(id))) }
    func values(_ bytes: [UInt8]) -> [MessagePackValue] { Decoder(options: .device).decodeAllValues(bytes).values }

    func started() -> DeviceSession {
        let s = DeviceSession()
        #expect(s.feed(req("ver")) == [0xa2, 0x56, 0x31])
        #expect(s.feed(req("im", "rpc_test")) == [0xd6, 1, 0, 0, 0, 1])
        #expect(s.feed(req("cm", proxy(1), "RPC_Test", ["t"], .map([]))) == [0xd6, 1, 0, 0, 0, 2])
        return s
    }

    @Test func everyReturnGetsAFreshID() {
        let s = started()
        #expect(s.feed(req("gp", proxy(1), "RPC_Test")) == [0xd6, 1, 0, 0, 0, 3])
        #expect(s.feed(req("gp", proxy(1), "RPC_Test")) == [0xd6, 1, 0, 0, 0, 4])
        #expect(s.registry.ids == [1, 2, 3, 4])
    }

    @Test func releaseUnknownAndReleasedIDs() {
        let s = started()
        let d2 = req("_d", .binary([0, 0, 0, 2]))
        #expect(s.feed(d2) == [0xc0])
        #expect(s.feed(d2) == [0xc0])                           // already released: nil again
        #expect(s.feed(req("_d", .binary([0, 0, 0, 99]))) == [0xc0])
        #expect(s.feed(req("_d", 2)) == [0xc0])                 // not a bin: KeyError, swallowed
        #expect(values(s.feed(req("_s", proxy(2)))) == ["None"]) // use after release resolves to None
        #expect(s.registry.ids == [1])
    }

    @Test func pipelinedRequestsAnsweredInOrder() {
        let s = started()
        let out = s.feed(req("ver") + req("cm", proxy(2), "add", [1, 2], .map([])) + req("_s", proxy(2)) + req("eq", proxy(2), proxy(2)))
        #expect(values(out) == ["V1", "t: 1 + 2 = 3", "Demo t", true])
    }

    @Test func splitPayloadIsReassembled() {
        let s = started()
        let r = req("cm", proxy(2), "add", ["a long string argument", "x"], .map([]))
        var out: [UInt8] = []
        for b in r { out += s.feed([b]) }
        #expect(values(out) == ["t: a long string argument + x = a long string argumentx"])
    }

    @Test func shortReadsLikeTheDeviceReader() throws {
        var o = SimulatorOptions()
        o.shortReads = true
        // Split at element and header boundaries: fine.
        let s = DeviceSession(options: o)
        #expect(s.feed([0x92, 0xa2]).isEmpty)
        #expect(s.feed([0x69, 0x6d, 0xa8]).isEmpty)
        #expect(s.feed(Array("rpc_test".utf8)) == [0xd6, 1, 0, 0, 0, 1])
        // Split inside the payload of "rpc_test" and the read call times out: short read, then
        // the rest ("test") is read as four fixint requests, each failing.
        let t = DeviceSession(options: o)
        #expect(t.feed([0x92, 0xa2, 0x69, 0x6d, 0xa8, 0x72, 0x70, 0x63, 0x5f]).isEmpty)
        #expect(t.isMidRequest)
        let first = values(t.readTimedOut())
        guard case .ext(2, let d)? = first.first else { Issue.record("no error: \(first)"); return }
        #expect(String(decoding: d, as: UTF8.self).hasPrefix("ValueError\u{04}('short read',)"))
        #expect(values(t.feed(Array("test".utf8))).count == 4)
        #expect(values(t.feed([0x91, 0xa3, 0x76, 0x65, 0x72])) == ["V1"])
    }

    @Test func deviceDialectArguments() {
        let s = started()
        // ["cm", P2, "add", [cc c8, d2 80 00 00 00], {}]: uint8 200 is read as -56, the int32
        // -2^31 wraps to 0 on the 32-bit device.
        let r: [UInt8] = [0x95, 0xa2, 0x63, 0x6d, 0xd6, 0x01, 0, 0, 0, 2, 0xa3, 0x61, 0x64, 0x64,
                          0x92, 0xcc, 0xc8, 0xd2, 0x80, 0x00, 0x00, 0x00, 0x80]
        #expect(values(s.feed(r)) == ["t: -56 + 0 = -56"])
        // Duplicate map keys: the last wins.
        #expect(s.feed(req("sp", proxy(2), "d", .map([(key: "x", value: 1), (key: "x", value: 2)]))) == [0xc0])
        #expect(values(s.feed(req("gp", proxy(2), "d"))) == [.map([(key: "x", value: 2)])])
    }

    @Test func devicePiecewiseWrites() {
        let s = DeviceSession()
        s.recordsWrites = true
        #expect(s.feedWrites(req("ver")).map(Array.init) == [[0xa2], [0x56, 0x31]])
        _ = s.feed(req("im", "io"))
        _ = s.feed(req("cm", proxy(1), "BytesIO", [.binary([1, 2, 3])], .map([])))
        // ri: the count, the raw bytes in one write, the closing nil.
        #expect(s.feedWrites(req("ri", proxy(2), 8)).map(Array.init) == [[0x03], [1, 2, 3], [0xc0]])
        #expect(s.feedWrites(req("im", "io")).map(Array.init) == [[0xd6], [0x01], [0, 0, 0, 3]])
        #expect(s.feedWrites(req("_id", proxy(2))).map(Array.init).first == [0xd2])
    }

    @Test func intendedErrorReply() throws {
        let s = started()
        let out = s.feed(req("cm", proxy(2), "foo", [], .map([])))
        let v = try Decoder(options: .device).decode(out)
        guard case .ext(2, let data) = v else { Issue.record("not an error reply: \(v)"); return }
        let text = String(decoding: data, as: UTF8.self)
        #expect(text == "AttributeError\u{04}(\"'RPC_Test' object has no attribute 'foo'\",)\u{04}Traceback (most recent call last):\n"
                + "  File \"lib/urpc_server/async_server.py\", line 118, in async_serve\n"
                + "  File \"lib/urpc_server/async_server.py\", line 45, in cm\n"
                + "AttributeError: 'RPC_Test' object has no attribute 'foo'\n")
        #expect(values(s.feed(req("ver"))) == ["V1"])           // still serving
    }

    @Test(arguments: [
        ([0x05] as [UInt8], "TypeError"),                        // not an array
        ([0x90], "IndexError"),                                  // []
        ([0x91, 0xa4, 0x6e, 0x6f, 0x70, 0x65], "TypeError"),     // ["nope"]: None isn't callable
        ([0x92, 0xa2, 0x5f, 0x73, 0xd4, 0x02, 0x00], "AssertionError"), // ext code 2
        ([0xc1], "NotImplementedError"),
        ([0x91, 0xcb, 0, 0, 0, 0, 0, 0, 0, 0], "NotImplementedError"),
    ])
    func failingRequests(bytes: [UInt8], exception: String) throws {
        let s = started()
        let vs = values(s.feed(bytes))
        guard case .ext(2, let data)? = vs.first else { Issue.record("no error reply: \(vs)"); return }
        #expect(String(decoding: data.prefix { $0 != 4 }, as: UTF8.self) == exception)
    }

    @Test func extCodeErrorLeavesTheRestOfTheArrayInTheStream() {
        // ["cm", ExtType(2, …), "x"]: the device stops after the bad ext; "x" is read as the next
        // request ("x"[0] → None → TypeError): two error replies.
        let s = started()
        let vs = values(s.feed(req("cm", .ext(type: 2, data: [1]), "x")))
        #expect(vs.count == 2)
        #expect(vs.allSatisfy { if case .ext(2, _) = $0 { return true } else { return false } })
    }

    @Test func consoleOutputPrecedesTheReply() {
        let s = DeviceSession()
        let out = s.feed(req("ex", "print('line', 1 + 2)"))
        #expect(out == [0xd6, 0x03, 0x6c, 0x69, 0x6e, 0x65, 0xd4, 0x03, 0x20, 0xd4, 0x03, 0x33, 0xd4, 0x03, 0x0a, 0xc0])
        let crlf = DeviceSession(options: SimulatorOptions(lineEnding: "\r\n"))
        #expect(crlf.feed(req("ex", "print()")) == [0xd5, 0x03, 0x0d, 0x0a, 0xc0])
    }

    @Test func unpackableValuesBecomeProxiesAtAnyDepth() {
        let s = started()
        // sum((2**29, 2**29)) = 2**30: a long int on the device, sent as a proxy.
        #expect(s.feed(req("im", "builtins")) == [0xd6, 1, 0, 0, 0, 3])
        #expect(s.feed(req("cm", proxy(3), "sum", [[536870912, 536870912]], .map([]))) == [0xd6, 1, 0, 0, 0, 4])
        #expect(values(s.feed(req("_s", proxy(4)))) == ["1073741824"])
    }

    @Test func readintoReturningNoneSendsTheWholeSlice() throws {
        // A non-blocking loopback socket with nothing to read: readinto returns None, the server
        // packs nil, then writes the whole (zeroed) slice of min(n, 512) bytes, then nil.
        let s = DeviceSession()
        _ = s.feed(req("im", "socket"))
        _ = s.feed(req("cm", proxy(1), "socket", [], .map([])))                     // P2 listener
        _ = s.feed(req("cm", proxy(2), "bind", [["127.0.0.1", 0]], .map([])))
        _ = s.feed(req("cm", proxy(2), "listen", [1], .map([])))
        let name = values(s.feed(req("cm", proxy(2), "getsockname", [], .map([]))))
        let port = try #require(name.first?.arrayValue?.last?.intValue)
        _ = s.feed(req("cm", proxy(1), "socket", [], .map([])))                     // P3 client
        #expect(values(s.feed(req("cm", proxy(3), "connect", [["127.0.0.1", .int(port)]], .map([])))) == [.nil])
        _ = s.feed(req("cm", proxy(3), "setblocking", [false], .map([])))
        let out = s.feed(req("ri", proxy(3), 600))
        #expect(out.count == 1 + 512 + 1)
        #expect(out.first == 0xc0 && out.last == 0xc0)
        #expect(out.dropFirst().dropLast().allSatisfy { $0 == 0 })
        // Connecting anywhere but loopback fails like an unresolvable host on the device.
        let far = values(s.feed(req("cm", proxy(3), "connect", [["10.1.2.3", 80]], .map([]))))
        guard case .ext(2, let d)? = far.first else { Issue.record("expected an error"); return }
        #expect(String(decoding: d, as: UTF8.self).hasPrefix("OSError\u{04}(-202,)"))
    }

    @Test func registryDumpUsesMicroPythonDictOrder() {
        #expect(MicroPythonDictOrder.order([1, 2]) == [2, 1])
        #expect(MicroPythonDictOrder.order([1, 2, 3, 4]) == [4, 1, 2, 3])
        #expect(MicroPythonDictOrder.order([1, 3, 4]) == [4, 1, 3])
    }

    @Test func globalNamesOfTheServerModuleAreCallable() {
        let s = DeviceSession()
        // _obj_handler(req[1:]) registers the argument tuple and returns ExtType(1, id) itself.
        #expect(s.feed(req("_obj_handler", 5)) == [0xd6, 1, 0, 0, 0, 1])
        #expect(values(s.feed(req("re"))) == [.map([(key: 1, value: "(5,)")])])
    }
}
