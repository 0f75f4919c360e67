/// The segments a reassembler produced and a reader has not handed on yet, first in first out.
/// Most frames give exactly one segment: it is kept inline, so handing it on touches no array.
struct SegmentQueue {
    /// The oldest segment when set; everything in `rest` came after it.
    private var head: StreamSegment?
    private var rest: [StreamSegment] = []
    private var restIndex = 0

    var isEmpty: Bool { head == nil && restIndex == rest.count }

    @inline(__always)
    mutating func append(_ segment: StreamSegment) {
        if head == nil && restIndex == rest.count { head = segment } else { rest.append(segment) }
    }

    mutating func append(contentsOf segments: [StreamSegment]) {
        for s in segments { append(s) }
    }

    /// The oldest segment, removed; nil when empty.
    @inline(__always)
    mutating func popFirst() -> StreamSegment? {
        if let s = head.take() { return s }
        return popRest()
    }

    private mutating func popRest() -> StreamSegment? {
        guard restIndex < rest.count else { return nil }
        let s = rest[restIndex]
        restIndex += 1
        if restIndex == rest.count {
            rest.removeAll(keepingCapacity: true)
            restIndex = 0
        }
        return s
    }

    /// Everything, removed, oldest first.
    mutating func removeAll() -> [StreamSegment] {
        var out: [StreamSegment] = []
        while let s = popFirst() { out.append(s) }
        return out
    }
}
