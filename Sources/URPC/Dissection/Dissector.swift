import Capture
import MessagePack

/// Options of the urpc dissector.
package struct DissectorOptions: Sendable {
    /// The server's TCP port; nil to find the server from the content.
    package var serverPort: UInt16?
    /// Decoding limits (standard dialect: show what is on the wire; the device's reading is
    /// reported by the lint as anomalies).
    package var decoding: DecodingOptions
    /// Run the device lint on client requests.
    package var lint: Bool
    /// Keep each message's decoded `Node` tree (wire formats and offsets, for `-V`). Without it,
    /// replies are decoded straight to values and messages carry only their value.
    package var keepsNodes: Bool

    package init(serverPort: UInt16? = nil, decoding: DecodingOptions = DecodingOptions(maxObjectSize: 16 << 20),
                lint: Bool = true, keepsNodes: Bool = true) {
        self.serverPort = serverPort
        self.decoding = decoding
        self.lint = lint
        self.keepsNodes = keepsNodes
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
package final class Dissector {
    package let options: DissectorOptions
    private var connections: [Int: ConnectionDissector] = [:]
    private var last: Unmanaged<ConnectionDissector>?

    package init(options: DissectorOptions = DissectorOptions()) { self.options = options }

    /// What is known of a connection once its client is known.
    package struct Endpoints: Sendable {
        package var stream: Int
        package var client: Endpoint
        package var server: Endpoint
        package var startedMidStream: Bool
    }

    package var streamInfos: [Endpoints] {
        connections.values.compactMap { c in
            guard let client = c.client, let server = c.server else { return nil }
            return Endpoints(stream: c.index, client: client, server: server, startedMidStream: c.midStream)
        }.sorted { $0.stream < $1.stream }
    }

    package func consume(_ seg: StreamSegment) -> [Message] {
        var out: [Message] = []
        consume(seg, into: &out)
        return out
    }

    /// Appends the messages completed by `seg` to `out` (lets a caller reuse one array).
    package func consume(_ seg: StreamSegment, into out: inout [Message]) {
        // The connection of the previous segment, without reference counting (`connections`
        // holds every connection for the dissector's life).
        if let last, last._withUnsafeGuaranteedRef({ $0.index == seg.stream }) {
            last._withUnsafeGuaranteedRef { $0.consume(seg, into: &out) }
            return
        }
        let c: ConnectionDissector
        if let known = connections[seg.stream] {
            c = known
        } else {
            c = ConnectionDissector(index: seg.stream, options: options)
            connections[seg.stream] = c
        }
        last = Unmanaged.passUnretained(c)
        c.consume(seg, into: &out)
    }

    /// End of the capture: messages still buffered and anomalies for what never completed.
    package func finish() -> [Message] {
        var out: [Message] = []
        for k in connections.keys.sorted() { connections[k]!.finish(into: &out) }
        return out
    }
}
