import Capture
import MessagePack

/// Options of the urpc dissector.
public struct DissectorOptions: Sendable {
    /// The server's TCP port; nil to find the server from the content.
    public var serverPort: UInt16?
    /// Decoding limits (standard dialect: show what is on the wire; the device's reading is
    /// reported by the lint as anomalies).
    public var decoding: DecodingOptions
    /// Run the device lint on client requests.
    public var lint: Bool

    public init(serverPort: UInt16? = nil, decoding: DecodingOptions = DecodingOptions(maxObjectSize: 16 << 20),
                lint: Bool = true) {
        self.serverPort = serverPort
        self.decoding = decoding
        self.lint = lint
    }
}

/// Turns reassembled byte streams (`StreamSegment`s, in capture order) into urpc messages:
/// requests with named arguments, replies paired in order with their requests, console output,
/// `ri` raw bytes, exception replies, the published server's raw-text traceback, and
/// resynchronisation after decode errors, lost segments and mid-stream starts.
///
/// Feed segments with `consume`; each call returns the messages completed by that segment.
/// `finish()` flushes what is left at the end of the capture. The work per connection is done by
/// a `ConnectionDissector`: its roles and input (ConnectionDissector.swift), the client side
/// (ClientSide.swift), the server side (ServerSide.swift, RawTraceback.swift) and the order in
/// which messages are released (MessageOrder.swift).
public final class Dissector {
    public let options: DissectorOptions
    private var connections: [Int: ConnectionDissector] = [:]
    private var last: ConnectionDissector?

    public init(options: DissectorOptions = DissectorOptions()) { self.options = options }

    /// What is known of a connection once its client is known.
    public struct Endpoints: Sendable {
        public var stream: Int
        public var client: Endpoint
        public var server: Endpoint
        public var startedMidStream: Bool
    }

    public var streamInfos: [Endpoints] {
        connections.values.compactMap { c in
            guard let client = c.client, let server = c.server else { return nil }
            return Endpoints(stream: c.index, client: client, server: server, startedMidStream: c.midStream)
        }.sorted { $0.stream < $1.stream }
    }

    public func consume(_ seg: StreamSegment) -> [Message] {
        var out: [Message] = []
        consume(seg, into: &out)
        return out
    }

    /// Appends the messages completed by `seg` to `out` (lets a caller reuse one array).
    public func consume(_ seg: StreamSegment, into out: inout [Message]) {
        let c: ConnectionDissector
        if let last, last.index == seg.stream {
            c = last
        } else if let known = connections[seg.stream] {
            c = known
        } else {
            c = ConnectionDissector(index: seg.stream, options: options)
            connections[seg.stream] = c
        }
        last = c
        c.consume(seg, into: &out)
    }

    /// End of the capture: messages still buffered and anomalies for what never completed.
    public func finish() -> [Message] {
        var out: [Message] = []
        for k in connections.keys.sorted() { connections[k]!.finish(into: &out) }
        return out
    }
}
