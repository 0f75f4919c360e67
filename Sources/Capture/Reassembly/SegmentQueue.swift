/// The segments a reassembler produced and a reader has not handed on yet, first in first out.
/// Most frames give exactly one segment: it is kept inline, so handing it on touches no array.
struct SegmentQueue {
    /// The oldest segment while `hasHead`; everything in `rest` came after it. (The flag spares
    /// asking the optional, which costs a generic copy.)
    private var head: StreamSegment?
    private var hasHead = false
    private var rest: [StreamSegment] = []
    private var restIndex = 0

    var isEmpty: Bool { !hasHead && restIndex == rest.count }

    @inline(__always)
    mutating func append(_ segment: consuming StreamSegment) {
        if !hasHead && restIndex == rest.count {
            // `head` is nil here: it is written without dropping the old value, which would cost a
            // generic call.
            withUnsafeMutablePointer(to: &head) { $0.initialize(to: segment) }
            hasHead = true
        } else {
            rest.append(segment)
        }
    }

    mutating func append(contentsOf segments: [StreamSegment]) {
        for s in segments { append(s) }
    }

    /// The oldest segment, removed; nil when empty.
    @inline(__always)
    mutating func popFirst() -> StreamSegment? {
        if hasHead {
            hasHead = false
            return withUnsafeMutablePointer(to: &head) { p in
                let s = p.move()
                p.initialize(to: nil)
                return s
            }
        }
        return restIndex < rest.count ? popRest() : nil
    }

    private mutating func popRest() -> StreamSegment {
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
