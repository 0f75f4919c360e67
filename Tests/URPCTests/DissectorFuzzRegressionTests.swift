import Capture
import Foundation
import MessagePack
import Testing
import URPC

/// Inputs found by the dissector's libFuzzer target (fuzz/DissectorFuzzer.swift), replayed with the
/// same framing: byte 0 is the control byte, 0xff switches direction, chunks of at most
/// 1 + (control >> 1 & 31) bytes.
enum DissectorFuzzReplay {
    /// The messages, and the bytes fed in each direction (as the dissector assigned the roles).
    static func run(_ input: [UInt8]) -> (messages: [Message], fed: [Direction: Int]) {
        let control = input[0]
        let body = input[1...]
        let client = Endpoint(address: "127.0.0.1", port: 50000)
        let server = Endpoint(address: "127.0.0.1", port: 7000)
        let dissector = Dissector(options: DissectorOptions(serverPort: control & 1 == 0 ? 7000 : nil,
                                                             decoding: DecodingOptions(maxDepth: 64, maxObjectSize: 1 << 16)))
        var fed: [StreamSide: Int] = [.a: 0, .b: 0]
        var messages: [Message] = []
        var side = StreamSide.a
        var frame = 0
        var pos = body.startIndex
        let maxChunk = 1 + Int(control >> 1 & 0x1f)
        while pos < body.endIndex {
            var end = pos
            while end < body.endIndex, end - pos < maxChunk, body[end] != 0xff { end += 1 }
            if end > pos {
                frame += 1
                let (src, dst) = side == .a ? (client, server) : (server, client)
                messages += dissector.consume(StreamSegment(
                    frame: frame, time: Timestamp(seconds: 1, nanoseconds: UInt32(frame)), stream: 0, side: side,
                    source: src, destination: dst, startedMidStream: control & 0x40 != 0,
                    payload: .bytes(Array(body[pos..<end]))))
                fed[side, default: 0] += end - pos
            }
            if end < body.endIndex, body[end] == 0xff { side = side.other; end += 1 }
            pos = end
        }
        messages += dissector.finish()
        // The dissector decides which side is the client (from the port or the content).
        let clientIsA = dissector.streamInfos.first.map { $0.client == client } ?? true
        return (messages, [.clientToServer: fed[clientIsA ? .a : .b]!, .serverToClient: fed[clientIsA ? .b : .a]!])
    }
}

@Test("fuzz input: every message range lies inside the bytes fed in its direction",
      arguments: ["dissector-range-past-end.bin"])
func dissectorFuzzRegression(_ name: String) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
    let input = [UInt8](try Data(contentsOf: url))
    let (messages, fed) = DissectorFuzzReplay.run(input)
    for m in messages where m.index >= 0 {
        let limit = fed[m.direction]!
        #expect(m.streamRange.upperBound <= limit, "\(m.direction.rawValue) \(m.part) \(m.streamRange) > \(limit): \(MessageText.summary(m))")
    }
}
