import MessagePack
import URPC

/// Structure-aware mutations: the input is decoded to a node tree (`Decoder.decodeNode` gives each
/// object's wire format and byte range), one node is chosen and its bytes are rewritten in place, so
/// the rest of the input keeps its exact encoding. Inputs that do not decode to at least one object
/// are left to the byte mutators.
package enum StructureMutators {
    /// Numbers at the edges of every integer format and of the device's 31-bit small ints.
    static let boundaryInts: [Int64] = [
        0, 1, -1, 127, 128, -31, -32, -33, 255, 256, -128, -129, 32767, 32768, -32768, -32769, 65535, 65536,
        (1 << 30) - 1, 1 << 30, -(1 << 30), -(1 << 30) - 1, Int64(Int32.max), Int64(Int32.max) + 1,
        Int64(Int32.min), Int64(Int32.min) - 1, Int64(UInt32.max), Int64(UInt32.max) + 1, Int64.max, Int64.min,
    ]
    static let boundaryFloats: [UInt32] = [0x7fc0_0000, 0x7f80_0000, 0xff80_0000, 0x8000_0000, 0x0000_0001, 0x7f7f_ffff, 0x3f80_0000]
    static let lengthLies: [UInt32] = [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0x2000_0000, 0x3fff_fffe, 0x4000_0000, 0xffff_fff0, 0xffff_ffff]
    static let extCodes: [UInt8] = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xff, 0xfe]
    /// Small objects of every type, for type changes.
    static let palette: [[UInt8]] = [
        [0xc0], [0xc2], [0xc3], [0x00], [0x7f], [0xff], [0xe0], [0xcc, 0xff], [0xd0, 0x80], [0xd2, 0x40, 0, 0, 0],
        [0xca, 0x3f, 0xc0, 0, 0], [0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0], [0xa0], [0xa2, 0x63, 0x6d], [0xc4, 0x00],
        [0xc4, 0x04, 0, 0, 0, 1], [0x90], [0x91, 0xc0], [0x80], [0x81, 0xa1, 0x61, 0x01],
        WireForm.proxy(1), [0xd4, 0xff, 0x00], [0xc7, 0x00, UInt8(bitPattern: ExtCode.console)],
        [0xd5, UInt8(bitPattern: ExtCode.console), 0x0d, 0x0a],
        [0xd6, 0xff, 0, 0, 0, 0], [0xc1],
    ]

    static let decoder = Decoder(options: DecodingOptions(maxDepth: 512))

    /// All nodes of the objects decoded from the input, outermost first.
    static func nodes(_ b: [UInt8]) -> [Node] {
        let (tops, _) = decoder.decodeAll(b)
        var out: [Node] = []
        var stack = tops.reversed() as [Node]
        while let n = stack.popLast() {
            out.append(n)
            stack.append(contentsOf: n.children.reversed())
        }
        return out
    }

    static func pick(_ b: [UInt8], _ c: inout MutationContext, where ok: (Node) -> Bool) -> Node? {
        let all = nodes(b).filter(ok)
        return all.isEmpty ? nil : all[c.random.below(all.count)]
    }

    static func isInt(_ n: Node) -> Bool {
        switch n.format {
        case .positiveFixint, .negativeFixint, .uint8, .uint16, .uint32, .uint64, .int8, .int16, .int32, .int64: return true
        default: return false
        }
    }

    // MARK: encoding helpers

    static func be(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> UInt64(8 * (n - 1 - $0))) } }

    /// Every encoding of `v` (standard reading): fixint, and each uint/int width that holds it.
    static func intEncodings(_ v: Int64) -> [[UInt8]] {
        var out: [[UInt8]] = []
        if v >= 0 && v < 128 { out.append([UInt8(v)]) }
        if v >= -32 && v < 0 { out.append([UInt8(bitPattern: Int8(v))]) }
        if v >= 0 {
            if v <= 0xff { out.append([0xcc] + be(UInt64(v), 1)) }
            if v <= 0xffff { out.append([0xcd] + be(UInt64(v), 2)) }
            if v <= 0xffff_ffff { out.append([0xce] + be(UInt64(v), 4)) }
            out.append([0xcf] + be(UInt64(v), 8))
        }
        if v >= -128 && v <= 127 { out.append([0xd0] + be(UInt64(bitPattern: v), 1)) }
        if v >= -32768 && v <= 32767 { out.append([0xd1] + be(UInt64(bitPattern: v), 2)) }
        if v >= Int64(Int32.min) && v <= Int64(Int32.max) { out.append([0xd2] + be(UInt64(bitPattern: v), 4)) }
        out.append([0xd3] + be(UInt64(bitPattern: v), 8))
        return out
    }

    /// A header for a str/bin/array/map/ext of `n` items or bytes in the given width class
    /// (0 = fix, 1 = 8-bit, 2 = 16-bit, 3 = 32-bit); nil when that width does not exist or cannot hold n.
    static func header(kind: Format, count n: UInt32, width: Int, extType: UInt8 = 0) -> [UInt8]? {
        switch (kind, width) {
        case (.fixstr, 0), (.str8, 0), (.str16, 0), (.str32, 0): return n < 32 ? [0xa0 | UInt8(n)] : nil
        case (.fixstr, 1), (.str8, 1), (.str16, 1), (.str32, 1): return n <= 0xff ? [0xd9, UInt8(n)] : nil
        case (.fixstr, 2), (.str8, 2), (.str16, 2), (.str32, 2): return n <= 0xffff ? [0xda] + be(UInt64(n), 2) : nil
        case (.fixstr, 3), (.str8, 3), (.str16, 3), (.str32, 3): return [0xdb] + be(UInt64(n), 4)
        case (.bin8, 1), (.bin16, 1), (.bin32, 1): return n <= 0xff ? [0xc4, UInt8(n)] : nil
        case (.bin8, 2), (.bin16, 2), (.bin32, 2): return n <= 0xffff ? [0xc5] + be(UInt64(n), 2) : nil
        case (.bin8, 3), (.bin16, 3), (.bin32, 3): return [0xc6] + be(UInt64(n), 4)
        case (.fixarray, 0), (.array16, 0), (.array32, 0): return n < 16 ? [0x90 | UInt8(n)] : nil
        case (.fixarray, 2), (.array16, 2), (.array32, 2): return n <= 0xffff ? [0xdc] + be(UInt64(n), 2) : nil
        case (.fixarray, 3), (.array16, 3), (.array32, 3): return [0xdd] + be(UInt64(n), 4)
        case (.fixmap, 0), (.map16, 0), (.map32, 0): return n < 16 ? [0x80 | UInt8(n)] : nil
        case (.fixmap, 2), (.map16, 2), (.map32, 2): return n <= 0xffff ? [0xde] + be(UInt64(n), 2) : nil
        case (.fixmap, 3), (.map16, 3), (.map32, 3): return [0xdf] + be(UInt64(n), 4)
        default: break
        }
        if isExt(kind) {
            switch width {
            case 0:
                let fix: [UInt32: UInt8] = [1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8]
                return fix[n].map { [$0, extType] }
            case 1: return n <= 0xff ? [0xc7, UInt8(n), extType] : nil
            case 2: return n <= 0xffff ? [0xc8] + be(UInt64(n), 2) + [extType] : nil
            default: return [0xc9] + be(UInt64(n), 4) + [extType]
            }
        }
        return nil
    }

    static func isExt(_ f: Format) -> Bool {
        switch f {
        case .ext8, .ext16, .ext32, .fixext1, .fixext2, .fixext4, .fixext8, .fixext16: return true
        default: return false
        }
    }

    /// 0 = fix, 1 = 8-bit, 2 = 16-bit, 3 = 32-bit length field.
    static func widthClass(_ f: Format) -> Int {
        switch f {
        case .str8, .bin8, .ext8: return 1
        case .str16, .bin16, .ext16, .array16, .map16: return 2
        case .str32, .bin32, .ext32, .array32, .map32: return 3
        default: return 0
        }
    }

    static func isSized(_ n: Node) -> Bool {
        switch n.format {
        case .fixstr, .str8, .str16, .str32, .bin8, .bin16, .bin32, .fixarray, .array16, .array32,
             .fixmap, .map16, .map32: return true
        default: return isExt(n.format)
        }
    }

    /// The declared length or count of a sized node, and its ext type byte.
    static func declared(_ n: Node, _ b: [UInt8]) -> (UInt32, UInt8) {
        switch n.content {
        case .array(let a): return (UInt32(a.count), 0)
        case .map(let m): return (UInt32(m.count), 0)
        case .scalar:
            let payload = UInt32(n.end - n.offset - n.headerLength)
            return (payload, isExt(n.format) ? b[n.offset + n.headerLength - 1] : 0)
        }
    }

    static func replace(_ b: inout [UInt8], _ r: Range<Int>, _ with: [UInt8]) { b.replaceSubrange(r, with: with) }

    // MARK: the mutators

    package static let all: [Mutator] = [
        Mutator("node-change-type", .structure) { b, c in
            guard let n = pick(b, &c, where: { _ in true }) else { return false }
            replace(&b, n.range, palette[c.random.below(palette.count)]); return true
        },
        Mutator("node-change-width", .structure) { b, c in
            guard let n = pick(b, &c, where: { isInt($0) || isSized($0) || $0.format == .float32 || $0.format == .float64 }) else { return false }
            if isInt(n) {
                guard case .scalar(let v) = n.content, let i = v.intValue else {
                    // uint64 above Int64.max: only cf holds it; turn it into int64 bits instead.
                    replace(&b, n.headerRange, [0xd3]); return true
                }
                let encs = intEncodings(i)
                replace(&b, n.range, encs[c.random.below(encs.count)]); return true
            }
            if n.format == .float32, case .scalar(.float(let f)) = n.content {
                replace(&b, n.range, [0xcb] + be(Double(f).bitPattern, 8)); return true
            }
            if n.format == .float64, case .scalar(.double(let d)) = n.content {
                replace(&b, n.range, [0xca] + be(UInt64(Float(d).bitPattern), 4)); return true
            }
            let (count, type) = declared(n, b)
            for _ in 0..<4 {
                if let h = header(kind: n.format, count: count, width: c.random.below(4), extType: type) {
                    replace(&b, n.headerRange, h); return true
                }
            }
            return false
        },
        Mutator("length-lie", .structure) { b, c in
            guard let n = pick(b, &c, where: isSized) else { return false }
            let (count, type) = declared(n, b)
            let lie: UInt32
            switch c.random.below(4) {
            case 0: lie = count &+ 1
            case 1: lie = count &- 1
            case 2: lie = count &* 2
            default: lie = lengthLies[c.random.below(lengthLies.count)]
            }
            // Keep the width when it holds the lie, else the next width that does.
            for w in widthClass(n.format)..<4 {
                if let h = header(kind: n.format, count: lie, width: w, extType: type) {
                    replace(&b, n.headerRange, h); return true
                }
            }
            return false
        },
        Mutator("deepen-nesting", .structure) { b, c in
            guard let n = pick(b, &c, where: { _ in true }) else { return false }
            let depth = c.random.oneIn(8) ? 250 + c.random.below(100) : 1 + c.random.below(8)
            var wrapped: [UInt8] = c.random.oneIn(4)
                ? Array(repeating: [0x81, 0xc0], count: depth).flatMap { $0 }  // {nil: {nil: …}}
                : Array(repeating: 0x91, count: depth)
            wrapped.append(contentsOf: b[n.range])
            replace(&b, n.range, wrapped); return true
        },
        Mutator("map-duplicate-key", .structure) { b, c in
            guard let n = pick(b, &c, where: { if case .map(let m) = $0.content { return !m.isEmpty && m.count < 0xffff } else { return false } }),
                  case .map(let m) = n.content else { return false }
            let e = m[c.random.below(m.count)]
            let entry = Array(b[e.key.offset..<e.value.end])
            let h = header(kind: n.format, count: UInt32(m.count + 1), width: m.count + 1 < 16 && n.format == .fixmap ? 0 : (n.format == .map32 ? 3 : 2))!
            b.insert(contentsOf: entry, at: e.value.end)
            replace(&b, n.headerRange, h); return true
        },
        Mutator("map-reorder-keys", .structure) { b, c in
            guard let n = pick(b, &c, where: { if case .map(let m) = $0.content { return m.count >= 2 } else { return false } }),
                  case .map(var m) = n.content else { return false }
            let i = c.random.below(m.count)
            var j = c.random.below(m.count - 1)
            if j >= i { j += 1 }
            m.swapAt(i, j)
            var payload: [UInt8] = []
            for e in m { payload.append(contentsOf: b[e.key.offset..<e.value.end]) }
            replace(&b, n.payloadRange, payload); return true
        },
        Mutator("ext-change-code", .structure) { b, c in
            guard let n = pick(b, &c, where: { isExt($0.format) }) else { return false }
            let code = c.random.oneIn(4) ? c.random.byte() : extCodes[c.random.below(extCodes.count)]
            b[n.offset + n.headerLength - 1] = code; return true
        },
        Mutator("ext-change-size", .structure) { b, c in
            guard let n = pick(b, &c, where: { isExt($0.format) }) else { return false }
            let (_, type) = declared(n, b)
            let sizes: [UInt32] = [0, 1, 2, 3, 4, 5, 8, 16, 17, 255, 256]
            let size = sizes[c.random.below(sizes.count)]
            let old = Array(b[n.payloadRange])
            var payload = [UInt8](repeating: 0, count: Int(size))
            for k in 0..<Int(size) { payload[k] = k < old.count ? old[k] : c.random.byte() }
            var h: [UInt8]? = nil
            for w in [0, 1, 2, 3] where h == nil { h = header(kind: .ext8, count: size, width: w, extType: type) }
            replace(&b, n.range, h! + payload); return true
        },
        Mutator("numeric-boundary", .structure) { b, c in
            guard let n = pick(b, &c, where: { isInt($0) || $0.format == .float32 || $0.format == .float64 }) else { return false }
            if c.random.oneIn(4) {
                let f = boundaryFloats[c.random.below(boundaryFloats.count)]
                replace(&b, n.range, [0xca] + be(UInt64(f), 4)); return true
            }
            let v = boundaryInts[c.random.below(boundaryInts.count)]
            let encs = intEncodings(v)
            replace(&b, n.range, encs[c.random.below(encs.count)]); return true
        },
        Mutator("encode-device-dialect", .structure) { b, c in reencode(&b, decoder, .device) },
        Mutator("encode-standard-dialect", .structure) { b, c in reencode(&b, Decoder(options: .device), .standard) },
        Mutator("array-duplicate-element", .structure) { b, c in
            guard let n = pick(b, &c, where: { if case .array(let a) = $0.content { return !a.isEmpty && a.count < 0xffff } else { return false } }),
                  case .array(let a) = n.content else { return false }
            let e = a[c.random.below(a.count)]
            let h = header(kind: n.format, count: UInt32(a.count + 1), width: a.count + 1 < 16 && n.format == .fixarray ? 0 : (n.format == .array32 ? 3 : 2))!
            b.insert(contentsOf: b[e.range], at: e.end)
            replace(&b, n.headerRange, h); return true
        },
    ]
}

/// The objects of `b` read by `decoder` and written again in `dialect`; false when nothing decodes,
/// a value cannot be written in that dialect, or the bytes come out the same.
private func reencode(_ b: inout [UInt8], _ decoder: Decoder, _ dialect: Dialect) -> Bool {
    let (values, _) = decoder.decodeAllValues(b)
    guard !values.isEmpty else { return false }
    var out: [UInt8] = []
    let enc = Encoder(dialect: dialect)
    for v in values { do { try enc.encode(v, into: &out) } catch { return false } }
    guard out != b else { return false }
    b = out
    return true
}
