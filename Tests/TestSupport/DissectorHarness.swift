import Capture
import MessagePack
import URPC

/// The dissector's byte-stream path fed one fuzz input: the body the libFuzzer target
/// (fuzz/DissectorFuzzer) runs and the regression tests replay.
///
/// Input layout: the first byte chooses the chunking; the rest is cut into segments that alternate
/// direction (client→server, server→client) at the input's own 0xff markers, so a mutated input
/// explores interleavings, splits and garbage on both sides.
package enum DissectorHarness {
    /// The messages, and the bytes fed in each direction (as the dissector assigned the roles).
    package static func run(_ input: [UInt8]) -> (messages: [Message], fed: [Direction: Int]) {
        guard input.count > 1 else { return ([], [.clientToServer: 0, .serverToClient: 0]) }
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
            // A chunk ends at the next 0xff marker or after maxChunk bytes; markers switch direction.
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

    /// The oracles: every message's stream range lies inside what was fed in its direction, ranges
    /// within a direction do not overlap and only move forward, and a message's bytes match its
    /// range. Returns the first violation.
    package static func violation(_ messages: [Message], fed: [Direction: Int]) -> String? {
        var last: [Direction: Int] = [:]
        for m in messages where m.index >= 0 {
            let limit = fed[m.direction] ?? 0
            let r = m.streamRange
            if r.lowerBound < 0 || r.upperBound > limit {
                return "\(m.direction.rawValue) \(m.part) range \(r) outside the \(limit) bytes fed: \(MessageText.summary(m))"
            }
            if r.lowerBound < last[m.direction, default: 0] && !r.isEmpty { return "overlapping or backward message ranges at \(r)" }
            if !r.isEmpty { last[m.direction] = r.upperBound }
            if m.bytes.count != r.count && m.part != .legacyTraceback && m.part != .skipped {
                return "message bytes (\(m.bytes.count)) do not match its range \(r)"
            }
        }
        return nil
    }
}
