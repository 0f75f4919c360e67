/// One TCP connection being reassembled: its stream, and the receive state of its two directions.
///
/// The two `DirectionBuffer`s live in one small allocation owned by the connection and are updated
/// in place, so handling a segment neither copies them out nor writes them back. The ends are kept
/// as trivial `TCPEnd`s for matching packets, and once as `StreamEnds` that every segment shares.
final class TCPConnection {
    /// The two ends in a canonical order: the same key whichever way a segment travels.
    struct Key: Hashable {
        var low: TCPEnd
        var high: TCPEnd
        init(_ x: TCPEnd, _ y: TCPEnd) {
            if TCPEnd.precedes(x, y) { low = x; high = y } else { low = y; high = x }
        }
    }

    let info: StreamInfo
    let key: Key
    /// Side `.a`'s and side `.b`'s end.
    let a: TCPEnd, b: TCPEnd
    let ends: StreamEnds
    let index: Int
    let startedMidStream: Bool
    /// Direction `.a` (from `a`), then direction `.b`.
    let directions: UnsafeMutablePointer<DirectionBuffer>
    var openedEmitted = false
    var ended = false

    init(index: Int, a: TCPEnd, b: TCPEnd, startedMidStream: Bool, firstFrame: Int) {
        (self.a, self.b, self.index, self.startedMidStream) = (a, b, index, startedMidStream)
        ends = StreamEnds(a: a.endpoint, b: b.endpoint)
        info = StreamInfo(index: index, kind: .tcp, a: ends.a, b: ends.b, startedMidStream: startedMidStream,
                          firstFrame: firstFrame)
        key = Key(a, b)
        directions = .allocate(capacity: 2)
        directions.initialize(repeating: DirectionBuffer(), count: 2)
    }

    deinit {
        directions.deinitialize(count: 2)
        directions.deallocate()
    }

    /// The side that sent a segment from `source`.
    @inline(__always) func side(of source: TCPEnd) -> StreamSide { source == a ? .a : .b }

    /// The side that sent a segment from `source` to `destination`, or nil when the segment
    /// belongs to another connection.
    @inline(__always) func sideIfJoined(_ source: TCPEnd, _ destination: TCPEnd) -> StreamSide? {
        if source == a { return destination == b ? .a : nil }
        return source == b && destination == a ? .b : nil
    }

    /// The receive state of the bytes sent by `side`, to read or update in place.
    @inline(__always) func direction(_ side: StreamSide) -> UnsafeMutablePointer<DirectionBuffer> {
        side == .a ? directions : directions + 1
    }

    /// A segment of this stream.
    @inline(__always)
    func segment(_ side: StreamSide, _ payload: StreamSegment.Payload, frame: Int, time: Timestamp) -> StreamSegment {
        StreamSegment(frame: frame, time: time, stream: index, side: side, ends: ends,
                      startedMidStream: startedMidStream, payload: payload)
    }

    /// Appends what a direction's buffer gave up or delivered, as segments.
    func emit(_ side: StreamSide, _ outputs: [DirectionBuffer.Output], frame: Int, time: Timestamp,
              into out: inout SegmentQueue) {
        for o in outputs {
            switch o {
            case let .bytes(b): out.append(segment(side, .bytes(b), frame: frame, time: time))
            case let .gap(n): out.append(segment(side, .gap(count: n), frame: frame, time: time))
            }
        }
    }

    /// Gives up on every hole of both directions (capture over, or the connection forgotten).
    func flush(frame: Int, time: Timestamp, into out: inout SegmentQueue) {
        for s in [StreamSide.a, .b] {
            let d = direction(s)
            guard !d.pointee.closed else { continue }
            emit(s, d.pointee.flushAll(), frame: frame, time: time, into: &out)
            if let fin = d.pointee.finOffset, d.pointee.next >= fin {
                d.pointee.closed = true
                out.append(segment(s, .closed(reset: false), frame: frame, time: time))
            }
        }
    }
}
