import MessagePack
import MsgscopeTestSupport
import Testing

/// The header read as it was written before the table: a chain of range compares, read straight
/// from the format rules. The table read, `HeaderReader.read(at:)` and the walk must answer
/// exactly as it does on every byte string.
func referenceRead(_ p: [UInt8], at i: Int, dialect: Dialect) -> HeaderRead {
    guard i >= 0, i < p.count else { return .needsMore(1) }
    let b = p[i]
    switch b {
    case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3:
        return .header(RawHeader(firstByte: b, kind: .scalar, headerLength: 1, length: 0))
    case 0x80...0x8f: return .header(RawHeader(firstByte: b, kind: .map, headerLength: 1, length: Int(b & 0x0f)))
    case 0x90...0x9f: return .header(RawHeader(firstByte: b, kind: .array, headerLength: 1, length: Int(b & 0x0f)))
    case 0xa0...0xbf: return .header(RawHeader(firstByte: b, kind: .str, headerLength: 1, length: Int(b & 0x1f)))
    case 0xc1: return .invalid(b)
    case 0xcb, 0xcf, 0xd3: if dialect == .device { return .invalid(b) }
    default: break
    }
    let hl = Format.headerLength(firstByte: b)
    let avail = p.count - i
    guard hl <= avail else { return .needsMore(hl - avail) }
    func be(_ j: Int, _ w: Int) -> Int { (0..<w).reduce(0) { $0 << 8 | Int(p[j + $1]) } }
    let kind: RawHeader.Kind
    switch b {
    case 0xc4...0xc6: kind = .bin
    case 0xc7...0xc9: kind = .ext
    case 0xd4...0xd8:
        return .header(RawHeader(firstByte: b, kind: .ext, headerLength: hl, length: 1 << Int(b - 0xd4),
                                 extType: Int8(bitPattern: p[i + 1])))
    case 0xd9...0xdb: kind = .str
    case 0xdc, 0xdd: kind = .array
    case 0xde, 0xdf: kind = .map
    default: return .header(RawHeader(firstByte: b, kind: .scalar, headerLength: hl, length: 0))
    }
    let width = kind == .ext ? hl - 2 : hl - 1
    return .header(RawHeader(firstByte: b, kind: kind, headerLength: hl, length: be(i + 1, width),
                             extType: kind == .ext ? Int8(bitPattern: p[i + hl - 1]) : 0))
}

/// The walk of one object by reference reads: the headers met (with their offsets) and the end,
/// nil when cut short or refused.
func referenceWalk(_ p: [UInt8], from start: Int, dialect: Dialect) -> (headers: [(RawHeader, Int)], end: Int?) {
    var out: [(RawHeader, Int)] = []
    var i = start, remaining = 1
    while remaining > 0 {
        guard case .header(let h) = referenceRead(p, at: i, dialect: dialect) else { return (out, nil) }
        out.append((h, i))
        remaining += h.items - 1
        i += h.headerLength + h.payloadLength
    }
    return (out, i <= p.count ? i : nil)
}

func tableWalk(_ p: [UInt8], from start: Int, dialect: Dialect) -> (headers: [(RawHeader, Int)], end: Int?) {
    var out: [(RawHeader, Int)] = []
    let end = p.withUnsafeBufferPointer { q in
        HeaderReader(q, dialect: dialect).walkObject(from: start) { h in
            #expect(h.items == h.raw.items && h.payloadLength == h.raw.payloadLength && h.isExt == (h.kind == .ext))
            out.append((h.raw, h.offset))
        }
    }
    return (out, end)
}

func expectSameWalk(_ p: [UInt8], from start: Int, dialect: Dialect) {
    let (a, x) = tableWalk(p, from: start, dialect: dialect)
    let (b, y) = referenceWalk(p, from: start, dialect: dialect)
    #expect(x == y && a.map(\.0) == b.map(\.0) && a.map(\.1) == b.map(\.1), "\(dialect) \(start) \(p)")
    // The scanner agrees on where a whole object ends.
    var s = ObjectScanner(dialect: dialect)
    let extent = p.withUnsafeBufferPointer { s.extent(of: $0, at: start) }
    if case .complete(let end, _) = extent { #expect(x == end, "\(p)") } else { #expect(x == nil, "\(p)") }
}

@Suite struct HeaderTableTests {
    /// Every first byte, cut after 0…10 following bytes, the following bytes all 00, all ff or
    /// mixed, in both dialects: the table read answers as the reference read does.
    @Test(arguments: UInt8.min...UInt8.max)
    func everyFirstByteEveryCut(_ b: UInt8) {
        let tails: [[UInt8]] = [[UInt8](repeating: 0, count: 10), [UInt8](repeating: 0xff, count: 10),
                                [0x00, 0x01, 0x04, 0x01, 0x80, 0x7f, 0x00, 0x02, 0x03, 0x04], [0, 0, 0, 4, 1, 9, 9, 9, 9, 9]]
        for dialect in Dialect.allCases {
            let entry = HeaderTable.table(dialect)[Int(b)]
            #expect(entry == HeaderEntry.classify(b, dialect))
            for tail in tails {
                for cut in 0...tail.count {
                    let p = [b] + tail.prefix(cut)
                    let read = p.withUnsafeBufferPointer { HeaderReader($0, dialect: dialect).read(at: 0) }
                    #expect(read == referenceRead(p, at: 0, dialect: dialect), "\(dialect) \(p)")
                    // The same header one byte in, and reads past the end.
                    let q = [0x00] + p
                    let at1 = q.withUnsafeBufferPointer { HeaderReader($0, dialect: dialect).read(at: 1) }
                    #expect(at1 == read)
                    let past = p.withUnsafeBufferPointer { HeaderReader($0, dialect: dialect).read(at: p.count) }
                    #expect(past == .needsMore(1))
                    expectSameWalk(p, from: 0, dialect: dialect)
                    expectSameWalk(q, from: 1, dialect: dialect)
                }
            }
        }
    }

    /// Random bytes, and random bytes built mostly of headers, at random offsets.
    @Test func randomBytes() {
        var r = SplitMix(seed: 0x5ca1)
        let pieces: [[UInt8]] = [[0x92], [0x81], [0xdc, 0, 2], [0xde, 0, 1], [0xdd, 0, 0, 0, 1], [0xa1, 0x61], [0xd9, 1, 0x62],
                                 [0xd6, 1, 0, 0, 0, 7], [0xc7, 4, 1, 1, 2, 3, 4], [0xcb], [0xcf], [0xd3], [0xc1], [0xc0], [0x05]]
        for round in 0..<40_000 {
            var p: [UInt8] = []
            for _ in 0..<Int(r.next() % 12) {
                if round % 2 == 0 || r.next() % 4 == 0 {
                    p.append(UInt8(truncatingIfNeeded: r.next()))
                } else {
                    p += pieces[Int(r.next() % UInt64(pieces.count))]
                }
            }
            let start = p.isEmpty ? 0 : Int(r.next() % UInt64(p.count + 1))
            for dialect in Dialect.allCases {
                let read = p.withUnsafeBufferPointer { HeaderReader($0, dialect: dialect).read(at: start) }
                #expect(read == referenceRead(p, at: start, dialect: dialect), "\(p)")
                expectSameWalk(p, from: start, dialect: dialect)
            }
        }
    }
}
