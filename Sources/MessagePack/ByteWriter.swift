/// One reusable byte buffer the printers write into: ASCII and UTF-8 text, decimal integers,
/// fixed-point decimals (and, in `Hex` and `JSONMapping`, hex and quoted strings), with no
/// intermediate `String`. An output sink writes `withBytes` out and calls `removeAll()`; the
/// printers' `String`-returning forms are thin wrappers that read `string`.
///
/// The storage only grows (doubling), so a writer reused for every line allocates a handful of
/// times in a whole run. Every write checks the room it needs once, then stores through a pointer.
package struct ByteWriter {
    /// Zero-filled storage; `count` of it is written.
    @usableFromInline var storage: [UInt8]
    /// Bytes written so far.
    package private(set) var count: Int

    package init(capacity: Int = 256) {
        storage = Array(repeating: 0, count: Swift.max(capacity, 16))
        count = 0
    }

    package var isEmpty: Bool { count == 0 }

    /// The bytes written, as a `String` (lossless: every printer writes valid UTF-8).
    package var string: String {
        storage.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[0..<count]), as: UTF8.self) }
    }

    /// The bytes written, as an array.
    package var array: [UInt8] { Array(storage[0..<count]) }

    /// Calls `body` with the bytes written.
    package func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
    }

    /// Forgets the bytes written, keeping the storage.
    package mutating func removeAll() { count = 0 }

    /// Forgets the bytes from `position` on (a position taken from `count`).
    package mutating func truncate(to position: Int) {
        precondition(position >= 0 && position <= count, "ByteWriter.truncate past the end")
        count = position
    }

    /// Reserves `n` bytes at the end and lets `body` fill them through a pointer to the first.
    /// `body` must write exactly `n` bytes.
    @inlinable
    package mutating func append(reserving n: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Void) {
        guard n > 0 else { return }
        let at = count
        if at + n > storage.count { grow(to: at + n) }
        storage.withUnsafeMutableBufferPointer { body($0.baseAddress! + at) }
        count = at + n
    }

    @usableFromInline
    mutating func grow(to needed: Int) {
        let target = Swift.max(needed, storage.count * 2)
        storage.append(contentsOf: repeatElement(0, count: target - storage.count))
    }

    /// Direct access to the written bytes and `extra` more reserved after them, for in-place
    /// rewriting (JSON escaping of what was just written); `count` grows by `extra`.
    package mutating func extend(by extra: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Void) {
        if count + extra > storage.count { grow(to: count + extra) }
        let end = count + extra
        storage.withUnsafeMutableBufferPointer { body(UnsafeMutableBufferPointer(rebasing: $0[0..<end])) }
        count = end
    }

    @inlinable
    package mutating func byte(_ b: UInt8) {
        append(reserving: 1) { $0.pointee = b }
    }

    /// An ASCII or UTF-8 literal.
    @inlinable
    package mutating func literal(_ s: StaticString) {
        if s.hasPointerRepresentation {
            let p = s.utf8Start
            append(reserving: s.utf8CodeUnitCount) { $0.update(from: p, count: s.utf8CodeUnitCount) }
        } else {
            s.withUTF8Buffer { append($0) }
        }
    }

    /// The UTF-8 bytes of `s`.
    package mutating func text(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
            for b in s.utf8 { byte(b) }
        }
    }

    /// The UTF-8 bytes of `s`.
    package mutating func text(_ s: Substring) {
        if s.utf8.withContiguousStorageIfAvailable({ append($0) }) == nil {
            for b in s.utf8 { byte(b) }
        }
    }

    package mutating func append(_ p: UnsafeBufferPointer<UInt8>) {
        guard let base = p.baseAddress else { return }
        append(reserving: p.count) { $0.update(from: base, count: p.count) }
    }

    package mutating func append(_ p: UnsafeRawBufferPointer) {
        append(p.assumingMemoryBound(to: UInt8.self))
    }

    package mutating func append(_ b: ArraySlice<UInt8>) {
        b.withUnsafeBufferPointer { append($0) }
    }

    /// `n` spaces.
    package mutating func spaces(_ n: Int) {
        append(reserving: n) { $0.update(repeating: 0x20, count: n) }
    }

    /// A decimal integer, right-aligned with spaces in `width` columns.
    package mutating func decimal(_ v: Int, width: Int = 0) {
        decimal(magnitude: UInt64(v.magnitude), negative: v < 0, width: width)
    }

    package mutating func decimal(_ v: Int64) { decimal(magnitude: v.magnitude, negative: v < 0, width: 0) }
    package mutating func decimal(_ v: UInt64) { decimal(magnitude: v, negative: false, width: 0) }
    package mutating func decimal(_ v: UInt32) { decimal(magnitude: UInt64(v), negative: false, width: 0) }

    /// The one integer formatter: what `String(v)` writes, without a `String`.
    mutating func decimal(magnitude: UInt64, negative: Bool, width: Int) {
        var n = magnitude
        var digits = 1
        var t = n
        while t >= 10 { t /= 10; digits += 1 }
        let k = digits + (negative ? 1 : 0)
        if k < width { spaces(width - k) }
        append(reserving: k) { p in
            var i = k
            repeat {
                i -= 1
                p[i] = UInt8(truncatingIfNeeded: 0x30 &+ n % 10)
                n /= 10
            } while n > 0
            if negative { p[0] = 0x2d }
        }
    }

    /// A fixed-point decimal with `digits` decimals (up to 9), as msgdissect prints times and
    /// latencies; a value that is not finite or is too large is written as `String(v)` writes it.
    package mutating func fixed(_ v: Double, _ digits: Int) {
        guard v.isFinite, Swift.abs(v) < 9e15, digits >= 0, digits <= 9 else { text(String(v)); return }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        let n = Int64((Swift.abs(v) * Double(scale)).rounded())
        let negative = v < 0 && n > 0
        var intDigits = 1
        var t = n / scale
        while t >= 10 { t /= 10; intDigits += 1 }
        let k = (negative ? 1 : 0) + intDigits + (digits > 0 ? digits + 1 : 0)
        append(reserving: k) { p in
            var n = n
            var i = k
            var written = 0
            repeat {
                i -= 1
                p[i] = UInt8(truncatingIfNeeded: 0x30 &+ n % 10)
                n /= 10
                written += 1
                if written == digits { i -= 1; p[i] = 0x2e }
            } while n > 0 || written <= digits
            if negative { p[0] = 0x2d }
        }
    }
}
