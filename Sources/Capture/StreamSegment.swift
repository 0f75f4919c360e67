/// What the Capture layer hands the protocol layers: reassembled, in-order bytes of one direction
/// of one byte stream (a TCP connection or a serial line), with where they came from.
/// Capture knows bytes and directions, not RPC: deciding which side is the urpc server is URPC's job.

/// A capture timestamp (UTC).
package struct Timestamp: Sendable, Hashable, Comparable {
    package var seconds: Int64
    package var nanoseconds: UInt32

    package init(seconds: Int64, nanoseconds: UInt32) {
        (self.seconds, self.nanoseconds) = (seconds, nanoseconds)
    }

    package var asDouble: Double { Double(seconds) + Double(nanoseconds) / 1e9 }

    /// Seconds from `other` to `self`.
    package func since(_ other: Timestamp) -> Double {
        Double(seconds - other.seconds) + (Double(nanoseconds) - Double(other.nanoseconds)) / 1e9
    }

    package static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }
}

/// Which side of a stream sent the bytes. `a` is the side that opened the connection (the SYN
/// sender); when the opening was not captured, the side that sent the first captured byte.
/// For serial captures `a` is the host (client) side of the link and `b` the device side.
package enum StreamSide: String, Sendable, Hashable {
    case a, b

    package var other: StreamSide { self == .a ? .b : .a }
}

/// One in-order piece of a reassembled byte stream.
package struct StreamSegment: Sendable, Equatable {
    package enum Payload: Sendable, Equatable {
        /// The stream was opened (SYN seen, or a serial port opened).
        case opened
        /// The next in-order bytes of this direction.
        case bytes([UInt8])
        /// Bytes of this direction that were never captured (lost segments): `count` bytes are
        /// missing before the next `.bytes`. Protocol layers resynchronise after a gap.
        case gap(count: Int)
        /// The direction was closed (FIN) or the connection reset (RST).
        case closed(reset: Bool)
    }

    /// The 1-based capture frame in which these bytes became available in order (as Wireshark).
    package var frame: Int
    package var time: Timestamp
    /// 0-based stream index (like Wireshark's `tcp.stream`), in order of first appearance.
    package var stream: Int
    package var side: StreamSide
    package var source: Endpoint
    package var destination: Endpoint
    /// True when the stream's opening (SYN) was not seen: the first bytes may start mid-message.
    package var startedMidStream: Bool
    package var payload: Payload

    package init(frame: Int, time: Timestamp, stream: Int, side: StreamSide, source: Endpoint,
                destination: Endpoint, startedMidStream: Bool, payload: Payload) {
        (self.frame, self.time, self.stream, self.side) = (frame, time, stream, side)
        (self.source, self.destination, self.startedMidStream, self.payload) = (source, destination, startedMidStream, payload)
    }
}

/// Why a capture could not be read (further). Everything before the damage has been delivered.
package enum CaptureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a pcap or pcapng file (or not readable at all).
    case notACapture(path: String, reason: String)
    /// The file is cut short or corrupt at this frame (1-based, the first frame that could not be
    /// read) and byte offset in the file.
    case damaged(frame: Int, offset: Int, reason: String)
    /// A live source failed (interface missing, no privileges, device vanished …).
    case source(String)
    /// Writing a capture failed (disk full …); what was written before stays valid.
    case write(String)

    package var description: String {
        switch self {
        case let .notACapture(p, r):
            if r.hasPrefix("cannot open: ") { return "cannot open \(p): " + r.dropFirst("cannot open: ".count) }
            return "\(p) is not a pcap or pcapng capture: \(r)"
        case let .damaged(f, o, r): return "capture damaged at frame \(f), file offset \(o): \(r)"
        case let .source(m): return m
        case let .write(m): return "cannot write the capture: \(m)"
        }
    }
}
