import Capture
import MessagePack

/// One direction of a connection as the dissector reads it: the incremental decoder, where each
/// capture frame's bytes begin in the stream (to give a message its first frame, and to cut a
/// message where the other side's evidence says it ended), and the resynchronisation state. The
/// connection holds one per direction, so no code is written twice for the two directions.
final class DirectionReader {
    let direction: Direction
    private let options: DecodingOptions
    private var decoder: StreamDecoder
    /// (stream offset where a segment's bytes begin, its frame), oldest first from `boundaryHead`.
    private var boundaries: [(offset: Int, frame: Int)] = []
    private var boundaryHead = 0
    /// Resynchronising: bytes are skipped until a plausible message start.
    var resyncing = false
    /// The run of skipped bytes not yet reported, and why it began.
    private(set) var skippedStart: Int?
    private(set) var skipped: [UInt8] = []
    var skipReason = ""
    private(set) var lastTime = Timestamp(seconds: 0, nanoseconds: 0)
    private(set) var lastFrame = 0

    init(_ direction: Direction, options: DecodingOptions) {
        self.direction = direction
        self.options = options
        decoder = StreamDecoder(options: options)
    }

    // The decoder's state is read through these (reading `decoder` from outside copies it whole).
    /// Stream offset of the next unread byte.
    var offset: Int { decoder.offset }
    /// Bytes that have arrived and are not yet taken.
    var bufferedCount: Int { decoder.bufferedCount }
    var bufferedBytes: ArraySlice<UInt8> { decoder.bufferedBytes }

    /// Stream offset of the end of what has arrived.
    var end: Int { decoder.offset + decoder.bufferedCount }

    func feed(_ bytes: [UInt8], frame: Int, time: Timestamp) {
        boundaries.append((end, frame))
        decoder.feed(bytes)
        lastTime = time
        lastFrame = frame
    }

    /// The frame in which the byte at `offset` arrived (offsets are asked in increasing order).
    func firstFrame(at offset: Int) -> Int {
        while boundaryHead + 1 < boundaries.count, boundaries[boundaryHead + 1].offset <= offset { boundaryHead += 1 }
        if boundaryHead > 1024 {
            boundaries.removeFirst(boundaryHead)
            boundaryHead = 0
        }
        return boundaryHead < boundaries.count ? boundaries[boundaryHead].frame : lastFrame
    }

    /// Where the bytes of `frame` and later frames begin (the end of what has arrived when none has).
    func offset(beforeFrame frame: Int) -> Int {
        for b in boundaries[boundaryHead...] where b.frame >= frame { return max(b.offset, decoder.offset) }
        return end
    }

    // MARK: decoding

    func next() throws(DecodingError) -> Node? { try decoder.next() }
    func nextValue() throws(DecodingError) -> (value: MessagePackValue, range: Range<Int>)? { try decoder.nextValue() }
    func nextObject() throws(DecodingError) -> (range: Range<Int>, bytes: ArraySlice<UInt8>)? { try decoder.nextObject() }
    func nextObject(_ range: inout Range<Int>, _ bytes: inout ArraySlice<UInt8>) throws(DecodingError) -> Bool {
        try decoder.nextObject(&range, &bytes)
    }
    func nextRaw(count: Int) -> ArraySlice<UInt8>? { decoder.nextRaw(count: count) }
    func peek(_ i: Int = 0) -> UInt8? { decoder.peek(i) }
    func bytes(in r: Range<Int>) -> ArraySlice<UInt8> { decoder.bytes(in: r) ?? [] }
    func take(_ count: Int) -> ArraySlice<UInt8> { decoder.skip(count) }

    // MARK: resynchronisation

    func startResync(_ reason: String) {
        resyncing = true
        skipReason = reason
    }

    /// Skips one byte into the current skipped run.
    func skipByte() {
        if skippedStart == nil { skippedStart = decoder.offset }
        skipped.append(contentsOf: decoder.skip(1))
    }

    /// The skipped run, if any, now reported and cleared.
    func takeSkipped() -> (start: Int, bytes: [UInt8], reason: String)? {
        guard let start = skippedStart, !skipped.isEmpty else { return nil }
        defer { skipped = []; skippedStart = nil }
        return (start, skipped, skipReason)
    }

    /// `count` bytes were not captured: the partial message before them is dropped (and returned)
    /// and decoding starts again after them, resynchronising.
    func restart(afterLost count: Int) -> (start: Int, bytes: ArraySlice<UInt8>) {
        let start = decoder.offset
        let partial = decoder.skip(decoder.bufferedCount)
        decoder = StreamDecoder(options: options, origin: start + partial.count + count)
        boundaries.removeAll()
        boundaryHead = 0
        startResync("gap")
        return (start, partial)
    }
}
