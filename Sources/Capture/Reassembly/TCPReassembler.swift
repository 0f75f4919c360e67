/// Reassembles TCP connections into in-order `StreamSegment`s, per connection and direction.
///
/// - Retransmitted bytes are dropped; overlapping bytes keep the first-arrived copy (Wireshark's default).
/// - Out-of-order segments wait for the hole before them, up to `maxBufferedBytes` per direction.
/// - A hole is given up (`.gap(count:)`, then the stream continues) when the other direction
///   acknowledges past it, when the buffer bound is exceeded, or when the connection or capture ends.
/// - SYN emits `.opened`; FIN emits `.closed(reset: false)` once all bytes before it are delivered;
///   RST emits `.closed(reset: true)` for both directions that are still open.
/// - Stream indices follow first appearance; a SYN on a 4-tuple whose connection already ended
///   (FIN or RST) starts a new stream.
///
/// Memory is bounded by the buffer limit per direction and by evicting ended connections.
package final class TCPReassembler {
    /// Which copy of overlapping bytes is kept.
    package enum OverlapPolicy: Sendable, Hashable {
        /// The first-arrived copy, also among out-of-order pieces (the default).
        case firstArrived
        /// As Wireshark 4.0's Follow TCP Stream: a segment that continues the in-order stream is
        /// taken whole, replacing overlapping out-of-order pieces that arrived before it; among
        /// out-of-order pieces the first-arrived copy is kept.
        case inOrderWins
    }

    package struct Limits: Sendable {
        /// Out-of-order bytes buffered per direction before the first hole is declared lost.
        package var maxBufferedBytes: Int
        /// Out-of-order pieces buffered per direction before the first hole is declared lost.
        package var maxBufferedPieces: Int
        /// Ended connections remembered (to absorb late retransmissions) before the oldest is forgotten.
        package var maxEndedConnections: Int
        package var overlapPolicy: OverlapPolicy

        package init(maxBufferedBytes: Int = 4 << 20, maxBufferedPieces: Int = 4_096, maxEndedConnections: Int = 1024,
                    overlapPolicy: OverlapPolicy = .firstArrived) {
            self.maxBufferedBytes = maxBufferedBytes
            self.maxBufferedPieces = maxBufferedPieces
            self.maxEndedConnections = maxEndedConnections
            self.overlapPolicy = overlapPolicy
        }
    }

    private typealias Key = TCPConnection.Key

    package let limits: Limits
    /// Every stream seen so far, indexed by stream number.
    package private(set) var streams: [StreamInfo] = []
    private var connections: [Key: TCPConnection] = [:]
    private var endedOrder: [Key] = []
    private var lastFrame = 0
    private var lastTime = Timestamp(seconds: 0, nanoseconds: 0)
    /// One-entry cache: consecutive packets nearly always belong to the same connection, and
    /// comparing the ends with it spares hashing them. Cleared whenever its entry is removed.
    var last: LastConnection?

    /// False when a limit is negative: then even an empty buffer is over it, and every segment
    /// takes the general path.
    let boundsAllowInOrder: Bool

    package init(limits: Limits = Limits()) {
        self.limits = limits
        boundsAllowInOrder = limits.maxBufferedBytes >= 0 && limits.maxBufferedPieces >= 0
    }

    /// Feeds one TCP segment captured in `frame`; returns what became available in order.
    /// A packet whose ends are not IP addresses (no decoded packet has such) carries no TCP: it
    /// gives nothing.
    package func process(_ packet: TCPPacket, frame: Int, time: Timestamp) -> [StreamSegment] {
        var out: [StreamSegment] = []
        process(packet, frame: frame, time: time, into: &out)
        return out
    }

    /// Appends the segments of `packet` to `out` (lets a reader reuse one array).
    package func process(_ packet: TCPPacket, frame: Int, time: Timestamp, into out: inout [StreamSegment]) {
        guard let sourceIP = packet.source.ip, let destinationIP = packet.destination.ip else { return }
        var queue = SegmentQueue()
        packet.payload.withUnsafeBufferPointer { payload in
            let view = TCPSegmentView(source: TCPEnd(ip: sourceIP, port: packet.source.port),
                                      destination: TCPEnd(ip: destinationIP, port: packet.destination.port),
                                      sequence: packet.sequence, acknowledgement: packet.acknowledgement,
                                      flags: packet.flags, window: packet.window, payload: payload,
                                      missingPayload: packet.missingPayload)
            process(view, frame: frame, time: time, into: &queue)
        }
        out += queue.removeAll()
    }

    /// Appends the segments of a segment read in place; its payload is copied only where kept.
    @inline(__always)
    func process(_ packet: TCPSegmentView, frame: Int, time: Timestamp, into out: inout SegmentQueue) {
        if let segment = next(packet, frame: frame, time: time, orInto: &out) { out.append(segment) }
    }

    /// Takes a segment read in place: the one segment of an in-order packet is returned, without
    /// touching `out`; any other packet appends its segments (if any) to `out` and returns nil.
    @inline(__always)
    func next(_ packet: TCPSegmentView, frame: Int, time: Timestamp, orInto out: inout SegmentQueue) -> StreamSegment? {
        lastFrame = frame
        lastTime = time
        if let segment = inOrder(packet, frame: frame, time: time) { return segment }
        processAny(packet, frame: frame, time: time, into: &out)
        return nil
    }

    @inline(never)
    private func processAny(_ packet: TCPSegmentView, frame: Int, time: Timestamp, into out: inout SegmentQueue) {
        let flags = packet.flags
        let isSYN = flags.contains(.syn)
        let isInitialSYN = isSYN && !flags.contains(.ack)

        if !isInitialSYN, let cached = last, let side = cached.side(packet.source, packet.destination) {
            return process(packet, connection: cached.connection.takeUnretainedValue(), side: side, frame: frame,
                           time: time, out: &out)
        }
        let key = Key(packet.source, packet.destination)
        if let existing = connections[key], isInitialSYN {
            let sender = existing.side(of: packet.source)
            let knownISN = existing.direction(sender).pointee.initialSequence
            if existing.ended || (knownISN != nil && knownISN != packet.sequence) {
                existing.flush(frame: frame, time: time, into: &out)
                connections[key] = nil
                if last?.connection.toOpaque() == Unmanaged.passUnretained(existing).toOpaque() { last = nil }
                endedOrder.removeAll { $0 == key }
            }
        }
        let connection: TCPConnection
        if let existing = connections[key] {
            connection = existing
        } else {
            let opener: (a: TCPEnd, b: TCPEnd) = isSYN && flags.contains(.ack)
                ? (packet.destination, packet.source) : (packet.source, packet.destination)
            connection = TCPConnection(index: streams.count, a: opener.a, b: opener.b, startedMidStream: !isSYN,
                                       firstFrame: frame)
            streams.append(connection.info)
            connections[key] = connection
        }
        last = LastConnection(connection)
        process(packet, connection: connection, side: connection.side(of: packet.source), frame: frame, time: time,
                out: &out)
    }

    private func process(_ packet: TCPSegmentView, connection: TCPConnection, side: StreamSide, frame: Int,
                         time: Timestamp, out: inout SegmentQueue) {
        let flags = packet.flags
        let isSYN = flags.contains(.syn)
        // Both directions are updated in place.
        let dir = connection.direction(side)
        let other = connection.direction(side.other)
        func segment(_ s: StreamSide, _ payload: StreamSegment.Payload) -> StreamSegment {
            connection.segment(s, payload, frame: frame, time: time)
        }
        func emit(_ s: StreamSide, _ outputs: [DirectionBuffer.Output]) {
            if !outputs.isEmpty { connection.emit(s, outputs, frame: frame, time: time, into: &out) }
        }
        func closeIfFinReached(_ s: StreamSide, _ d: UnsafeMutablePointer<DirectionBuffer>) {
            if let fin = d.pointee.finOffset, !d.pointee.closed, d.pointee.next >= fin, !d.pointee.hasPending {
                d.pointee.closed = true
                out.append(segment(s, .closed(reset: false)))
            }
        }

        if isSYN {
            if dir.pointee.initialSequence == nil && !dir.pointee.hasPending && dir.pointee.next == 0 {
                dir.pointee.initialSequence = packet.sequence
                dir.pointee.setBase(packet.sequence &+ 1)
            }
            if flags.contains(.ack) && !other.pointee.baseKnown {
                // The SYN/ACK acknowledges the opener's ISN + 1: the opener's stream starts there.
                other.pointee.setBase(packet.acknowledgement)
            }
            if !connection.openedEmitted && !connection.startedMidStream {
                connection.openedEmitted = true
                out.append(segment(.a, .opened))
            }
        }
        let dataSequence = isSYN ? packet.sequence &+ 1 : packet.sequence

        // Bytes of the other direction acknowledged but never captured are lost: give up on them.
        if flags.contains(.ack), other.pointee.baseKnown, !other.pointee.closed, !flags.contains(.rst) {
            var target = other.pointee.offset(of: packet.acknowledgement)
            if let fin = other.pointee.finOffset { target = min(target, fin) }
            if target > other.pointee.next {
                emit(side.other, other.pointee.skip(to: target))
                closeIfFinReached(side.other, other)
            }
        }

        if !dir.pointee.closed && (packet.payloadLength > 0 || flags.contains(.fin)) {
            if !dir.pointee.baseKnown { dir.pointee.setBase(dataSequence) } // mid-stream: the first sequence seen is the base
            let start = dir.pointee.offset(of: dataSequence)
            if packet.payloadLength > 0 {
                if packet.missingPayload == 0, dir.pointee.takeInOrder(start: start, count: packet.payload.count) {
                    // The one copy of the payload: the in-order bytes the segment hands on.
                    out.append(segment(side, .bytes(packet.payload.copiedToArray())))
                } else {
                    dir.pointee.insert(start: start, bytes: packet.payload, missing: packet.missingPayload,
                                       inOrderWins: limits.overlapPolicy == .inOrderWins)
                }
            }
            if flags.contains(.fin) && dir.pointee.finOffset == nil {
                dir.pointee.finOffset = start + Int64(packet.payloadLength)
            }
            if dir.pointee.hasPending { emit(side, dir.pointee.drain()) }
            while dir.pointee.bufferedBytes > limits.maxBufferedBytes || dir.pointee.pending.count > limits.maxBufferedPieces {
                emit(side, dir.pointee.skipFirstHole())
            }
            closeIfFinReached(side, dir)
        }

        if flags.contains(.rst) {
            emit(side, dir.pointee.flushAll())
            emit(side.other, other.pointee.flushAll())
            for (s, d) in [(side, dir), (side.other, other)] where !d.pointee.closed {
                out.append(segment(s, .closed(reset: true)))
            }
            dir.pointee.closed = true
            other.pointee.closed = true
        }

        if (flags.contains(.fin) || flags.contains(.rst)) && !connection.ended {
            connection.ended = true
            endedOrder.append(connection.key)
            if endedOrder.count > limits.maxEndedConnections {
                let oldest = endedOrder.removeFirst()
                if let c = connections[oldest] {
                    c.flush(frame: frame, time: time, into: &out)
                    if last?.connection.toOpaque() == Unmanaged.passUnretained(c).toOpaque() { last = nil }
                }
                connections[oldest] = nil
            }
        }
    }

    /// The capture ended: gives up on every hole still open. Connections stay open (no `.closed`)
    /// unless a FIN was seen whose preceding bytes were missing.
    package func finish() -> [StreamSegment] {
        var out = SegmentQueue()
        for connection in connections.values.sorted(by: { $0.index < $1.index }) {
            connection.flush(frame: lastFrame, time: lastTime, into: &out)
        }
        return out.removeAll()
    }
}
