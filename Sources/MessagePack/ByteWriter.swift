/// One reusable byte buffer the printers write into: ASCII and UTF-8 text, decimal integers,
/// fixed-point decimals (and, in `Hex` and `JSONQuoting`, hex and quoted strings), with no
/// intermediate `String`. An output sink writes `withBytes` out and calls `removeAll()`; the
/// printers' `String`-returning forms are thin wrappers that read `string`.
///
/// The buffer only grows (doubling), so a writer reused for every line allocates a handful of
/// times in a whole run; every write checks the room it needs once, then stores through a
/// pointer. Not copyable: one owner, no copy-on-write checks. (`@usableFromInline` so that its
/// `@inlinable` writes inline into the other layers' printers.)
@usableFromInline
package struct ByteWriter: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var used: Int

    package init(capacity: Int = 256) {
        self.capacity = Swift.max(capacity, 16)
        base = .allocate(capacity: self.capacity)
        used = 0
    }

    deinit { base.deallocate() }

    /// Bytes written so far.
    @inlinable package var count: Int { used }
    @inlinable package var isEmpty: Bool { used == 0 }

    /// The bytes written, as a `String` (lossless: every printer writes valid UTF-8).
    package var string: String { String(decoding: UnsafeBufferPointer(start: base, count: used), as: UTF8.self) }

    /// The bytes written, as an array.
    package var array: [UInt8] { Array(UnsafeBufferPointer(start: base, count: used)) }

    /// Calls `body` with the bytes written.
    package func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: used))
    }

    /// Forgets the bytes written, keeping the buffer.
    package mutating func removeAll() { used = 0 }

    /// Forgets the bytes written from `count` on (a printer taking back what it began).
    package mutating func truncate(to count: Int) {
        precondition(count >= 0 && count <= used, "ByteWriter truncated past its bytes")
        used = count
    }

    /// Room for `n` more bytes at the end, counted as written: the caller stores exactly `n`
    /// bytes through the pointer before the next write (which may move the buffer).
    @inlinable @inline(__always)
    mutating func reserve(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if _slowPath(n > capacity &- used) { grow(to: used + n) }
        let p = base + used
        used &+= n
        return p
    }

    @usableFromInline
    mutating func grow(to needed: Int) {
        precondition(needed >= 0, "ByteWriter size overflow")
        let target = Swift.max(needed, capacity * 2)
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: target)
        bigger.update(from: base, count: used)
        base.deallocate()
        base = bigger
        capacity = target
    }

    /// Direct access to the written bytes and `extra` more reserved after them, for rewriting in
    /// place (JSON escaping of what was just written); `count` grows by `extra`.
    package mutating func extend(by extra: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Void) {
        _ = reserve(extra)
        body(UnsafeMutableBufferPointer(start: base, count: used))
    }

    @inlinable @inline(__always)
    package mutating func byte(_ b: UInt8) {
        reserve(1).pointee = b
    }

    /// An ASCII or UTF-8 literal.
    @inlinable @inline(__always)
    package mutating func literal(_ s: StaticString) {
        if s.hasPointerRepresentation {
            let n = s.utf8CodeUnitCount
            reserve(n).update(from: s.utf8Start, count: n)
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

    @inlinable
    package mutating func append(_ p: UnsafeBufferPointer<UInt8>) {
        guard let from = p.baseAddress else { return }
        reserve(p.count).update(from: from, count: p.count)
    }

    package mutating func append(_ p: UnsafeRawBufferPointer) {
        append(p.assumingMemoryBound(to: UInt8.self))
    }

    package mutating func append(_ b: ArraySlice<UInt8>) {
        b.withUnsafeBufferPointer { append($0) }
    }

    /// `n` spaces.
    package mutating func spaces(_ n: Int) {
        guard n > 0 else { return }
        reserve(n).update(repeating: 0x20, count: n)
    }

    /// A decimal integer, right-aligned with spaces in `width` columns.
    @inlinable
    package mutating func decimal(_ v: Int, width: Int) {
        decimal(magnitude: UInt64(v.magnitude), negative: v < 0, width: width)
    }

    @inlinable
    package mutating func decimal(_ v: Int) { decimal(magnitude: UInt64(v.magnitude), negative: v < 0, width: 0) }
    @inlinable
    package mutating func decimal(_ v: Int64) { decimal(magnitude: v.magnitude, negative: v < 0, width: 0) }
    @inlinable
    package mutating func decimal(_ v: UInt64) { decimal(magnitude: v, negative: false, width: 0) }
    @inlinable
    package mutating func decimal(_ v: UInt32) { decimal(magnitude: UInt64(v), negative: false, width: 0) }

    /// The one integer formatter: what `String(v)` writes, without a `String`.
    @inlinable
    mutating func decimal(magnitude: UInt64, negative: Bool, width: Int) {
        let sign = negative ? 1 : 0
        let k = sign + ByteWriter.digitCount(magnitude)
        let pad = width > k ? width - k : 0
        let p = reserve(pad + k)
        if pad > 0 { p.update(repeating: 0x20, count: pad) }
        if negative { p[pad] = 0x2d }
        ByteWriter.digits(magnitude, to: p + pad + k)
    }

    /// Decimal digits of `n` (at least one).
    @inlinable @inline(__always)
    static func digitCount(_ n: UInt64) -> Int {
        if n < 10 { return 1 }
        if n < 100 { return 2 }
        if n < 1000 { return 3 }
        if n < 10000 { return 4 }
        if n < 100_000 { return 5 }
        if n < 1_000_000 { return 6 }
        var k = 7
        var t = n / 10_000_000
        while t > 0 { t /= 10; k += 1 }
        return k
    }

    /// "00" "01" … "99": two digits per division.
    @usableFromInline static let pairs: StaticString = """
        00010203040506070809101112131415161718192021222324252627282930313233343536373839\
        40414243444546474849505152535455565758596061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899
        """

    /// Writes the decimal digits of `n` so that the last one is just before `end`.
    @inlinable @inline(__always)
    static func digits(_ n: UInt64, to end: UnsafeMutablePointer<UInt8>) {
        let table = pairs.utf8Start
        var n = n
        var p = end
        while n >= 100 {
            let r = Int(n % 100)
            n /= 100
            p -= 2
            p[0] = table[2 * r]
            p[1] = table[2 * r + 1]
        }
        if n >= 10 {
            p[-2] = table[2 * Int(n)]
            p[-1] = table[2 * Int(n) + 1]
        } else {
            p[-1] = 0x30 &+ UInt8(truncatingIfNeeded: n)
        }
    }

    /// Writes exactly `count` decimal digits of `n` (zero-padded, `n` < 10^count) just before `end`.
    /// Deliberately alike the writer above: the fraction of a fixed-point number needs its leading
    /// zeros, and sharing one loop measured slower on every printed number.
    @inline(__always)
    static func digits(_ n: UInt64, count: Int, to end: UnsafeMutablePointer<UInt8>) {
        let table = pairs.utf8Start
        var n = n
        var p = end
        var left = count
        while left >= 2 {
            let r = Int(n % 100)
            n /= 100
            p -= 2
            p[0] = table[2 * r]
            p[1] = table[2 * r + 1]
            left -= 2
        }
        if left == 1 { p[-1] = 0x30 &+ UInt8(truncatingIfNeeded: n % 10) }
    }

    /// 10^k for k in 0...9.
    @inline(__always)
    static func power(_ k: Int) -> UInt64 {
        switch k {
        case 0: 1
        case 1: 10
        case 2: 100
        case 3: 1000
        case 4: 10000
        case 5: 100_000
        case 6: 1_000_000
        case 7: 10_000_000
        case 8: 100_000_000
        default: 1_000_000_000
        }
    }

    /// A fixed-point decimal with `digits` decimals (up to 9), as msgdissect prints times and
    /// latencies; a value that is not finite or is too large is written as `String(v)` writes it.
    package mutating func fixed(_ v: Double, _ digits: Int) {
        guard v.isFinite, Swift.abs(v) < 9e15, digits >= 0, digits <= 9 else { text(String(v)); return }
        let scale = ByteWriter.power(digits)
        let scaled = (Swift.abs(v) * Double(scale)).rounded()
        guard scaled < 1.8e19 else { text(String(v)); return }
        let n = UInt64(scaled)
        let negative = v < 0 && n > 0
        let whole = n / scale
        let sign = negative ? 1 : 0
        let intDigits = ByteWriter.digitCount(whole)
        let p = reserve(sign + intDigits + (digits > 0 ? digits + 1 : 0))
        if negative { p.pointee = 0x2d }
        ByteWriter.digits(whole, to: p + sign + intDigits)
        guard digits > 0 else { return }
        p[sign + intDigits] = 0x2e
        ByteWriter.digits(n - whole * scale, count: digits, to: p + sign + intDigits + 1 + digits)
    }
}
