/// Why the scanner refused a header.
@usableFromInline package enum ScanRefusal: Equatable, Sendable {
    /// A first byte the dialect refuses (`c1`; `cb cf d3` in the device dialect).
    case invalidByte(UInt8)
    /// A declared length or count that would take the object past `maxObjectSize`.
    case lengthBeyondLimit(UInt64)
    /// A container opened `maxDepth` containers deep.
    case depthBeyondLimit

    /// The codec's error for this refusal at `offset` (a stream offset).
    @usableFromInline package func error(offset: Int, dialect: Dialect, maxDepth: Int, maxObjectSize: Int) -> DecodingError {
        switch self {
        case .invalidByte(let b): return .invalidByte(offset: offset, byte: b, dialect: dialect)
        case .lengthBeyondLimit(let n): return .lengthBeyondLimit(offset: offset, length: n, limit: maxObjectSize)
        case .depthBeyondLimit: return .depthBeyondLimit(offset: offset, limit: maxDepth)
        }
    }
}

/// One step of a walk over an object's headers.
@usableFromInline package enum ScanStep: Equatable, Sendable {
    /// The header at `at`, inside `depth` open containers. Its payload may still be arriving.
    case header(RawHeader, at: Int, depth: Int)
    /// The object ends at `end`; `maxDepth` is its deepest container nesting (0 for a scalar).
    case complete(end: Int, maxDepth: Int)
    /// The bytes end inside the object. `missing` is what the cut header or payload lacks, 0
    /// when the cut falls between items (the stack holds the items still expected).
    case needsMore(missing: Int)
    /// The header at `offset` is refused; the walk cannot go on.
    case invalid(offset: Int, reason: ScanRefusal)
}

/// The extent of one whole object.
@usableFromInline package enum ObjectExtent: Equatable, Sendable {
    case complete(end: Int, maxDepth: Int)
    case needsMore(missing: Int)
    case invalid(offset: Int, reason: ScanRefusal)
}

/// The one header scanner of the package: walks one MessagePack object header by header, without
/// recursion and without building a value, so its extent is found in linear time at any depth
/// (a request nested deeper than the decoder allows is still one message).
///
/// Resumable: when the bytes end inside the object, call again once more have arrived (in the
/// same buffer, grown; see `rebase(by:)` when its front is dropped). A header cut short is read
/// again; a payload is skipped by its length and never read. Lengths and counts are checked
/// against `maxObjectSize` before anything moves past them, and nesting against `maxDepth`.
@usableFromInline package struct ObjectScanner: Sendable {
    @usableFromInline package var dialect: Dialect
    @usableFromInline package var maxDepth: Int
    @usableFromInline package var maxObjectSize: Int
    /// The open containers (reused from object to object).
    @usableFromInline package private(set) var stack = ContainerStack()
    /// Offset of the object's first byte.
    @usableFromInline package private(set) var start = 0
    /// Offset of the next header, or the end of a payload that has not fully arrived.
    @usableFromInline package private(set) var position = 0
    /// Deepest nesting seen so far in this object.
    @usableFromInline package private(set) var deepest = 0
    @usableFromInline var pendingPayload = false
    @usableFromInline var done = false
    /// `HeaderTable.entries`, fetched once (read-only, never freed).
    @usableFromInline nonisolated(unsafe) let tables: UnsafePointer<HeaderEntry>

    @inlinable
    package init(dialect: Dialect = .standard, maxDepth: Int = .max, maxObjectSize: Int = .max) {
        self.dialect = dialect
        self.maxDepth = maxDepth
        self.maxObjectSize = maxObjectSize
        tables = HeaderTable.entries
    }

    /// The header table of `dialect`.
    @inlinable @inline(__always)
    package func table(_ dialect: Dialect) -> UnsafePointer<HeaderEntry> { HeaderTable.table(dialect, in: tables) }

    /// Starts a new object at `offset`.
    @inlinable
    package mutating func reset(at offset: Int) {
        stack.removeAll()
        start = offset
        position = offset
        deepest = 0
        pendingPayload = false
        done = false
    }

    /// `reset(at:)` for a scanner that has not moved past its object's first byte (the object was
    /// framed by `flatEnd`): only the offsets move.
    @inlinable @inline(__always)
    package mutating func restart(at offset: Int) {
        if position == start, stack.isEmpty, !pendingPayload, !done {
            start = offset
            position = offset
        } else {
            reset(at: offset)
        }
    }

    /// The buffer lost its first `shift` bytes: offsets move down.
    @inlinable
    package mutating func rebase(by shift: Int) {
        start -= shift
        position -= shift
    }

    /// True once the walk has moved past the object's first byte.
    @inlinable package var hasStarted: Bool { position > start || !stack.isEmpty || pendingPayload }

    /// The next step of the walk over `p` (the same bytes as before, possibly grown).
    @inlinable @inline(__always)
    package mutating func step(_ p: UnsafeBufferPointer<UInt8>) -> ScanStep {
        if pendingPayload {
            if position > p.count { return .needsMore(missing: position - p.count) }
            pendingPayload = false
            done = stack.finishItem()
        }
        if done { return .complete(end: position, maxDepth: deepest) }
        let at = position
        guard at < p.count else { return .needsMore(missing: 0) }
        let h: RawHeader
        switch ByteCursor(p, origin: 0, dialect: dialect).rawHeader(at: at, table: table(dialect)) {
        case .header(let x): h = x
        case .needsMore(let n): return .needsMore(missing: n)
        case .invalid(let b): return .invalid(offset: at, reason: .invalidByte(b))
        }
        let depth = stack.depth
        let sizeSoFar = at + h.headerLength - start
        switch h.kind {
        case .scalar:
            position = at + h.headerLength
            done = stack.finishItem()
        case .array, .map:
            let items = h.items
            if items > maxObjectSize - sizeSoFar {
                return .invalid(offset: at, reason: .lengthBeyondLimit(UInt64(h.length)))
            }
            if depth >= maxDepth { return .invalid(offset: at, reason: .depthBeyondLimit) }
            position = at + h.headerLength
            if items == 0 {
                done = stack.finishItem()
            } else {
                stack.push(items)
                deepest = max(deepest, depth + 1)
            }
        case .str, .bin, .ext:
            if h.length > maxObjectSize - sizeSoFar {
                return .invalid(offset: at, reason: .lengthBeyondLimit(UInt64(h.length)))
            }
            position = at + h.headerLength + h.length
            if position <= p.count { done = stack.finishItem() } else { pendingPayload = true }
        }
        return .header(h, at: at, depth: depth)
    }

    /// Walks on to the end of the object, or as far as the bytes and limits allow.
    @inlinable
    package mutating func extent(_ p: UnsafeBufferPointer<UInt8>) -> ObjectExtent {
        while true {
            switch step(p) {
            case .header: continue
            case .complete(let end, let d): return .complete(end: end, maxDepth: d)
            case .needsMore(let n): return .needsMore(missing: n)
            case .invalid(let o, let r): return .invalid(offset: o, reason: r)
            }
        }
    }

    /// The extent of the object that starts at `offset` of `p`, from scratch.
    @inlinable
    package mutating func extent(of p: UnsafeBufferPointer<UInt8>, at offset: Int) -> ObjectExtent {
        reset(at: offset)
        return extent(p)
    }
}
