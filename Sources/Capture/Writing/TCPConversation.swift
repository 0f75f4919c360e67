/// A TCP segment with the time it is captured at.
package struct TimedPacket: Sendable, Equatable {
    package var time: Timestamp
    package var packet: TCPPacket

    package init(time: Timestamp, packet: TCPPacket) {
        self.time = time
        self.packet = packet
    }

    /// Splits the payload into pieces ending at the given payload offsets (each piece keeps its
    /// own sequence number; FIN stays on the last piece only).
    package func split(at offsets: [Int]) -> [TimedPacket] {
        let cuts = ([0] + offsets.filter { $0 > 0 && $0 < packet.payload.count }.sorted() + [packet.payload.count])
        var out: [TimedPacket] = []
        var nanos = 0
        for i in 0..<(cuts.count - 1) where cuts[i] < cuts[i + 1] || packet.payload.isEmpty {
            var p = packet
            p.payload = Array(packet.payload[cuts[i]..<cuts[i + 1]])
            p.sequence = packet.sequence &+ UInt32(cuts[i])
            if i != cuts.count - 2 { p.flags.remove(.fin) }
            out.append(TimedPacket(time: time.adding(nanoseconds: nanos), packet: p))
            nanos += 1_000
        }
        return out
    }

    /// Splits the payload into pieces of at most `size` bytes.
    package func split(maxSegment size: Int) -> [TimedPacket] {
        split(at: Array(stride(from: size, to: packet.payload.count, by: max(1, size))))
    }
}

extension Timestamp {
    package func adding(nanoseconds delta: Int) -> Timestamp {
        let total = Int64(nanoseconds) + Int64(delta)
        let secs = total >= 0 ? total / 1_000_000_000 : (total - 999_999_999) / 1_000_000_000
        return Timestamp(seconds: seconds + secs, nanoseconds: UInt32(total - secs * 1_000_000_000))
    }
}

/// Synthesises a TCP conversation (handshake, data both ways with correct seq/ack, close) from
/// chunks of application bytes. This is how sessions are saved as captures and how odd
/// segmentations are built for tests: take `packets(_:)`, split, reorder, duplicate or drop,
/// then write with `write(_:to:format:link:)`.
package struct TCPConversation: Sendable {
    package struct Chunk: Sendable, Equatable {
        /// `.a` = client → server, `.b` = server → client.
        package var side: StreamSide
        package var bytes: [UInt8]
        package var time: Timestamp

        package init(side: StreamSide, bytes: [UInt8], time: Timestamp) {
            self.side = side
            self.bytes = bytes
            self.time = time
        }
    }

    package var client: Endpoint
    package var server: Endpoint
    package var clientISN: UInt32
    package var serverISN: UInt32
    /// Emit SYN, SYN/ACK, ACK before the data.
    package var handshake: Bool
    /// Emit FIN/ACK, FIN/ACK, ACK after the data.
    package var close: Bool
    /// Emit a pure ACK from the receiver after each data segment.
    package var acknowledgeEachSegment: Bool
    /// Chunks longer than this are sent as several segments (an IP packet holds at most 64 KiB).
    package var maximumSegmentSize: Int = 65_000

    package init(client: Endpoint = Endpoint(address: "127.0.0.1", port: 54188),
                server: Endpoint = Endpoint(address: "127.0.0.1", port: 7000),
                clientISN: UInt32 = 1_000, serverISN: UInt32 = 500_000,
                handshake: Bool = true, close: Bool = true, acknowledgeEachSegment: Bool = true) {
        self.client = client
        self.server = server
        self.clientISN = clientISN
        self.serverISN = serverISN
        self.handshake = handshake
        self.close = close
        self.acknowledgeEachSegment = acknowledgeEachSegment
    }

    package func packets(_ chunks: [Chunk]) -> [TimedPacket] {
        var out: [TimedPacket] = []
        var seq: [StreamSide: UInt32] = [.a: clientISN &+ 1, .b: serverISN &+ 1]
        let start = chunks.first?.time ?? Timestamp(seconds: 1_700_000_000, nanoseconds: 0)
        func ep(_ s: StreamSide) -> Endpoint { s == .a ? client : server }
        func packet(_ s: StreamSide, _ flags: TCPFlags, _ payload: [UInt8] = [], seqOverride: UInt32? = nil,
                    ack: UInt32? = nil) -> TCPPacket {
            TCPPacket(source: ep(s), destination: ep(s.other), sequence: seqOverride ?? seq[s]!,
                      acknowledgement: ack ?? seq[s.other]!, flags: flags, payload: payload)
        }
        if handshake {
            out.append(TimedPacket(time: start.adding(nanoseconds: -3_000_000),
                                   packet: packet(.a, .syn, seqOverride: clientISN, ack: 0)))
            out.append(TimedPacket(time: start.adding(nanoseconds: -2_000_000),
                                   packet: packet(.b, [.syn, .ack], seqOverride: serverISN)))
            out.append(TimedPacket(time: start.adding(nanoseconds: -1_000_000), packet: packet(.a, .ack)))
        }
        var last = start
        for chunk in chunks {
            let data = TimedPacket(time: chunk.time, packet: packet(chunk.side, [.ack, .psh], chunk.bytes))
            out += chunk.bytes.count > maximumSegmentSize ? data.split(maxSegment: max(1, maximumSegmentSize)) : [data]
            seq[chunk.side] = seq[chunk.side]! &+ UInt32(truncatingIfNeeded: chunk.bytes.count)
            last = chunk.time.adding(nanoseconds: 20_000)
            if acknowledgeEachSegment {
                out.append(TimedPacket(time: last, packet: packet(chunk.side.other, .ack)))
            }
        }
        if close {
            out.append(TimedPacket(time: last.adding(nanoseconds: 1_000_000), packet: packet(.a, [.fin, .ack])))
            seq[.a] = seq[.a]! &+ 1
            out.append(TimedPacket(time: last.adding(nanoseconds: 2_000_000), packet: packet(.b, [.fin, .ack])))
            seq[.b] = seq[.b]! &+ 1
            out.append(TimedPacket(time: last.adding(nanoseconds: 3_000_000), packet: packet(.a, .ack)))
        }
        return out
    }

    /// Writes packets as a capture with the given link framing.
    package static func write(_ packets: [TimedPacket], to path: String, format: CaptureFileFormat,
                             link: LinkEncapsulation = .ethernet) throws {
        let writer = try CaptureWriter(path: path, format: format, linkType: link.linkType)
        for p in packets {
            try writer.write(PacketBuilder.frame(p.packet, link: link), time: p.time)
        }
        try writer.close()
    }
}
