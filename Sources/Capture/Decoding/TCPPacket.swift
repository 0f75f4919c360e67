/// TCP header flags.
package struct TCPFlags: OptionSet, Sendable, Hashable {
    package let rawValue: UInt8
    package init(rawValue: UInt8) { self.rawValue = rawValue }
    package static let fin = TCPFlags(rawValue: 0x01)
    package static let syn = TCPFlags(rawValue: 0x02)
    package static let rst = TCPFlags(rawValue: 0x04)
    package static let psh = TCPFlags(rawValue: 0x08)
    package static let ack = TCPFlags(rawValue: 0x10)
    package static let urg = TCPFlags(rawValue: 0x20)
}

/// A decoded TCP segment with its IP endpoints.
package struct TCPPacket: Sendable, Equatable {
    package var source: Endpoint
    package var destination: Endpoint
    package var sequence: UInt32
    package var acknowledgement: UInt32
    package var flags: TCPFlags
    package var window: UInt16
    /// The captured payload bytes.
    package var payload: [UInt8]
    /// Payload bytes the IP header declares but the capture did not keep (snap length): they
    /// follow `payload` in sequence space and are reported as a gap.
    package var missingPayload: Int

    package init(source: Endpoint, destination: Endpoint, sequence: UInt32, acknowledgement: UInt32,
                flags: TCPFlags, window: UInt16 = 65535, payload: [UInt8], missingPayload: Int = 0) {
        self.source = source
        self.destination = destination
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.flags = flags
        self.window = window
        self.payload = payload
        self.missingPayload = missingPayload
    }

    /// Sequence space used by the payload (captured or not).
    package var payloadLength: Int { payload.count + missingPayload }
}

/// What one capture frame turned out to be.
package struct DecodedPacket: Sendable, Equatable {
    package enum Content: Sendable, Equatable {
        case tcp(TCPPacket)
        /// An IP fragment (not reassembled: urpc traffic is never fragmented on loopback).
        case ipFragment
        /// Anything else (ARP, UDP, unsupported link type …), with why it was not decoded.
        case other(String)
    }

    package var frame: Int
    package var time: Timestamp
    package var content: Content

    package init(frame: Int, time: Timestamp, content: Content) {
        self.frame = frame
        self.time = time
        self.content = content
    }
}

/// One end of a TCP connection as a packet names it: a trivial value, so that comparing, copying
/// and hashing it is a few integer operations (an `Endpoint` is made only when a stream starts).
struct TCPEnd: Hashable {
    var ip: IPAddress
    var port: UInt16

    var endpoint: Endpoint { Endpoint(ip: ip, port: port) }

    /// The order of `Endpoint.precedes` for IP ends: address, then port.
    static func precedes(_ x: TCPEnd, _ y: TCPEnd) -> Bool {
        x.ip == y.ip ? x.port <= y.port : IPAddress.precedes(x.ip, y.ip)
    }
}

/// A decoded TCP segment read in place: the header fields, and the payload as a slice of the frame
/// (valid only as long as the frame's bytes are). A trivial value.
struct TCPSegmentView {
    var source: TCPEnd
    var destination: TCPEnd
    var sequence: UInt32
    var acknowledgement: UInt32
    var flags: TCPFlags
    var window: UInt16
    var payload: UnsafeBufferPointer<UInt8>
    var missingPayload: Int

    /// Sequence space used by the payload (captured or not).
    var payloadLength: Int { payload.count + missingPayload }

    /// A `TCPPacket` owning a copy of the payload.
    var packet: TCPPacket {
        TCPPacket(source: source.endpoint, destination: destination.endpoint, sequence: sequence, acknowledgement: acknowledgement,
                  flags: flags, window: window, payload: Array(payload), missingPayload: missingPayload)
    }
}
