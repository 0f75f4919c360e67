import MessagePack
import Testing

/// The extent of the object at `offset` of `bytes`, from scratch.
func extent(_ bytes: [UInt8], at offset: Int = 0, dialect: Dialect = .standard,
            maxDepth: Int = .max, maxObjectSize: Int = .max) -> ObjectExtent {
    var s = ObjectScanner(dialect: dialect, maxDepth: maxDepth, maxObjectSize: maxObjectSize)
    return bytes.withUnsafeBufferPointer { s.extent(of: $0, at: offset) }
}

func readHeader(_ bytes: [UInt8], dialect: Dialect = .standard) -> HeaderRead {
    bytes.withUnsafeBufferPointer { HeaderReader($0, dialect: dialect).read(at: 0) }
}

/// Every first byte, followed by enough zero bytes that every format is complete: each count,
/// length and fixed payload the byte announces is then filled with zeros (one-byte items).
func padded(_ b: UInt8) -> [UInt8] { [b] + [UInt8](repeating: 0, count: 40) }

@Test("every first byte: header length from the one table, extent equals the decoder's end",
      arguments: UInt8.min...UInt8.max)
func everyFirstByte(_ b: UInt8) throws {
    let bytes = padded(b)
    for dialect in Dialect.allCases {
        let refused = b == 0xc1 || dialect == .device && (b == 0xcb || b == 0xcf || b == 0xd3)
        let decoded = Result<Node, DecodingError> { () throws(DecodingError) in try Decoder(dialect: dialect).decodeNode(bytes) }
        switch readHeader(bytes, dialect: dialect) {
        case .invalid(let x):
            #expect(refused && x == b)
            #expect(extent(bytes, dialect: dialect) == .invalid(offset: 0, reason: .invalidByte(b)))
            #expect(decoded.failure == .invalidByte(offset: 0, byte: b, dialect: dialect))
        case .needsMore(let n):
            Issue.record("41 bytes cannot cut a header short (\(n))")
        case .header(let h):
            #expect(!refused)
            #expect(h.firstByte == b && h.format == Format(byte: b))
            #expect(h.headerLength == Format.headerLength(firstByte: b))
            let node = try decoded.get()
            #expect(node.headerLength == h.headerLength, "\(node.format)")
            #expect(extent(bytes, dialect: dialect) == .complete(end: node.end, maxDepth: h.items > 0 ? 1 : 0))
            switch node.content {
            case .array(let a): #expect(h.kind == .array && h.length == a.count)
            case .map(let m): #expect(h.kind == .map && h.length == m.count)
            case .scalar: #expect(h.isContainer == false && h.size == node.end)
            }
        }
    }
}

@Test("a header cut short needs exactly the bytes it lacks", arguments: UInt8.min...UInt8.max)
func truncatedHeaders(_ b: UInt8) {
    let hl = Format.headerLength(firstByte: b)
    for cut in 1..<max(1, hl) {
        let bytes = Array(padded(b)[0..<cut])
        if b == 0xc1 { continue }
        #expect(readHeader(bytes) == .needsMore(hl - cut), "cut at \(cut)")
        #expect(extent(bytes) == .needsMore(missing: hl - cut), "cut at \(cut)")
    }
}

@Test("the formats of c0…df, in byte order")
func formatsInByteOrder() {
    let expected: [Format] = [
        .nil, .neverUsed, .false, .true, .bin8, .bin16, .bin32, .ext8, .ext16, .ext32,
        .float32, .float64, .uint8, .uint16, .uint32, .uint64, .int8, .int16, .int32, .int64,
        .fixext1, .fixext2, .fixext4, .fixext8, .fixext16, .str8, .str16, .str32,
        .array16, .array32, .map16, .map32,
    ]
    #expect((UInt8(0xc0)...0xdf).map { Format(byte: $0) } == expected)
    #expect([0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xe0, 0xff].map { Format(byte: $0) }
        == [.positiveFixint, .positiveFixint, .fixmap, .fixmap, .fixarray, .fixarray, .fixstr, .fixstr, .negativeFixint, .negativeFixint])
}

let extentCases: [(String, ObjectExtent)] = [
    // Payloads past the end: the bytes they lack.
    ("c6 00 00 01 00 01 02 03", .needsMore(missing: 253)),
    ("db 00 00 00 04 61", .needsMore(missing: 3)),
    ("c7 03 05 aa", .needsMore(missing: 2)),
    ("d8 01 00", .needsMore(missing: 15)),
    // Counts past the end: cut between items.
    ("dd 00 00 00 05 01", .needsMore(missing: 0)),
    ("82 a1 61 01", .needsMore(missing: 0)),
    // Maps and ext, complete.
    ("82 a1 61 91 01 a1 62 80", .complete(end: 8, maxDepth: 2)),
    ("de 00 01 c0 df 00 00 00 01 01 90", .complete(end: 11, maxDepth: 2)),
    ("c7 03 05 aa bb cc", .complete(end: 6, maxDepth: 0)),
    ("c9 00 00 00 02 80 01 02 ff", .complete(end: 8, maxDepth: 0)),
    ("d4 ff 00 01", .complete(end: 3, maxDepth: 0)),
    ("93 90 80 a0", .complete(end: 4, maxDepth: 1)),
    ("92 c1", .invalid(offset: 1, reason: .invalidByte(0xc1))),
]

@Test("extent vectors: lengths past the end, maps, ext", arguments: extentCases)
func extentVectors(_ h: String, _ expected: ObjectExtent) {
    #expect(extent(hex(h)) == expected)
}

@Test("limits: a length or count past maxObjectSize, a container past maxDepth")
func scannerLimits() {
    #expect(extent(hex("c6 ff ff ff ff"), maxObjectSize: 1000) == .invalid(offset: 0, reason: .lengthBeyondLimit(0xffff_ffff)))
    #expect(extent(hex("91 df 00 01 00 00"), maxObjectSize: 100) == .invalid(offset: 1, reason: .lengthBeyondLimit(0x1_0000)))
    #expect(extent(hex("91 91 91 c0"), maxDepth: 2) == .invalid(offset: 2, reason: .depthBeyondLimit))
    #expect(extent(hex("91 91 c0"), maxDepth: 2) == .complete(end: 3, maxDepth: 2))
    #expect(extent(hex("cb 00"), dialect: .device) == .invalid(offset: 0, reason: .invalidByte(0xcb)))
}

@Test("deep nesting is measured without recursion", arguments: [2_000, 100_000])
func deepNesting(_ depth: Int) {
    // One-element arrays, then a scalar: one stack entry whatever the depth.
    let chain = [UInt8](repeating: 0x91, count: depth) + [0xc0]
    #expect(extent(chain) == .complete(end: depth + 1, maxDepth: depth))
    // Two-element arrays: each level finishes its first item before the second.
    let pairs = [UInt8](repeating: 0x92, count: depth) + [UInt8](repeating: 0x01, count: depth + 1)
    #expect(extent(pairs) == .complete(end: 2 * depth + 1, maxDepth: depth))
    // One-entry maps nested in the value: {nil: {nil: … nil}}.
    let maps = [UInt8]((0..<depth).flatMap { _ in [0x81, 0xc0] as [UInt8] }) + [0xc0]
    #expect(extent(maps) == .complete(end: 2 * depth + 1, maxDepth: depth))
    // Cut before the innermost item: the stack holds every level in O(1) entries.
    var s = ObjectScanner()
    let cut = Array(chain.dropLast())
    #expect(cut.withUnsafeBufferPointer { s.extent(of: $0, at: 0) } == .needsMore(missing: 0))
    #expect(s.stack.depth == depth && s.stack.storedRuns == 1)
    #expect(extent(chain, maxDepth: 512) == .invalid(offset: 512, reason: .depthBeyondLimit))
}

@Test("resumable: fed one byte more at a time, the scanner ends where the whole-buffer scan does",
      arguments: vectors)
func scannerResumes(_ v: Vector) {
    let bytes = hex(v.hex) + [0xc0]
    let whole = extent(bytes)
    var s = ObjectScanner()
    s.reset(at: 0)
    var last: ObjectExtent = .needsMore(missing: 1)
    for n in 1...bytes.count {
        last = Array(bytes[0..<n]).withUnsafeBufferPointer { s.extent($0) }
        if case .complete = last { break }
        guard case .needsMore = last else { break }
    }
    #expect(last == whole)
    guard case .complete(let end, _) = whole else { Issue.record("\(whole)"); return }
    #expect(end == bytes.count - 1)
}

@Test("the walk visits every header with its offset and depth")
func scannerVisitsHeaders() {
    let bytes = hex("82 a1 61 91 01 a1 62 c7 01 05 aa")
    var s = ObjectScanner()
    s.reset(at: 0)
    var seen: [(Int, Int, RawHeader.Kind)] = []
    var end = -1
    bytes.withUnsafeBufferPointer { p in
        while true {
            switch s.step(p) {
            case .header(let h, let at, let depth): seen.append((at, depth, h.kind))
            case .complete(let e, _): end = e; return
            default: return
            }
        }
    }
    #expect(seen.map(\.0) == [0, 1, 3, 4, 5, 7])
    #expect(seen.map(\.1) == [0, 1, 1, 2, 1, 1])
    #expect(seen.map(\.2) == [.map, .str, .array, .scalar, .str, .ext])
    #expect(end == bytes.count)
}

@Test("the container stack agrees with a plain list of counts", arguments: 0..<4)
func containerStackModel(seed: Int) {
    var r = SplitMix(seed: UInt64(seed))
    var stack = ContainerStack()
    var model: [Int] = []
    for _ in 0..<5_000 {
        if model.isEmpty || r.next() % 3 == 0 {
            let items = 1 + Int(r.next() % 3)
            stack.push(items)
            model.append(items)
        } else {
            var done = true
            while let top = model.last {
                if top > 1 { model[model.count - 1] = top - 1; done = false; break }
                model.removeLast()
            }
            #expect(stack.finishItem() == done)
        }
        #expect(stack.openItems == model)
        #expect(stack.depth == model.count)
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let e) = self { return e }
        return nil
    }
}
