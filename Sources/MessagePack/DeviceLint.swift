/// One way the device would read a piece of MessagePack differently from the specification, or fail
/// on it (spec §2).
public struct LintFinding: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Comparable {
        case info, differs, refused, crash
        public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
        var rank: Int { switch self { case .info: 0; case .differs: 1; case .refused: 2; case .crash: 3 } }
    }

    /// Stable identifier (`uint-read-as-signed`, `bin32-length-overflow`, …).
    public var id: String
    public var offset: Int
    public var severity: Severity
    /// A sentence a user understands.
    public var message: String

    public var description: String { "\(severity) \(id) at offset \(offset): \(message)" }
}

/// The device lint: walks the headers of the bytes (no value is built, so hostile lengths cost
/// nothing) and reports every way the device would read them differently or fail, including the
/// known crash inputs. Walks iteratively, so any nesting depth is safe.
public enum DeviceLint {
    /// Nesting depth at which the device's recursive decoder overflows its C stack (spec §2).
    public static let crashDepth = 300
    /// bin/str/ext32 lengths from here up make the device's allocation size wrap.
    public static let lengthOverflowThreshold: UInt64 = 0xFFFF_FFF0
    public static let array32CrashCount: UInt64 = 0x3FFF_FFFE
    public static let map32CrashCount: UInt64 = 0x2000_0000

    /// Lints the objects in `bytes` back to back (stops at the first one that cannot be read).
    public static func lint(_ bytes: [UInt8], origin: Int = 0) -> [LintFinding] {
        var findings: [LintFinding] = []
        var pos = 0
        while pos < bytes.count {
            let (end, stop) = lintObject(bytes, at: pos, origin: origin, into: &findings)
            if stop { break }
            pos = end
        }
        return findings
    }

    /// Lints one object starting at `start`. Returns its end and whether linting must stop (the
    /// object could not be read to its end).
    static func lintObject(_ bytes: [UInt8], at start: Int, origin: Int, into f: inout [LintFinding]) -> (Int, Bool) {
        var scanner = ObjectScanner()
        scanner.reset(at: start)
        let end: Int? = bytes.withUnsafeBufferPointer { p in
            func truncated(_ o: Int, _ what: String) -> Int? {
                f.append(LintRule.truncated.finding(at: origin + o,
                    "\(what) is cut short: the device raises EOFError or \"short read\" and the stream is out of sync"))
                return nil
            }
            while true {
                switch scanner.step(p) {
                case .complete(let end, _): return end
                case .invalid(let o, _):
                    f.append(LintRule.invalidByte.finding(at: origin + o, LintRule.invalidByte.meaning))
                    return nil
                case .needsMore(let missing):
                    if missing == 0 { return truncated(start, "the object at offset \(origin + start)") }
                    return truncated(scanner.position, "the \(Format(byte: p[scanner.position])) header")
                case .header(let h, let at, let depth):
                    let stop = headerFindings(h, p, at: at, origin: origin, into: &f)
                    if stop { return nil }
                    if h.payloadLength > p.count - (at + h.headerLength) {
                        return truncated(at, "the \(h.format) payload of \(h.payloadLength) bytes")
                    }
                    let open = depth + (h.items > 0 ? 1 : 0)
                    if open >= crashDepth {
                        f.append(LintRule.nesting(open, at: origin + at))
                        return nil
                    }
                }
            }
        }
        guard let end else { return (scanner.position, true) }
        // The object is complete: check its maps' keys on the decoded tree.
        if let v = try? Decoder(options: DecodingOptions(maxDepth: crashDepth)).decodeNode(bytes, at: start, origin: origin) {
            mapKeys(v, add: { f.append($0) })
        }
        return (end, false)
    }

    /// The findings of one header read from the wire. Returns true when the device crashes on it
    /// (the lint stops there).
    private static func headerFindings(_ h: RawHeader, _ p: UnsafeBufferPointer<UInt8>, at: Int, origin: Int,
                               into f: inout [LintFinding]) -> Bool {
        let o = origin + at
        let cur = ByteCursor(p, origin: origin, dialect: .standard)
        switch h.firstByte {
        case 0xcc where p[at + 1] >= 0x80:
            f.append(LintRule.uintAsSigned(.uint8, UInt64(p[at + 1]), as: Int64(Int8(bitPattern: p[at + 1])), at: o))
        case 0xcd where p[at + 1] >= 0x80:
            let v = cur.be16(at + 1)
            f.append(LintRule.uintAsSigned(.uint16, UInt64(v), as: Int64(Int16(bitPattern: v)), at: o))
        case 0xce where p[at + 1] >= 0x80:
            let v = cur.be32(at + 1)
            f.append(LintRule.uintAsSigned(.uint32, UInt64(v), as: Int64(Int32(bitPattern: v)), at: o))
        case 0xcf, 0xd3, 0xcb:
            if let r = LintRule.refused64(h.format, at: o) { f.append(r) }
        case 0xd2:
            if let w = LintRule.int32Wrap(Int32(bitPattern: cur.be32(at + 1)), at: o) { f.append(w) }
        default: break
        }
        if h.kind == .ext, h.extType < 0 { f.append(LintRule.negativeExt(h.extType, at: o)) }
        let n = h.length
        let overflow: LintRule?
        switch h.firstByte {
        case 0xc6 where UInt64(n) >= lengthOverflowThreshold: overflow = .bin32LengthOverflow
        case 0xdb where UInt64(n) >= lengthOverflowThreshold: overflow = .str32LengthOverflow
        case 0xc9 where UInt64(n) >= lengthOverflowThreshold: overflow = .ext32LengthOverflow
        case 0xdd where UInt64(n) >= array32CrashCount: overflow = .array32CountOverflow
        case 0xdf where UInt64(n) >= map32CrashCount: overflow = .map32CountOverflow
        default: overflow = nil
        }
        guard let rule = overflow else { return false }
        let what = h.isContainer ? "count" : "length"
        let limit = h.firstByte == 0xdd ? " ≥ 0x3FFFFFFE" : h.firstByte == 0xdf ? " ≥ 0x20000000" : ""
        let effect = h.isContainer
            ? (h.firstByte == 0xdd ? "the device's allocation size wraps (heap corruption or crash)" : "the device's allocation size wraps (crash)")
            : "the device's allocation size wraps to a few bytes, then the payload overflows the heap (crash)"
        f.append(rule.finding(at: o, "\(h.format) \(what) 0x\(String(n, radix: 16))\(limit): \(effect)"))
        return true
    }

    /// False only when `lint(node:)` certainly finds nothing in the object whose bytes these are:
    /// no uint8/16/32 header with its top bit set, no int32, 64-bit or float64 header, no map with
    /// entries, no ext header whose type may be negative, too short to nest to the crash depth. Conservative (a payload's bytes may look
    /// like headers) and cheap, so a caller can skip building the node for most objects.
    package static func mayFind(in bytes: ArraySlice<UInt8>) -> Bool {
        if bytes.count >= crashDepth { return true }
        return bytes.withUnsafeBufferPointer { p in
            for i in 0..<p.count {
                switch p[i] {
                case 0x81...0x8f, 0xde, 0xdf, 0xcb, 0xcf, 0xd2, 0xd3, 0xc7...0xc9: return true
                case 0xcc...0xce, 0xd4...0xd8: if i + 1 >= p.count || p[i + 1] >= 0x80 { return true }
                default: break
                }
            }
            return false
        }
    }

    /// Lints an already decoded object (the dissector's path: no second decode). Reports the
    /// format differences and map-key findings; crash inputs cannot decode, so they do not occur.
    public static func lint(node: Node) -> [LintFinding] {
        var f: [LintFinding] = []
        formats(node, depth: 1, into: &f)
        if f.isEmpty, !hasMap(node) { return f }
        mapKeys(node, add: { f.append($0) })
        return f
    }

    /// Is there a map with entries (an empty one can have no key problem)?
    private static func hasMap(_ n: Node) -> Bool {
        switch n.content {
        case .scalar: return false
        case .map(let m): return !m.isEmpty
        case .array(let a): return a.contains(where: hasMap)
        }
    }

    private static func formats(_ n: Node, depth: Int, into f: inout [LintFinding]) {
        let o = n.offset
        switch (n.format, n.content) {
        case (.uint8, .scalar(.int(let v))) where v >= 0x80:
            f.append(LintRule.uintAsSigned(.uint8, UInt64(v), as: Int64(Int8(truncatingIfNeeded: v)), at: o))
        case (.uint16, .scalar(.int(let v))) where v >= 0x8000:
            f.append(LintRule.uintAsSigned(.uint16, UInt64(v), as: Int64(Int16(truncatingIfNeeded: v)), at: o))
        case (.uint32, .scalar(.int(let v))) where v >= 0x8000_0000:
            f.append(LintRule.uintAsSigned(.uint32, UInt64(v), as: Int64(Int32(truncatingIfNeeded: v)), at: o))
        case (.uint64, _), (.int64, _), (.float64, _):
            if let r = LintRule.refused64(n.format, at: o) { f.append(r) }
        case (.int32, .scalar(.int(let v))):
            if let w = LintRule.int32Wrap(Int32(truncatingIfNeeded: v), at: o) { f.append(w) }
        case (_, .scalar(.ext(let t, _))) where t < 0:
            f.append(LintRule.negativeExt(t, at: o))
        case (_, .scalar(.timestamp)):
            f.append(LintRule.extCodeNegative.finding(at: o,
                "a timestamp (ext type 0xff) is read by the device as ext code -1, outside 0…127: the server rejects it"))
        default: break
        }
        var isContainer = true
        if case .scalar = n.content { isContainer = false }
        if depth == crashDepth && isContainer { f.append(LintRule.nesting(crashDepth, at: o)) }
        for c in n.children { formats(c, depth: depth + 1, into: &f) }
    }

    private static func mapKeys(_ n: Node, add: (LintFinding) -> Void) {
        switch n.content {
        case .scalar: return
        case .array(let a): for c in a { mapKeys(c, add: add) }
        case .map(let m):
            var seen: [MessagePackValue: Int] = [:]
            for e in m {
                switch e.key.value {
                case .array, .map:
                    add(LintRule.unhashableMapKey.finding(at: e.key.offset,
                        "a \(e.key.value.kindName) used as a map key is unhashable on the device: TypeError, the stream is out of sync"))
                default:
                    let k = e.key.value
                    if let first = seen[k] {
                        add(LintRule.duplicateMapKey.finding(at: e.key.offset,
                            "key \(ValueFormatter().format(e.key.value)) repeats the key at offset \(first): the device keeps the last value"))
                    } else { seen[k] = e.key.offset }
                }
                mapKeys(e.key, add: add)
                mapKeys(e.value, add: add)
            }
        }
    }
}
