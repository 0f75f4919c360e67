import Testing
import MessagePack
import MsgscopeTestSupport
@testable import Simulator

/// The simulator never crashes, hangs or balloons on hostile input.
@Suite struct HostileInputTests {
    func req(_ items: MessagePackValue...) -> [UInt8] { try! Encoder(dialect: .device).encode(.array(items)) }

    @Test(arguments: [
        String(repeating: "(", count: 20_000) + "1",
        "x = 'a' * 1000000000",
        "x = 1 ** 1000000000",
        "for i in range(3):\nprint(i)",
        "def f(): pass",
        "while True:\n    pass",
        "print(undefined_name)",
    ])
    func exProgramsFailCleanly(code: String) throws {
        let s = DeviceSession()
        let out = s.feed(req("ex", .string(code)))
        let v = try Decoder(options: .device).decodeAllValues(out).values
        #expect(v.count == 1)
        #expect(s.state == .serving)
        #expect(s.feed(req("ver")) == [0xa2, 0x56, 0x31])
    }

    /// Seeded random byte streams (mostly msgpack-shaped) in random chunks, in every mode.
    @Test(arguments: [SimulatorOptions(), SimulatorOptions(errorMode: .legacy), SimulatorOptions(deviceFaults: true)])
    func randomStreams(options: SimulatorOptions) {
        var rng = SplitMix(seed: 0x5eed)
        let alphabet: [UInt8] = [0x90, 0x91, 0x92, 0x93, 0x95, 0xa2, 0x63, 0x6d, 0xd6, 0x01, 0x00, 0xc0, 0xc4, 0xdd, 0xdf,
                                 0xc6, 0xdb, 0xc9, 0xff, 0x80, 0x81, 0xc1, 0xcb, 0xd4, 0x02, 0x03, 0x05, 0x72, 0x69, 0x5f, 0x64]
        for _ in 0..<300 {
            let s = DeviceSession(options: options)
            var stream = req("im", "rpc_test") + req("cm", .ext(type: 1, data: [0, 0, 0, 1]), "RPC_Test", ["x"], .map([]))
            for _ in 0..<Int(rng.next() % 200) {
                stream.append(rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))])
            }
            var i = 0
            while i < stream.count {
                let n = 1 + Int(rng.next() % 16)
                _ = s.feed(stream[i..<min(stream.count, i + n)])
                i += n
            }
        }
    }
}


/// Found by `msgfuzz --target server`: float arguments that have no integer value (NaN,
/// infinities, huge) made the twin trap where MicroPython raises; now they are error replies.
@Test("math.floor/ceil, int() and ri counts of NaN and infinities raise instead of trapping",
      arguments: [Float.nan, .infinity, -.infinity, 3e38])
func floatToIntRaises(_ x: Float) throws {
    let session = DeviceSession()
    let enc = Encoder(dialect: .device)
    var out: [UInt8] = []
    out += session.feed(try enc.encode(["im", "math"]))
    out += session.feed(try enc.encode(["cm", .ext(type: 1, data: [0, 0, 0, 1]), "floor", .array([.float(x)]), .map([])]))
    out += session.feed(try enc.encode(["cm", .ext(type: 1, data: [0, 0, 0, 1]), "ceil", .array([.float(x)]), .map([])]))
    out += session.feed(try enc.encode(["ver"]))
    let replies = Decoder(dialect: .device).decodeAllValues(out).values
    #expect(replies.count == 4)
    #expect(replies.dropFirst().prefix(2).allSatisfy { if case .ext(2, _) = $0 { return true } else { return false } })
    #expect(replies.last == "V1")
}
