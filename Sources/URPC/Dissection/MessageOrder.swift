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
        if r.decoder.bufferedCount > 0 { w = r.firstFrame(at: r.decoder.offset) }
        if let s = r.skippedStart { w = min(w, r.firstFrame(at: s)) }
        return w
    }

    func release(into out: inout [Message], final: Bool) {
        guard !ready.isEmpty else { return }
        let w = final ? nil : watermark
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

    private func number(_ m: inout Message) {
        if m.index >= 0 {
            if m.kind == .request { numberOf[m.index] = released }
            m.index = released
            released += 1
        }
        if let r = m.replyTo { m.replyTo = numberOf[r] }
    }

    private func pruneNumbers() {
        if numberOf.count > 4096, let h = head {
            numberOf = numberOf.filter { $0.key >= h.index }
        }
    }
}
