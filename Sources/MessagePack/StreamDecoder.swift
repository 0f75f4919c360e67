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

    @usableFromInline var buffer: [UInt8] = []
    /// Stream offset of `buffer[0]`.
    @usableFromInline var bufferOrigin = 0
    /// Index in `buffer` of the next unread byte (the start of the object being scanned).
    @usableFromInline var consumed = 0

    /// Finds where the object that starts at `consumed` ends, resuming as bytes arrive.
    private var scanner: ObjectScanner

    public init(options: DecodingOptions = .standard) { self.init(options: options, origin: 0) }

    /// A decoder whose first byte fed is at stream offset `origin` (after bytes lost in a capture).
    public init(options: DecodingOptions = .standard, origin: Int) {
        self.options = options
        self.bufferOrigin = origin
        scanner = ObjectScanner(dialect: options.dialect, maxDepth: options.maxDepth, maxObjectSize: options.maxObjectSize)
    }

    /// Stream offset of the next unread byte.
    @inlinable public var offset: Int { bufferOrigin + consumed }
    /// Bytes fed but not yet returned.
    @inlinable public var bufferedCount: Int { buffer.count - consumed }
    /// True when a partial object has been started but not finished.
    public var isInsideObject: Bool { scanner.hasStarted }
    /// The bytes fed but not yet returned.
    public var bufferedBytes: ArraySlice<UInt8> { buffer[consumed...] }

    /// Adds bytes to the stream.
    public mutating func feed<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Decodes the next complete object, or returns nil when more data is needed.
    /// After an error the stream position is unchanged: call `skip(_:)` to resynchronise.
    /// Feeds an array (the dissector's path, not generic so that it is fast from other modules).
    /// When everything fed before has been consumed, the array is adopted as the buffer instead of
    /// copied: a segment that carries whole messages is decoded where it arrived.
    package mutating func feed(_ bytes: [UInt8]) {
        if consumed == buffer.count {
            let shift = consumed
            bufferOrigin += shift
            consumed = 0
            scanner.rebase(by: shift)
            buffer = bytes
            return
        }
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func next() throws(DecodingError) -> Node? {
        guard let end = try scan() else { return nil }
        let start = consumed
        let node = try buffer.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DecodingError) -> Node in
            var core = DecoderCore(source: buffer[...], base: p, origin: bufferOrigin, limit: end, options: options)
            var pos = start
            return try core.node(&pos, depth: 0)
        }
        consumed = end
        resetScan()
        return node
    }

    /// Value-only variant of `next()`; returns the value and its stream range.
    public mutating func nextValue() throws(DecodingError) -> (value: MessagePackValue, range: Range<Int>)? {
        // Deliberately alike: `next` and `nextValue` frame the same way and build different outputs.
        guard let end = try scan() else { return nil }
        let start = consumed
        let v = try buffer.withUnsafeBufferPointer { (p: UnsafeBufferPointer<UInt8>) throws(DecodingError) -> MessagePackValue in
            var core = DecoderCore(source: buffer[...], base: p, origin: bufferOrigin, limit: end, options: options)
            var pos = start
            return try core.value(&pos, depth: 0)
        }
        consumed = end
        resetScan()
        return (v, (bufferOrigin + start)..<(bufferOrigin + end))
    }

    /// Frames the next complete object without decoding it: its stream range and its bytes (a
    /// slice of the buffer), or nil when more data is needed. The scanner has checked every
    /// header, length and depth: decoding the bytes later with the same options cannot fail
    /// (unless `strictUTF8` refuses a str payload, which only a decode sees).
    package mutating func nextObject() throws(DecodingError) -> (range: Range<Int>, bytes: ArraySlice<UInt8>)? {
        guard let end = try scan() else { return nil }
        let start = consumed
        consumed = end
        resetScan()
        return ((bufferOrigin + start)..<(bufferOrigin + end), buffer[start..<end])
    }

    /// `nextObject()` into the caller's range and bytes (no optional tuple): false, and both
    /// unchanged, when more data is needed.
    package mutating func nextObject(_ range: inout Range<Int>, _ bytes: inout ArraySlice<UInt8>) throws(DecodingError) -> Bool {
        guard let end = try scan() else { return false }
        let start = consumed
        consumed = end
        resetScan()
        range = (bufferOrigin + start)..<(bufferOrigin + end)
        bytes = buffer[start..<end]
        return true
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
    @inlinable
    public func peek(_ i: Int = 0) -> UInt8? {
        let j = consumed + i
        return j < buffer.count ? buffer[j] : nil
    }

    private mutating func resetScan() {
        scanner.restart(at: consumed)
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
        scanner.rebase(by: shift)
    }

    /// Advances the scanner; returns the end index (in `buffer`) of the complete object, if any.
    private mutating func scan() throws(DecodingError) -> Int? {
        // Nothing of the next object has arrived (the common end of a drain).
        if consumed == buffer.count { return nil }
        // A whole object that has arrived is framed in one flat pass; a partial one (or one the
        // flat pass leaves to it) by the resumable scanner. A partial object is framed again from
        // its start by the flat pass while what was scanned of it is short (a first byte that came
        // alone), so rescanning stays bounded.
        let from = scanner.start
        if scanner.position - from < 64 {
            let o = options
            let t = scanner.table(o.dialect)
            let end = buffer.withUnsafeBufferPointer { p in
                ObjectScanner.flatEnd(p, from: from, table: t, maxDepth: o.maxDepth, maxObjectSize: o.maxObjectSize)
            }
            if let end { return end }
        }
        // Options are public and may change between calls.
        scanner.dialect = options.dialect
        scanner.maxDepth = options.maxDepth
        scanner.maxObjectSize = options.maxObjectSize
        let extent = buffer.withUnsafeBufferPointer { scanner.extent($0) }
        switch extent {
        case .complete(let end, _): return end
        case .needsMore: return nil
        case .invalid(let o, let reason):
            throw reason.error(offset: bufferOrigin + o, dialect: options.dialect,
                               maxDepth: options.maxDepth, maxObjectSize: options.maxObjectSize)
        }
    }
}
