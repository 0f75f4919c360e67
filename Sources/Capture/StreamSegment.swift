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

/// The two ends of one stream, made once per stream and shared by all of its segments: a segment
/// carries one reference to them instead of two `Endpoint`s (copying or dropping a segment is then
/// one reference count, whatever the ends hold).
package final class StreamEnds: Sendable {
    package let a: Endpoint
    package let b: Endpoint

    package init(a: Endpoint, b: Endpoint) {
        (self.a, self.b) = (a, b)
    }
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
    /// True when the stream's opening (SYN) was not seen: the first bytes may start mid-message.
    package var startedMidStream: Bool
    /// `source` is `ends.b` (and `destination` `ends.a`) when set.
    private var reversed: Bool
    private var ends: StreamEnds
    package var payload: Payload

    /// The end that sent these bytes.
    package var source: Endpoint {
        get { reversed ? ends.b : ends.a }
        set { (ends, reversed) = (StreamEnds(a: newValue, b: destination), false) }
    }

    /// The end the bytes were sent to.
    package var destination: Endpoint {
        get { reversed ? ends.a : ends.b }
        set { (ends, reversed) = (StreamEnds(a: source, b: newValue), false) }
    }

    package init(frame: Int, time: Timestamp, stream: Int, side: StreamSide, source: Endpoint,
                destination: Endpoint, startedMidStream: Bool, payload: Payload) {
        self.init(frame: frame, time: time, stream: stream, side: .a, ends: StreamEnds(a: source, b: destination),
                  startedMidStream: startedMidStream, payload: payload)
        self.side = side
    }

    /// A segment sent by `side` of the stream whose ends are `ends` (`ends.a` is side `.a`).
    @inline(__always)
    package init(frame: Int, time: Timestamp, stream: Int, side: StreamSide, ends: StreamEnds, startedMidStream: Bool,
                payload: Payload) {
        (self.frame, self.time, self.stream, self.side, self.reversed) = (frame, time, stream, side, side == .b)
        (self.ends, self.startedMidStream, self.payload) = (ends, startedMidStream, payload)
    }

    package static func == (x: StreamSegment, y: StreamSegment) -> Bool {
        guard x.frame == y.frame, x.time == y.time, x.stream == y.stream, x.side == y.side,
              x.startedMidStream == y.startedMidStream, x.payload == y.payload else { return false }
        if x.ends === y.ends && x.reversed == y.reversed { return true }
        return x.source == y.source && x.destination == y.destination
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
