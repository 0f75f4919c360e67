import Capture
import URPC

/// Replays the client side of captured connections at a server, one request at a time: each
/// request waits for its reply, as the dissector frames it (the value, an exception, the end of
/// an `ri` reply or a raw traceback), and each connection starts on a fresh server session.
package enum CaptureReplay {
    package struct Outcome {
        /// One per connection: what was written and read, with times.
        package var transcripts: [Transcript] = []
        package var requests = 0
        /// Requests the server did not answer within the timeout.
        package var unanswered = 0
    }

    package static func replay(_ connections: [CapturedConnection], target: ServerTarget, timeout: Double) throws(TargetError) -> Outcome {
        var out = Outcome()
        try target.start()
        for (k, conn) in connections.enumerated() where !conn.requests.isEmpty {
            if k > 0 { try target.freshSession() }
            guard let channel = target.channel else { throw TargetError.connectFailed("no connection to the server") }
            var transcript = Transcript()
            let reader = ReplyFramer()
            for request in conn.requests {
                out.requests += 1
                transcript.add(.client, request[...])
                reader.sent(request)
                guard channel.writeAll(request) else { out.unanswered += 1; break }
                let deadline = Monotonic.now() + UInt64(max(0.01, timeout) * 1e9)
                var buffer: [UInt8] = []
                var answered = false
                while !answered {
                    var count = 0
                    guard case .data = channel.read(into: &buffer, count: &count, deadline: deadline) else { break }
                    transcript.add(.server, buffer[0..<count])
                    answered = reader.received(Array(buffer[0..<count]))
                }
                if !answered { out.unanswered += 1 }
            }
            out.transcripts.append(transcript)
        }
        target.stop()
        return out
    }
}

/// Counts the replies the dissector completes on a synthesised connection.
final class ReplyFramer {
    private let dissector = Dissector(options: DissectorOptions(serverPort: 7000, lint: false))
    private let client = Endpoint(address: "127.0.0.1", port: 54188)
    private let server = Endpoint(address: "127.0.0.1", port: 7000)
    private var requests = 0
    private var replies = 0
    private var frame = 0

    init() { feed(.a, .opened) }

    func sent(_ bytes: [UInt8]) {
        requests += 1
        feed(.a, .bytes(bytes))
    }

    /// True once every request sent so far has its reply.
    func received(_ bytes: [UInt8]) -> Bool {
        feed(.b, .bytes(bytes))
        return replies >= requests
    }

    private func feed(_ side: StreamSide, _ payload: StreamSegment.Payload) {
        frame += 1
        let seg = StreamSegment(frame: frame, time: Timestamp(seconds: 0, nanoseconds: 0), stream: 0, side: side,
                                source: side == .a ? client : server, destination: side == .a ? server : client,
                                startedMidStream: false, payload: payload)
        for m in dissector.consume(seg) where m.direction == .serverToClient && Self.endsReply(m) { replies += 1 }
    }

    /// The last message of a reply.
    static func endsReply(_ m: Message) -> Bool {
        switch m.part {
        case .value, .exception, .riEnd, .legacyTraceback: return true
        default: return false
        }
    }
}
