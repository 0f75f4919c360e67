/// Incremental decoding of a byte stream that carries objects back to back, fed in chunks of any
/// size (down to one byte). Like SwiftNIO's `ByteToMessageDecoder`, `next()` answers either an object
/// or "need more data".
///
/// Linear time: a resumable scanner finds where the current object ends, reading each header once
/// (a header split between chunks is re-read, at most 9 bytes) and skipping payloads by length;
/// the complete object is then decoded once. Nothing is allocated for a declared length until its
/// bytes have arrived, and a declared length or count beyond `maxObjectSize` is refused at once.
///
/// Offsets in the returned nodes and errors are offsets in the stream (0 = first byte fed).
public struct StreamDecoder: Sendable {
    public var options: DecodingOptions

    private var buffer: [UInt8] = []
    /// Stream offset of `buffer[0]`.
    private var bufferOrigin = 0
    /// Index in `buffer` of the next unread byte (the start of the object being scanned).
    private var consumed = 0

    // Scanner state for the object that starts at `consumed`.
    private var scanPos = 0
    private var pendingSkip = 0
    private var remaining: [Int] = []

    public init(options: DecodingOptions = .standard) { self.options = options }

    /// A decoder whose first byte fed is at stream offset `origin` (after bytes lost in a capture).
    public init(options: DecodingOptions = .standard, origin: Int) {
        self.options = options
        self.bufferOrigin = origin
    }

    /// Stream offset of the next unread byte.
    public var offset: Int { bufferOrigin + consumed }
    /// Bytes fed but not yet returned.
    public var bufferedCount: Int { buffer.count - consumed }
    /// True when a partial object has been started but not finished.
    public var isInsideObject: Bool { scanPos > consumed || !remaining.isEmpty || pendingSkip > 0 }
    /// The bytes fed but not yet returned.
    public var bufferedBytes: ArraySlice<UInt8> { buffer[consumed...] }

    /// Adds bytes to the stream.
    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Decodes the next complete object, or returns nil when more data is needed.
    /// After an error the stream position is unchanged: call `skip(_:)` to resynchronise.
    public mutating func next() throws(DecodingError) -> Node? {
        guard let end = try scan() else { return nil }
        let start = consumed
        let node = try buffer.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DecodingError) -> Node in
            var core = DecoderCore(source: buffer, base: p, origin: bufferOrigin, limit: end, options: options)
            var pos = start
            return try core.node(&pos, depth: 0)
        }
        consumed = end
        resetScan()
        return node
    }

    /// Value-only variant of `next()`; returns the value and its stream range.
    public mutating func nextValue() throws(DecodingError) -> (value: MessagePackValue, range: Range<Int>)? {
        guard let end = try scan() else { return nil }
        let start = consumed
        let v = try buffer.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DecodingError) -> MessagePackValue in
            var core = DecoderCore(source: buffer, base: p, origin: bufferOrigin, limit: end, options: options)
            var pos = start
            return try core.value(&pos, depth: 0)
        }
        consumed = end
        resetScan()
        return (v, (bufferOrigin + start)..<(bufferOrigin + end))
    }

    /// Takes `count` raw bytes (not MessagePack, as in a urpc `ri` reply) once they have all
    /// arrived; nil until then.
    public mutating func nextRaw(count: Int) -> ArraySlice<UInt8>? {
        precondition(count >= 0)
        guard buffer.count - consumed >= count else { return nil }
        let s = buffer[consumed..<(consumed + count)]
        consumed += count
        resetScan()
        return s
    }

    /// Drops up to `count` unread bytes (resynchronisation after an error). Returns what was dropped.
    @discardableResult
    public mutating func skip(_ count: Int) -> ArraySlice<UInt8> {
        let n = min(max(0, count), buffer.count - consumed)
        let s = buffer[consumed..<(consumed + n)]
        consumed += n
        resetScan()
        return s
    }

    /// The bytes of a stream range that is still buffered: the object just returned, or unread
    /// bytes (nil once they have been dropped by a later `feed`).
    public func bytes(in r: Range<Int>) -> ArraySlice<UInt8>? {
        let lo = r.lowerBound - bufferOrigin, hi = r.upperBound - bufferOrigin
        guard lo >= 0, hi <= buffer.count, lo <= hi else { return nil }
        return buffer[lo..<hi]
    }

    /// Peeks at the unread byte `i` positions ahead, if it has arrived.
    public func peek(_ i: Int = 0) -> UInt8? {
        let j = consumed + i
        return j < buffer.count ? buffer[j] : nil
    }

    private mutating func resetScan() {
        scanPos = consumed
        pendingSkip = 0
        remaining.removeAll(keepingCapacity: true)
    }

    /// Drops returned bytes before new ones are appended.
    private mutating func compact() {
        guard consumed > 0 else { return }
        let shift = consumed
        // In place when nothing else holds the storage; when emitted slices still share it, the
        // array copies on write first (at most one partial object's worth).
        if consumed == buffer.count {
            buffer.removeAll(keepingCapacity: true)
        } else {
            buffer.removeSubrange(0..<consumed)
        }
        bufferOrigin += shift
        consumed = 0
        scanPos -= shift
    }

    /// Marks one item complete; returns true when the top-level object is complete.
    private mutating func completeItem() -> Bool {
        while let top = remaining.last {
            if top > 1 {
                remaining[remaining.count - 1] = top - 1
                return false
            }
            remaining.removeLast()
        }
        return true
    }

    /// Advances the scanner; returns the end index (in `buffer`) of the complete object, if any.
    private mutating func scan() throws(DecodingError) -> Int? {
        let limit = options.maxObjectSize
        return try buffer.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DecodingError) -> Int? in
            let cursor = ByteCursor(p, origin: bufferOrigin, dialect: options.dialect)
            while true {
                if pendingSkip > 0 {
                    let avail = p.count - scanPos
                    if avail < pendingSkip {
                        scanPos += avail
                        pendingSkip -= avail
                        return nil
                    }
                    scanPos += pendingSkip
                    pendingSkip = 0
                    if completeItem() { return scanPos }
                    continue
                }
                guard scanPos < p.count else { return nil }
                let h: Header
                let hl: Int
                do throws(DecodingError) {
                    (h, hl) = try cursor.header(at: scanPos)
                } catch {
                    if case .truncated = error { return nil }  // header split across chunks
                    throw error
                }
                let sizeSoFar = scanPos + hl - consumed
                switch h {
                case .value:
                    scanPos += hl
                    if completeItem() { return scanPos }
                case .str(let n), .bin(let n), .ext(_, let n):
                    if n > limit - sizeSoFar {
                        throw .lengthBeyondLimit(offset: bufferOrigin + scanPos, length: UInt64(n), limit: limit)
                    }
                    scanPos += hl
                    pendingSkip = n
                    if n == 0, completeItem() { return scanPos }
                case .array(let n), .map(let n):
                    let items = if case .map = h { 2 * n } else { n }
                    if items > limit - sizeSoFar {
                        throw .lengthBeyondLimit(offset: bufferOrigin + scanPos, length: UInt64(n), limit: limit)
                    }
                    if remaining.count >= options.maxDepth {
                        throw .depthBeyondLimit(offset: bufferOrigin + scanPos, limit: options.maxDepth)
                    }
                    scanPos += hl
                    if n == 0 {
                        if completeItem() { return scanPos }
                    } else {
                        remaining.append(items)
                    }
                }
            }
        }
    }
}
