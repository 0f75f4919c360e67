/// The order in which a connection's messages leave the dissector: by the frame of their first
/// byte (then stream position), numbered as they go. A message that began earlier but completed
/// later (a release sent while a reply was arriving) keeps its place; messages that begin after
/// one still being assembled wait for it.
extension ConnectionDissector {
    /// The first frame of any message still being assembled (nil when none is).
    private var watermark: Int? {
        var w = min(assembling(c2s), assembling(s2c))
        if case .traceback = mode { w = min(w, traceback.firstFrame) }
        return w == Int.max ? nil : w
    }

    /// The first frame of what `r` is still assembling or skipping, or Int.max.
    private func assembling(_ r: DirectionReader) -> Int {
        var w = Int.max
        if r.bufferedCount > 0 { w = r.firstFrame(at: r.offset) }
        if let s = r.skippedStart { w = min(w, r.firstFrame(at: s)) }
        return w
    }

    func release(into out: inout [Message], final: Bool) {
        guard !ready.isEmpty else { return }
        let w = final ? nil : watermark
        // The common case: one message completed, nothing begun before it still assembling.
        if ready.count == 1, out.isEmpty, w == nil || ready[0].firstFrame <= w! {
            number(&ready[0])
            swap(&out, &ready)
            pruneNumbers()
            return
        }
        // The common case: everything completed can go, already in order.
        if w == nil || ready.allSatisfy({ $0.firstFrame <= w! }) {
            var ordered = true
            for i in ready.indices.dropFirst() where (ready[i - 1].firstFrame, ready[i - 1].index) > (ready[i].firstFrame, ready[i].index) {
                ordered = false
                break
            }
            if !ordered { ready.sort { ($0.firstFrame, $0.index) < ($1.firstFrame, $1.index) } }
            for i in ready.indices { number(&ready[i]) }
            if out.isEmpty {
                swap(&out, &ready)   // hand the batch over without copying a message
            } else {
                out.append(contentsOf: ready)
                ready.removeAll(keepingCapacity: true)
            }
            pruneNumbers()
            return
        }
        var keep: [Message] = []
        var go: [Message] = []
        for m in ready {
            if let w, m.firstFrame > w { keep.append(m) } else { go.append(m) }
        }
        if go.count > 1 {
            go.sort { ($0.firstFrame, $0.index) < ($1.firstFrame, $1.index) }
        }
        for var m in go {
            number(&m)
            out.append(m)
        }
        ready = keep
        pruneNumbers()
    }

    @inline(__always)
    private func number(_ m: inout Message) {
        if m.index >= 0 {
            if m.kind == .request { numberOf.number(m.index, released) }
            m.index = released
            released += 1
        }
        if let r = m.replyTo { m.replyTo = numberOf[r] }
    }

    private func pruneNumbers() {
        if numberOf.count > 4096, hasHead { numberOf.drop(below: pending[pendingHead].index) }
    }
}

/// The number each released request was given, by the index it had while assembled: what a
/// reply's `replyTo` becomes. Indices grow, so the numbers are kept in an array from `base` on
/// (-1: not a numbered request) instead of a dictionary.
struct RequestNumbers {
    private var numbers: [Int] = []
    private var base = 0
    /// Requests numbered and not dropped.
    private(set) var count = 0

    subscript(index: Int) -> Int? {
        get {
            let i = index - base
            guard i >= 0, i < numbers.count, numbers[i] >= 0 else { return nil }
            return numbers[i]
        }
        set {
            var i = index - base
            if i < 0 {
                // A request numbered after the ones before it were dropped (held back, then released).
                numbers.insert(contentsOf: repeatElement(-1, count: -i), at: 0)
                base = index
                i = 0
            }
            while numbers.count <= i { numbers.append(-1) }
            let was = numbers[i]
            numbers[i] = newValue ?? -1
            count += (newValue == nil ? 0 : 1) - (was >= 0 ? 1 : 0)
        }
    }

    /// Numbers the request at `index` (the setter's common case, a request after the last one
    /// numbered, without an optional).
    mutating func number(_ index: Int, _ number: Int) {
        let i = index - base
        guard i >= numbers.count else { self[index] = number; return }
        let gap = i - numbers.count
        for _ in 0..<gap { numbers.append(-1) }
        numbers.append(number)
        count += 1
    }

    /// Forgets the requests whose index is below `index`.
    mutating func drop(below index: Int) {
        let n = min(max(0, index - base), numbers.count)
        guard n > 0 else { return }
        count -= numbers[..<n].reduce(0) { $0 + ($1 >= 0 ? 1 : 0) }
        numbers.removeFirst(n)
        base += n
    }
}
