extension ObjectScanner {
    /// The end of the object that starts at `offset` of `p`, found in one pass that keeps only a
    /// count of the items still expected (no container stack), when the object has fully arrived
    /// and no limit or dialect rule can refuse it. nil otherwise: `extent` then reads the same
    /// bytes with every check, and resumes as more arrive. Most objects are complete when their
    /// first byte is scanned, and small: this is their whole framing.
    ///
    /// The pass is the codec's one header walk (`HeaderReader.walkObject`) over the dialect's
    /// `table`, fetched once by the caller. Exact where it answers: it stops (nil) before opening
    /// `maxDepth` containers in all (so none is opened `maxDepth` deep), and answers only when the
    /// whole object fits in `maxObjectSize` (so no declared length or count can go past it: every
    /// item takes a byte). A refused first byte stops the walk, so the scanner reports it.
    @inline(__always)
    static func flatEnd(_ p: UnsafeBufferPointer<UInt8>, from offset: Int, table: UnsafePointer<HeaderEntry>, maxDepth: Int,
                        maxObjectSize: Int) -> Int? {
        var opened = 0
        let end = HeaderReader(p).walkObject(from: offset, table: table) { h in
            guard h.isContainer else { return true }
            guard opened < maxDepth else { return false }
            opened += 1
            return true
        }
        guard let end, end - offset <= maxObjectSize else { return nil }
        return end
    }
}
