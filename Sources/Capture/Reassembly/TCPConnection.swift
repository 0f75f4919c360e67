/// One TCP connection being reassembled: its stream, and the receive state of its two directions.
///
/// The two `DirectionBuffer`s live in one small allocation owned by the connection and are updated
/// in place, so handling a segment neither copies them out nor writes them back.
final class TCPConnection {
    /// The two ends in a canonical order: the same key whichever way a segment travels.
    struct Key: Hashable {
        var low: Endpoint
        var high: Endpoint
        init(_ x: Endpoint, _ y: Endpoint) {
            if Endpoint.precedes(x, y) { low = x; high = y } else { low = y; high = x }
        }
    }

    let info: StreamInfo
    let key: Key
    /// Direction `.a` (from `info.a`), then direction `.b`.
    private let directions: UnsafeMutablePointer<DirectionBuffer>
    var openedEmitted = false
    var ended = false

    init(info: StreamInfo) {
        self.info = info
        key = Key(info.a, info.b)
        directions = .allocate(capacity: 2)
        directions.initialize(repeating: DirectionBuffer(), count: 2)
    }

    deinit {
        directions.deinitialize(count: 2)
        directions.deallocate()
    }

    /// The side that sent a segment from `source`.
    @inline(__always) func side(of source: Endpoint) -> StreamSide { source == info.a ? .a : .b }

    /// The side that sent a segment from `source` to `destination`, or nil when the segment
    /// belongs to another connection.
    @inline(__always) func sideIfJoined(_ source: Endpoint, _ destination: Endpoint) -> StreamSide? {
        if source == info.a { return destination == info.b ? .a : nil }
        return source == info.b && destination == info.a ? .b : nil
    }

    /// The receive state of the bytes sent by `side`, to read or update in place.
    @inline(__always) func direction(_ side: StreamSide) -> UnsafeMutablePointer<DirectionBuffer> {
        side == .a ? directions : directions + 1
    }

    /// A segment of this stream.
    @inline(__always)
    func segment(_ side: StreamSide, _ payload: StreamSegment.Payload, frame: Int, time: Timestamp) -> StreamSegment {
        StreamSegment(frame: frame, time: time, stream: info.index, side: side,
                      source: info.endpoint(side), destination: info.endpoint(side.other),
                      startedMidStream: info.startedMidStream, payload: payload)
    }

    /// Appends what a direction's buffer gave up or delivered, as segments.
    func emit(_ side: StreamSide, _ outputs: [DirectionBuffer.Output], frame: Int, time: Timestamp,
              into out: inout [StreamSegment]) {
        for o in outputs {
            switch o {
            case let .bytes(b): out.append(segment(side, .bytes(b), frame: frame, time: time))
            case let .gap(n): out.append(segment(side, .gap(count: n), frame: frame, time: time))
            }
        }
    }

    /// Gives up on every hole of both directions (capture over, or the connection forgotten).
    func flush(frame: Int, time: Timestamp, into out: inout [StreamSegment]) {
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
