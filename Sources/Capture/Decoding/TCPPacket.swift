/// TCP header flags.
public struct TCPFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let fin = TCPFlags(rawValue: 0x01)
    public static let syn = TCPFlags(rawValue: 0x02)
    public static let rst = TCPFlags(rawValue: 0x04)
    public static let psh = TCPFlags(rawValue: 0x08)
    public static let ack = TCPFlags(rawValue: 0x10)
    public static let urg = TCPFlags(rawValue: 0x20)
}

/// A decoded TCP segment with its IP endpoints.
public struct TCPPacket: Sendable, Equatable {
    public var source: Endpoint
    public var destination: Endpoint
    public var sequence: UInt32
    public var acknowledgement: UInt32
    public var flags: TCPFlags
    public var window: UInt16
    /// The captured payload bytes.
    public var payload: [UInt8]
    /// Payload bytes the IP header declares but the capture did not keep (snap length): they
    /// follow `payload` in sequence space and are reported as a gap.
    public var missingPayload: Int

    public init(source: Endpoint, destination: Endpoint, sequence: UInt32, acknowledgement: UInt32,
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
    public var payloadLength: Int { payload.count + missingPayload }
}

/// What one capture frame turned out to be.
public struct DecodedPacket: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case tcp(TCPPacket)
        /// An IP fragment (not reassembled: urpc traffic is never fragmented on loopback).
        case ipFragment
        /// Anything else (ARP, UDP, unsupported link type …), with why it was not decoded.
        case other(String)
    }

    public var frame: Int
    public var time: Timestamp
    public var content: Content

    public init(frame: Int, time: Timestamp, content: Content) {
        self.frame = frame
        self.time = time
        self.content = content
    }
}
