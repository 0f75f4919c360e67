/// The receive state of one direction of a TCP connection: where the in-order stream has got to
/// and the out-of-order pieces waiting for a hole to be filled.
///
/// Offsets are 64-bit and relative to the first sequence number of the direction, so sequence
/// number wraparound never shows: each 32-bit sequence number is unwrapped against `nextSequence`.
struct DirectionBuffer {
    /// A buffered range of the stream: bytes, or a known-lost range (`bytes == nil`, e.g. payload
    /// cut off by the capture's snap length).
    struct Piece {
        var start: Int64
        var length: Int
        var bytes: [UInt8]?
        var end: Int64 { start + Int64(length) }
    }

    /// What draining the buffer produced, in stream order.
    enum Output: Equatable {
        case bytes([UInt8])
        case gap(Int)
    }

    var baseKnown = false
    /// Sequence number of the SYN, when seen.
    var initialSequence: UInt32?
    /// Relative offset of the next byte expected in order.
    private(set) var next: Int64 = 0
    /// Absolute sequence number matching `next`.
    private(set) var nextSequence: UInt32 = 0
    /// Sorted, non-overlapping pieces beyond `next`.
    private(set) var pending: [Piece] = []
    private(set) var bufferedBytes = 0
    /// Relative offset of the FIN, once seen.
    var finOffset: Int64?
    var closed = false

    mutating func setBase(_ sequence: UInt32) {
        baseKnown = true
        next = 0
        nextSequence = sequence
    }

    /// The relative offset of an absolute sequence number (nearest unwrapping around `next`).
    func offset(of sequence: UInt32) -> Int64 {
        next + Int64(Int32(bitPattern: sequence &- nextSequence))
    }

    var hasPending: Bool { !pending.isEmpty }

    /// Adds a received range. Bytes before `next` are retransmissions and are dropped. Bytes that
    /// overlap an already buffered piece are dropped too (the first-arrived bytes win), unless
    /// `inOrderWins` and the range continues the in-order stream: then it replaces what was buffered.
    /// Only the bytes kept are copied out of `bytes`.
    mutating func insert(start: Int64, bytes: UnsafeBufferPointer<UInt8>, missing: Int, inOrderWins: Bool = false) {
        if inOrderWins && start <= next && start + Int64(bytes.count + missing) > next {
            discardBuffered(from: next, to: start + Int64(bytes.count + missing))
        }
        if !bytes.isEmpty { insertRange(start: start, length: bytes.count, bytes: bytes) }
        if missing > 0 { insertRange(start: start + Int64(bytes.count), length: missing, bytes: nil) }
    }

    /// The common case, taken without buffering: `count` next in-order bytes while nothing waits.
    /// Moves past them and returns true (the caller delivers them), or false when the general
    /// path is needed.
    @inline(__always)
    mutating func takeInOrder(start: Int64, count: Int) -> Bool {
        guard start == next, pending.isEmpty, count > 0, finOffset == nil else { return false }
        advance(to: next + Int64(count))
        return true
    }

    /// Removes buffered bytes in [from, to), trimming pieces that straddle the bounds.
    private mutating func discardBuffered(from: Int64, to: Int64) {
        var kept: [Piece] = []
        var removed = 0
        for p in pending {
            if p.end <= from || p.start >= to { kept.append(p); continue }
            if p.start < from { kept.append(slice(p.bytes, origin: p.start, from: p.start, to: from)) }
            if p.end > to { kept.append(slice(p.bytes, origin: p.start, from: to, to: p.end)) }
            removed += p.length - Int(max(0, from - p.start)) - Int(max(0, p.end - to))
        }
        pending = kept
        bufferedBytes -= removed
    }

    private mutating func insertRange(start: Int64, length: Int, bytes: UnsafeBufferPointer<UInt8>?) {
        var s = start
        let e = start + Int64(length)
        if e <= next { return }
        if s < next { s = next }
        // Walk the pieces that overlap [s, e) and keep only the uncovered parts of the new range.
        var fresh: [Piece] = []
        var cursor = s
        var insertAt = pending.count
        var i = lowerIndex(forEndAfter: s)
        if i < insertAt { insertAt = i }
        while i < pending.count, pending[i].start < e {
            let p = pending[i]
            if p.start > cursor { fresh.append(slice(bytes, origin: start, from: cursor, to: p.start)) }
            cursor = max(cursor, p.end)
            i += 1
        }
        if cursor < e { fresh.append(slice(bytes, origin: start, from: cursor, to: e)) }
        guard !fresh.isEmpty else { return }
        // Re-sort locally: fresh pieces interleave with the existing ones in [insertAt, i).
        var merged = Array(pending[insertAt..<i]) + fresh
        merged.sort { $0.start < $1.start }
        pending.replaceSubrange(insertAt..<i, with: merged)
        bufferedBytes += fresh.reduce(0) { $0 + $1.length }
    }

    /// Index of the first piece whose end lies beyond `offset` (binary search).
    private func lowerIndex(forEndAfter offset: Int64) -> Int {
        var lo = 0, hi = pending.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if pending[mid].end <= offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// The part [from, to) of a range starting at `origin`, as a piece owning its bytes.
    private func slice<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes?, origin: Int64, from: Int64,
                                                             to: Int64) -> Piece where Bytes.Index == Int {
        let length = Int(to - from)
        guard let bytes else { return Piece(start: from, length: length, bytes: nil) }
        let a = bytes.startIndex + Int(from - origin)
        return Piece(start: from, length: length, bytes: Array(bytes[a..<(a + length)]))
    }

    /// Delivers every piece that is now in order.
    mutating func drain() -> [Output] {
        var out: [Output] = []
        var run: [UInt8] = []
        var consumed = 0
        while consumed < pending.count, pending[consumed].start <= next {
            let p = pending[consumed]
            consumed += 1
            bufferedBytes -= p.length
            guard p.end > next else { continue }
            let skip = Int(next - p.start)
            if let bytes = p.bytes {
                run.append(contentsOf: bytes[skip...])
            } else {
                if !run.isEmpty { out.append(.bytes(run)); run = [] }
                out.append(.gap(p.length - skip))
            }
            advance(to: p.end)
        }
        if consumed > 0 { pending.removeFirst(consumed) }
        if !run.isEmpty { out.append(.bytes(run)) }
        return out
    }

    /// Declares everything up to `target` lost (or delivered from the buffer where present).
    mutating func skip(to target: Int64) -> [Output] {
        var out: [Output] = []
        while next < target {
            if let first = pending.first, first.start <= next {
                out.append(contentsOf: drain())
                continue
            }
            let holeEnd = min(target, pending.first?.start ?? target)
            out.append(.gap(Int(holeEnd - next)))
            advance(to: holeEnd)
            out.append(contentsOf: drain())
        }
        return merge(out)
    }

    /// Gives up on the first hole (buffer full, connection over): gap, then deliver what follows.
    mutating func skipFirstHole() -> [Output] {
        guard let first = pending.first else { return [] }
        return skip(to: max(first.start, next))
    }

    /// Gives up on every hole, and on bytes missing before a known FIN.
    mutating func flushAll() -> [Output] {
        var out: [Output] = []
        while let first = pending.first {
            out.append(contentsOf: skip(to: max(first.start, next + 1)))
        }
        if let fin = finOffset, next < fin { out.append(contentsOf: skip(to: fin)) }
        return merge(out)
    }

    @inline(__always)
    private mutating func advance(to offset: Int64) {
        nextSequence = nextSequence &+ UInt32(truncatingIfNeeded: offset - next)
        next = offset
    }

    private func merge(_ items: [Output]) -> [Output] {
        var out: [Output] = []
        for item in items {
            switch (out.last, item) {
            case let (.bytes(a)?, .bytes(b)): out[out.count - 1] = .bytes(a + b)
            case let (.gap(a)?, .gap(b)): out[out.count - 1] = .gap(a + b)
            default: out.append(item)
            }
        }
        return out
    }
}
