import MessagePack
import MsgscopeTestSupport
import Testing

/// The printers' two walks, from wire bytes and from decoded values, write the same bytes: compact
/// and JSON, with and without a protocol's ext rendering, on random objects, re-encoded in wider
/// formats, vectors, edge cases and random bytes; bytes that do not decode print nothing.

private let proxyFormatter = ValueFormatter(extWriter: { t, d, w in
    guard t == 1, d.count == 4 else { return false }
    w.byte(0x50); w.decimal(UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3]))
    return true
}, maxBytes: 8)
private let proxyJSON = JSONMapping(extWriter: { t, d, w in
    guard t == 1, d.count == 4 else { return false }
    w.literal("{\"$proxy\":"); w.decimal(Int64(d[3])); w.byte(0x7d)
    return true
})
private let renderers = (ValueFormatter(extRenderer: { t, d in t == 5 ? "five(\(d.count))" : nil }),
                         JSONMapping(extRenderer: { t, d in t == 5 ? "\"five\(d.count)\"" : nil }))

/// Checks both walks on `bytes`: equal output when they decode to one object, else the wire walk
/// writes nothing and says so.
private func check(_ bytes: [UInt8], _ note: @autoclosure () -> String = "") {
    let decoded: MessagePackValue? = {
        guard let (v, end) = try? Decoder().decodeValue(bytes), end == bytes.count else { return nil }
        return v
    }()
    let formatters = [ValueFormatter(), proxyFormatter, renderers.0]
    let mappings = [JSONMapping(), proxyJSON, renderers.1]
    for (f, j) in zip(formatters, mappings) {
        var w = ByteWriter()
        w.literal("x")
        let ok = f.write(wire: bytes[...], into: &w)
        var jw = ByteWriter()
        let jok = j.write(wire: bytes[...], into: &jw)
        #expect(ok == (decoded != nil) && jok == ok, "\(Hex.string(bytes)) \(note())")
        guard let v = decoded else {
            #expect(w.string == "x" && jw.isEmpty)
            continue
        }
        #expect(w.string == "x" + f.format(v), "\(Hex.string(bytes)) \(note())")
        #expect(jw.string == j.json(v), "\(Hex.string(bytes)) \(note())")
    }
}

/// Values the shared generator does not make: str keys (equal, canonically equal, invalid),
/// invalid strs, timestamps valid or not, proxies, escapes.
private func edgeValue(_ r: inout SplitMix, depth: Int = 0) -> MessagePackValue {
    let keys: [MessagePackValue] = [
        "a", "b", "a", "", "K", "\u{212A}", "é", "e\u{301}", "\u{1F600}", .invalidString([0xff]),
        .invalidString([0xc3]), 1, .nil, "\"\\\n\u{7f}", .binary([1]),
    ]
    switch Int(r.next() % (depth > 4 ? 8 : 11)) {
    case 0: return keys[Int(r.next() % UInt64(keys.count))]
    case 1: return .invalidString(ArraySlice((0..<Int(r.next() % 40)).map { _ in UInt8(truncatingIfNeeded: r.next() | 0x80) }))
    case 2:
        let lens = [4, 8, 12, 3]
        let n = lens[Int(r.next() % 4)]
        var d = (0..<n).map { _ in UInt8(truncatingIfNeeded: r.next()) }
        if r.next() % 2 == 0, n >= 8 { d[0] = 0 }   // nanoseconds in range, sometimes
        return .ext(type: -1, data: ArraySlice(d))
    case 3: return .ext(type: 1, data: ArraySlice((0..<(r.next() % 3 == 0 ? 3 : 4)).map { _ in UInt8(truncatingIfNeeded: r.next()) }))
    case 4: return .ext(type: 5, data: [1, 2])
    case 5: return .float([Float.nan, .infinity, -.infinity, 0, -0.0, 1.5, .leastNonzeroMagnitude][Int(r.next() % 7)])
    case 6: return .double([Double.nan, .infinity, -.infinity, -0.0, 1e300, 0.1][Int(r.next() % 6)])
    case 7: return .timestamp(seconds: Int64(bitPattern: r.next()) >> Int64(r.next() % 60), nanoseconds: UInt32(r.next() % 1_000_000_000))
    case 8: return .array((0..<Int(r.next() % 4)).map { _ in edgeValue(&r, depth: depth + 1) })
    default:
        return .map((0..<Int(r.next() % 5)).map { _ in
            (key: r.next() % 5 == 0 ? edgeValue(&r, depth: depth + 1) : keys[Int(r.next() % UInt64(keys.count))],
             value: edgeValue(&r, depth: depth + 1))
        })
    }
}

/// The same object with its integers and lengths in wider formats than the smallest.
private func widened(_ v: MessagePackValue, _ r: inout SplitMix) -> [UInt8] {
    func be(_ x: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: x >> UInt64(8 * (n - 1 - $0))) } }
    switch v {
    case .int(let i) where i >= 0 && i < 256: return r.next() % 2 == 0 ? [0xcd] + be(UInt64(i), 2) : [0xd1] + be(UInt64(i), 2)
    case .int(let i) where i < 0 && i >= -32768: return [0xd3] + be(UInt64(bitPattern: i), 8)
    case .int(let i) where i >= 0: return [0xcf] + be(UInt64(i), 8)
    case .string(let s): return [0xdb] + be(UInt64(s.utf8.count), 4) + Array(s.utf8)
    case .binary(let b): return [0xc6] + be(UInt64(b.count), 4) + Array(b)
    case .ext(let t, let d): return [0xc9] + be(UInt64(d.count), 4) + [UInt8(bitPattern: t)] + Array(d)
    case .array(let a): return [0xdd] + be(UInt64(a.count), 4) + a.flatMap { widened($0, &r) }
    case .map(let m): return [0xdf] + be(UInt64(m.count), 4) + m.flatMap { widened($0.key, &r) + widened($0.value, &r) }
    default: return (try? Encoder().encode(v)) ?? []
    }
}

@Test("the wire walk writes what the value walk writes, on random objects in any width")
func wireWalkMatchesValueWalk() throws {
    var r = SplitMix(seed: 0x5EED_0015)
    for i in 0..<1500 {
        let v = i % 2 == 0 ? randomValue(&r, device: false) : edgeValue(&r)
        let bytes = try Encoder().encode(v)
        check(bytes, "value \(i)")
        check(widened(v, &r), "widened \(i)")
    }
    for v in vectors { check(hex(v.hex), "vector") }
    for (h, _) in jsonCases { check(hex(h), "JSON case") }
}

@Test("maps: objects only for distinct valid str keys, as String equality sees them")
func wireMapsDecideObjects() throws {
    // K and KELVIN SIGN are equal Strings; é precomposed and decomposed too.
    let cases: [([MessagePackValue], String)] = [
        (["K", "\u{212A}"], "{\"$map\":"), (["é", "e\u{301}"], "{\"$map\":"), (["a", "b"], "{\"a\""),
        (["a", .invalidString([0xff])], "{\"$map\":"), ([.invalidString([0xff])], "{\"$map\":"),
    ]
    for (keys, prefix) in cases {
        let bytes = try Encoder().encode(.map(keys.map { (key: $0, value: .map([(key: "x", value: 1), (key: "x", value: 2)])) }))
        var w = ByteWriter()
        #expect(JSONMapping().write(wire: bytes[...], into: &w))
        #expect(w.string.hasPrefix(prefix))
        check(bytes)
    }
    // Many keys (past the pairwise comparison) and maps nested in keys and values.
    let many = MessagePackValue.map((0..<40).map { (key: .string("k\($0 % 39)"), value: .int(Int64($0))) })
    let distinct = MessagePackValue.map((0..<40).map { (key: .string("k\($0)"), value: .map([(key: "a", value: 1), (key: "b", value: 2)])) })
    let inKeys = MessagePackValue.map([(key: many, value: distinct), (key: distinct, value: many), (key: "z", value: .nil)])
    for v in [many, distinct, inKeys, .array([inKeys, inKeys])] { check(try Encoder().encode(v)) }
}

@Test("bytes that are not one object print nothing: cut, invalid, too deep, left over, random")
func wireWalkRefuses() throws {
    var r = SplitMix(seed: 77)
    for _ in 0..<300 {
        let bytes = try Encoder().encode(edgeValue(&r))
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 7)) { check(Array(bytes[..<cut])) }
        check(bytes + [0xc0])
        check([0x92, 0xc1] + bytes)
    }
    check([UInt8](repeating: 0x91, count: 512) + [0xc0])   // 512 deep: decodes
    check([UInt8](repeating: 0x91, count: 513) + [0xc0])   // 513: beyond the limit
    check([UInt8](repeating: 0x81, count: 600) + [0xc0])
    check([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0])            // a count far beyond the bytes
    check([0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61, 0xc0, 0xa1, 0x62])
    for _ in 0..<3000 {
        let n = Int(r.next() % 24)
        check((0..<n).map { _ in
            let b = UInt8(truncatingIfNeeded: r.next())
            return r.next() % 3 == 0 ? b & 0x9f : b   // more small containers and fixints
        })
    }
}

@Test("long payloads are cut after maxBytes in compact text, never in JSON")
func wireWalkClips() throws {
    let v = MessagePackValue.array([.binary(ArraySlice(0..<40)), .invalidString(ArraySlice(repeating: 0xff, count: 33)),
                                    .ext(type: 9, data: ArraySlice(repeating: 1, count: 33))])
    let bytes = try Encoder().encode(v)
    var w = ByteWriter()
    #expect(ValueFormatter().write(wire: bytes[...], into: &w))
    #expect(w.string.contains("…(40 bytes)") && w.string.contains("…(33 bytes)"))
    check(bytes)
    for m in [0, 1, 32] {
        var a = ByteWriter(), b = ByteWriter()
        let f = ValueFormatter(maxBytes: m)
        #expect(f.write(wire: bytes[...], into: &a))
        f.write(v, into: &b)
        #expect(a.string == b.string)
    }
}
