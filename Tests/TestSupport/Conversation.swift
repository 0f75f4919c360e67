import Capture
import MessagePack
import URPC

/// Builds a conversation segment by segment: `c(bytes)` client→server, `s(bytes)` server→client,
/// each in its own frame.
package struct Conversation {
    package init() {}
    package var segments: [StreamSegment] = []
    package var frame = 0
    package var midStream = false
    package let client = Endpoint(address: "127.0.0.1", port: 50000)
    package let server = Endpoint(address: "127.0.0.1", port: 7000)

    package mutating func add(_ side: StreamSide, _ payload: StreamSegment.Payload) {
        frame += 1
        let (src, dst) = side == .a ? (client, server) : (server, client)
        segments.append(StreamSegment(frame: frame, time: Timestamp(seconds: 100, nanoseconds: UInt32(frame) * 1000),
                                      stream: 0, side: side, source: src, destination: dst,
                                      startedMidStream: midStream, payload: payload))
    }
    package mutating func c(_ b: [UInt8]) { add(.a, .bytes(b)) }
    package mutating func s(_ b: [UInt8]) { add(.b, .bytes(b)) }
    package mutating func c(_ v: MessagePackValue) { c(try! Encoder(dialect: .device).encode(v)) }
    package mutating func s(_ v: MessagePackValue) { s(try! Encoder(dialect: .device).encode(v)) }

    package func run(_ options: DissectorOptions = DissectorOptions()) -> [Message] {
        let d = Dissector(options: options)
        var out: [Message] = []
        for seg in segments { out += d.consume(seg) }
        return out + d.finish()
    }
}
