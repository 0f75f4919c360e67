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

    private struct Key: Hashable {
        var low: Endpoint
        var high: Endpoint
        init(_ x: Endpoint, _ y: Endpoint) {
            if (x.address, x.port) <= (y.address, y.port) { low = x; high = y } else { low = y; high = x }
        }
    }

    private final class Connection {
        let info: StreamInfo
        var a = DirectionBuffer()
        var b = DirectionBuffer()
        var openedEmitted = false
        var ended = false
        init(info: StreamInfo) { self.info = info }
        func side(of source: Endpoint) -> StreamSide { source == info.a ? .a : .b }
    }

    package let limits: Limits
    /// Every stream seen so far, indexed by stream number.
    package private(set) var streams: [StreamInfo] = []
    private var connections: [Key: Connection] = [:]
    private var endedOrder: [Key] = []
    private var lastFrame = 0
    private var lastTime = Timestamp(seconds: 0, nanoseconds: 0)

    package init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Feeds one TCP segment captured in `frame`; returns what became available in order.
    package func process(_ packet: TCPPacket, frame: Int, time: Timestamp) -> [StreamSegment] {
        var out: [StreamSegment] = []
        process(packet, frame: frame, time: time, into: &out)
        return out
    }

    /// Appends the segments of `packet` to `out` (lets a reader reuse one array).
    package func process(_ packet: TCPPacket, frame: Int, time: Timestamp, into out: inout [StreamSegment]) {
        lastFrame = frame
        lastTime = time
        let key = Key(packet.source, packet.destination)
        let flags = packet.flags
        let isSYN = flags.contains(.syn)
        let isInitialSYN = isSYN && !flags.contains(.ack)

        // One-entry cache: consecutive packets nearly always belong to the same connection, and
        // hashing two endpoints per packet is a visible part of reading a capture.
        if !isInitialSYN, let cached = lastConnection, lastKey == key {
            return process(packet, key: key, connection: cached, frame: frame, time: time, out: &out)
        }
        if let existing = connections[key], isInitialSYN {
            let sender = existing.side(of: packet.source)
            let knownISN = sender == .a ? existing.a.initialSequence : existing.b.initialSequence
            if existing.ended || (knownISN != nil && knownISN != packet.sequence) {
                out += flush(existing, frame: frame, time: time)
                connections[key] = nil
                if lastKey == key { lastKey = nil; lastConnection = nil }
                endedOrder.removeAll { $0 == key }
            }
        }
        let connection: Connection
        if let existing = connections[key] {
            connection = existing
        } else {
            let opener: (a: Endpoint, b: Endpoint) = isSYN && flags.contains(.ack)
                ? (packet.destination, packet.source) : (packet.source, packet.destination)
            let info = StreamInfo(index: streams.count, kind: .tcp, a: opener.a, b: opener.b,
                                  startedMidStream: !isSYN, firstFrame: frame)
            streams.append(info)
            connection = Connection(info: info)
            connections[key] = connection
        }
        lastKey = key
        lastConnection = connection
        process(packet, key: key, connection: connection, frame: frame, time: time, out: &out)
    }

    private var lastKey: Key?
    private var lastConnection: Connection?

    private func process(_ packet: TCPPacket, key: Key, connection: Connection, frame: Int, time: Timestamp,
                         out: inout [StreamSegment]) {
        let flags = packet.flags
        let isSYN = flags.contains(.syn)
        let side = connection.side(of: packet.source)
        var dir = side == .a ? connection.a : connection.b
        var other = side == .a ? connection.b : connection.a
        func segment(_ s: StreamSide, _ payload: StreamSegment.Payload) -> StreamSegment {
            StreamSegment(frame: frame, time: time, stream: connection.info.index, side: s,
                          source: connection.info.endpoint(s), destination: connection.info.endpoint(s.other),
                          startedMidStream: connection.info.startedMidStream, payload: payload)
        }
        func emit(_ s: StreamSide, _ outputs: [DirectionBuffer.Output]) {
            for o in outputs {
                switch o {
                case let .bytes(b): out.append(segment(s, .bytes(b)))
                case let .gap(n): out.append(segment(s, .gap(count: n)))
                }
            }
        }
        func closeIfFinReached(_ s: StreamSide, _ d: inout DirectionBuffer) {
            if let fin = d.finOffset, !d.closed, d.next >= fin, !d.hasPending {
                d.closed = true
                out.append(segment(s, .closed(reset: false)))
            }
        }

        if isSYN {
            if dir.initialSequence == nil && !dir.hasPending && dir.next == 0 {
                dir.initialSequence = packet.sequence
                dir.setBase(packet.sequence &+ 1)
            }
            if flags.contains(.ack) && !other.baseKnown {
                // The SYN/ACK acknowledges the opener's ISN + 1: the opener's stream starts there.
                other.setBase(packet.acknowledgement)
            }
            if !connection.openedEmitted && !connection.info.startedMidStream {
                connection.openedEmitted = true
                out.append(segment(.a, .opened))
            }
        }
        let dataSequence = isSYN ? packet.sequence &+ 1 : packet.sequence

        // Bytes of the other direction acknowledged but never captured are lost: give up on them.
        if flags.contains(.ack), other.baseKnown, !other.closed, !flags.contains(.rst) {
            var target = other.offset(of: packet.acknowledgement)
            if let fin = other.finOffset { target = min(target, fin) }
            if target > other.next {
                emit(side.other, other.skip(to: target))
                closeIfFinReached(side.other, &other)
            }
        }

        if !dir.closed && (packet.payloadLength > 0 || flags.contains(.fin)) {
            if !dir.baseKnown { dir.setBase(dataSequence) } // mid-stream: the first sequence seen is the base
            let start = dir.offset(of: dataSequence)
            if packet.payloadLength > 0 {
                if packet.missingPayload == 0, let inOrder = dir.takeInOrder(start: start, bytes: packet.payload) {
                    out.append(segment(side, .bytes(inOrder)))
                } else {
                    dir.insert(start: start, bytes: packet.payload, missing: packet.missingPayload,
                               inOrderWins: limits.overlapPolicy == .inOrderWins)
                }
            }
            if flags.contains(.fin) && dir.finOffset == nil {
                dir.finOffset = start + Int64(packet.payloadLength)
            }
            emit(side, dir.drain())
            while dir.bufferedBytes > limits.maxBufferedBytes || dir.pending.count > limits.maxBufferedPieces {
                emit(side, dir.skipFirstHole())
            }
            closeIfFinReached(side, &dir)
        }

        if flags.contains(.rst) {
            emit(side, dir.flushAll())
            emit(side.other, other.flushAll())
            for s in [side, side.other] {
                if s == side ? !dir.closed : !other.closed {
                    out.append(segment(s, .closed(reset: true)))
                }
            }
            dir.closed = true
            other.closed = true
        }

        if side == .a { connection.a = dir; connection.b = other } else { connection.b = dir; connection.a = other }
        if !connection.ended && (flags.contains(.fin) || flags.contains(.rst)) {
            connection.ended = true
            endedOrder.append(key)
            if endedOrder.count > limits.maxEndedConnections {
                let oldest = endedOrder.removeFirst()
                if let c = connections[oldest] { out += flush(c, frame: frame, time: time) }
                connections[oldest] = nil
                if lastKey == oldest { lastKey = nil; lastConnection = nil }
            }
        }
    }

    /// The capture ended: gives up on every hole still open. Connections stay open (no `.closed`)
    /// unless a FIN was seen whose preceding bytes were missing.
    package func finish() -> [StreamSegment] {
        var out: [StreamSegment] = []
        for connection in connections.values.sorted(by: { $0.info.index < $1.info.index }) {
            out += flush(connection, frame: lastFrame, time: lastTime)
        }
        return out
    }

    private func flush(_ connection: Connection, frame: Int, time: Timestamp) -> [StreamSegment] {
        var out: [StreamSegment] = []
        for s in [StreamSide.a, .b] {
            var d = s == .a ? connection.a : connection.b
            guard !d.closed else { continue }
            for o in d.flushAll() {
                let payload: StreamSegment.Payload
                switch o {
                case let .bytes(b): payload = .bytes(b)
                case let .gap(n): payload = .gap(count: n)
                }
                out.append(StreamSegment(frame: frame, time: time, stream: connection.info.index, side: s,
                                         source: connection.info.endpoint(s), destination: connection.info.endpoint(s.other),
                                         startedMidStream: connection.info.startedMidStream, payload: payload))
            }
            if let fin = d.finOffset, d.next >= fin {
                d.closed = true
                out.append(StreamSegment(frame: frame, time: time, stream: connection.info.index, side: s,
                                         source: connection.info.endpoint(s), destination: connection.info.endpoint(s.other),
                                         startedMidStream: connection.info.startedMidStream, payload: .closed(reset: false)))
            }
            if s == .a { connection.a = d } else { connection.b = d }
        }
        return out
    }
}
