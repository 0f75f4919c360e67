import Capture
import Testing
import MessagePack
@testable import Simulator

/// The request bytes of every shared capture, replayed against the simulator, give the same
/// replies as the real server (addresses and id() values aside).
@Suite struct CaptureReplayTests {
    /// Splits the simulator's output for one request into pieces shaped like the captured ones
    /// (ri raw payloads taken by length, everything else decoded as one object).
    static func pieces(_ out: [UInt8], like expected: [Fixture.Message]) throws -> [[UInt8]] {
        var pos = 0
        var result: [[UInt8]] = []
        for m in expected {
            if m.kind == "ri_raw" || m.kind == "raw_traceback" {
                let end = min(out.count, pos + m.bytes.count)
                result.append(Array(out[pos..<end]))
                pos = end
            } else {
                let (_, end) = try Decoder(options: .device).decodeValue(out, at: pos)
                result.append(Array(out[pos..<end]))
                pos = end
            }
        }
        #expect(pos == out.count, "the simulator wrote \(out.count - pos) bytes more than the real server")
        return result
    }

    static func compare(_ file: String, _ messages: [Fixture.Message], feed: ([UInt8]) throws -> [UInt8]) throws {
        var i = 0
        var requests = 0
        while i < messages.count {
            let req = messages[i]
            guard req.dir == "C>S" else { i += 1; continue }
            var j = i + 1
            var expected: [Fixture.Message] = []
            while j < messages.count, messages[j].dir == "S>C" { expected.append(messages[j]); j += 1 }
            let out = try feed(req.bytes)
            let got: [[UInt8]]
            do { got = try pieces(out, like: expected) } catch {
                Issue.record("\(file) request \(req.n) (\(req.cmd ?? "?")): output \(Hex.string(out)) does not split like the real reply: \(error)")
                i = j
                continue
            }
            for (e, g) in zip(expected, got) {
                if e.kind == "ri_raw" {
                    #expect(g == e.bytes, "\(file) msg \(e.n): raw bytes differ")
                } else if e.bytes == g {
                    continue
                } else {
                    let d = Decoder(options: .device)
                    let ev = Structural.normalize(try d.decode(e.bytes), cmd: req.cmd)
                    let gv = Structural.normalize(try d.decode(g), cmd: req.cmd)
                    // The registry dump is a dict: compare it as a set of entries, then its order.
                    #expect(gv == ev, "\(file) msg \(e.n) (reply to \(req.cmd ?? "?")): \(ValueFormatter().format(gv)) vs real \(ValueFormatter().format(ev))")
                }
            }
            requests += 1
            i = j
        }
        #expect(requests > 10)
    }

    @Test func replayInProcess() throws {
        for (file, messages) in try Fixture.captureMessages() {
            let session = DeviceSession()
            try Self.compare(file, messages) { session.feed($0) }
            #expect(session.state == .serving)
        }
    }

    /// Capture A starts from a fresh server like the simulator: even reprs and id() values agree,
    /// so every reply is byte for byte the real one.
    @Test func captureAIsByteIdentical() throws {
        let (_, messages) = try #require(try Fixture.captureMessages().first { $0.file == "urpc_a_basic_session.pcap" })
        let session = DeviceSession()
        var expected: [UInt8] = [], got: [UInt8] = []
        for m in messages {
            if m.dir == "C>S" { got += session.feed(m.bytes) } else { expected += m.bytes }
        }
        #expect(Hex.string(got) == Hex.string(expected))
    }

    @Test func replayOverLoopbackTCP() throws {
        let server = try SimulatorServer(address: LoopbackAddress(host: "127.0.0.1", port: 0))
        server.start()
        defer { server.stop() }
        for (file, messages) in try Fixture.captureMessages() {
            let link = try ClientLink.tcp(LoopbackAddress(host: "127.0.0.1", port: server.port))
            defer { link.close() }
            try Self.compare(file, messages) { request in
                try link.write(request)
                // Read until the reply (the last expected piece) has arrived: the reply decoding
                // is driven by the same piece shapes, so read by quiet period + completeness.
                let isRI = request.starts(with: [0x93, 0xa2, 0x72, 0x69])
                let n = isRI ? Int((try? Decoder(options: .device).decode(request).arrayValue?[2].intValue) ?? 0 ?? 0) : nil
                return try link.readReply(readinto: n).bytes
            }
        }
    }
}
