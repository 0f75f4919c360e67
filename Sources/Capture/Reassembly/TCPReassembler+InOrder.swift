/// The connection the last segment belonged to, as trivial values: matching a segment against it
/// and updating its directions touch no reference count. `connection` is unretained: the
/// reassembler's table holds it, and the cache is cleared whenever its entry is removed.
struct LastConnection {
    let a: TCPEnd, b: TCPEnd
    let directions: UnsafeMutablePointer<DirectionBuffer>
    let index: Int
    let startedMidStream: Bool
    let connection: Unmanaged<TCPConnection>
    /// The connection's ends (held by it).
    let ends: Unmanaged<StreamEnds>

    init(_ c: TCPConnection) {
        (a, b, directions, index, startedMidStream) = (c.a, c.b, c.directions, c.index, c.startedMidStream)
        connection = Unmanaged.passUnretained(c)
        ends = Unmanaged.passUnretained(c.ends)
    }

    /// The side that sent a segment from `source` to `destination`, or nil when the segment
    /// belongs to another connection.
    @inline(__always) func side(_ source: TCPEnd, _ destination: TCPEnd) -> StreamSide? {
        if source == a { return destination == b ? .a : nil }
        return source == b && destination == a ? .b : nil
    }
}

extension TCPReassembler {
    /// The common segment, taken without the general machinery: an ACK (maybe PSH) of the last
    /// connection carrying the next in-order bytes of a direction with nothing buffered, whose
    /// acknowledgement gives up nothing of the other direction. Returns its one segment, or nil,
    /// having changed nothing, for any other segment; the general path then gives the same result.
    @inline(__always)
    func inOrder(_ packet: TCPSegmentView, frame: Int, time: Timestamp) -> StreamSegment? {
        guard let last, packet.flags.rawValue & ~TCPFlags.psh.rawValue == TCPFlags.ack.rawValue,
              packet.missingPayload == 0, !packet.payload.isEmpty, boundsAllowInOrder,
              let side = last.side(packet.source, packet.destination) else { return nil }
        let dir = side == .a ? last.directions : last.directions + 1
        let other = side == .a ? last.directions + 1 : last.directions
        if other.pointee.baseKnown && !other.pointee.closed {
            var target = other.pointee.offset(of: packet.acknowledgement)
            if let fin = other.pointee.finOffset { target = min(target, fin) }
            if target > other.pointee.next { return nil }
        }
        guard !dir.pointee.closed, dir.pointee.baseKnown,
              dir.pointee.takeInOrder(start: dir.pointee.offset(of: packet.sequence), count: packet.payload.count)
        else { return nil }
        // The one copy of the payload: the in-order bytes the segment hands on.
        return StreamSegment(frame: frame, time: time, stream: last.index, side: side,
                             ends: last.ends.takeUnretainedValue(),
                             startedMidStream: last.startedMidStream, payload: .bytes(packet.payload.copiedToArray()))
    }
}

extension UnsafeBufferPointer<UInt8> {
    /// The bytes as a new array: one allocation and one `memcpy`.
    @inline(__always)
    func copiedToArray() -> [UInt8] {
        // (Not `init(unsafeUninitializedCapacity:)`: its allocation is an unspecialized call.)
        Array(self)
    }
}
