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
        bytes.withUnsafeBufferPointer { p in
            let cur = ByteCursor(p, origin: origin, dialect: .standard)
            var pos = start
            var remaining: [Int] = []   // items left in each open container
            var maxDepthReported = false
            func add(_ id: String, _ o: Int, _ s: LintFinding.Severity, _ m: String) {
                f.append(LintFinding(id: id, offset: origin + o, severity: s, message: m))
            }
            func truncated(_ o: Int, _ what: String) -> (Int, Bool) {
                add("truncated", o, .refused,
                    "\(what) is cut short: the device raises EOFError or \"short read\" and the stream is out of sync")
                return (pos, true)
            }
            while true {
                guard pos < p.count else { return truncated(start, "the object at offset \(origin + start)") }
                let b = p[pos]
                let at = pos
                let header: Header
                let hl: Int
                do throws(DecodingError) {
                    (header, hl) = try cur.header(at: pos)
                } catch {
                    switch error {
                    case .invalidByte:
                        add("invalid-byte", at, .refused, "byte 0xc1 is never used in MessagePack: the device raises NotImplementedError")
                    default:
                        return truncated(at, "the \(Format(byte: b)) header")
                    }
                    return (pos, true)
                }
                pos += hl
                switch b {
                case 0xcc where p[at + 1] >= 0x80:
                    add("uint-read-as-signed", at, .differs,
                        "uint8 \(p[at + 1]) is read by the device as \(Int8(bitPattern: p[at + 1]))")
                case 0xcd where p[at + 1] >= 0x80:
                    let v = cur.be16(at + 1)
                    add("uint-read-as-signed", at, .differs, "uint16 \(v) is read by the device as \(Int16(bitPattern: v))")
                case 0xce where p[at + 1] >= 0x80:
                    let v = cur.be32(at + 1)
                    add("uint-read-as-signed", at, .differs, "uint32 \(v) is read by the device as \(Int32(bitPattern: v))")
                case 0xcf:
                    add("uint64-refused", at, .refused, "uint64 is not implemented on the device (NotImplementedError); the stream is out of sync")
                case 0xd3:
                    add("int64-refused", at, .refused, "int64 is not implemented on the device (NotImplementedError); the stream is out of sync")
                case 0xcb:
                    add("float64-refused", at, .refused, "float64 is not implemented on the device (NotImplementedError); the stream is out of sync")
                case 0xd2:
                    let v = Int32(bitPattern: cur.be32(at + 1))
                    if v >= (1 << 30) || v < -(1 << 30) {
                        add("int32-wraps", at, .differs,
                            "int32 \(v) is beyond ±2^30: the 32-bit device wraps it silently to \((v << 1) >> 1)")
                    }
                default: break
                }
                switch header {
                case .value:
                    break
                case .str(let n), .bin(let n), .ext(_, let n):
                    if case .ext(let t, _) = header, t < 0 {
                        add("ext-code-negative", at, .differs,
                            "ext type byte 0x\(String(UInt8(bitPattern: t), radix: 16)) is read by the device as code \(t), outside 0…127: the server rejects it")
                    }
                    if (b == 0xc6 || b == 0xdb || b == 0xc9) && UInt64(n) >= lengthOverflowThreshold {
                        let kind = b == 0xc6 ? "bin32" : b == 0xdb ? "str32" : "ext32"
                        add("\(kind)-length-overflow", at, .crash,
                            "\(kind) length 0x\(String(n, radix: 16)): the device's allocation size wraps to a few bytes, then the payload overflows the heap (crash)")
                        return (pos, true)
                    }
                    if n > p.count - pos { return truncated(at, "the \(Format(byte: b)) payload of \(n) bytes") }
                    pos += n
                case .array(let n):
                    if b == 0xdd && UInt64(n) >= array32CrashCount {
                        add("array32-count-overflow", at, .crash,
                            "array32 count 0x\(String(n, radix: 16)) ≥ 0x3FFFFFFE: the device's allocation size wraps (heap corruption or crash)")
                        return (pos, true)
                    }
                    if n > 0 { remaining.append(n); }
                case .map(let n):
                    if b == 0xdf && UInt64(n) >= map32CrashCount {
                        add("map32-count-overflow", at, .crash,
                            "map32 count 0x\(String(n, radix: 16)) ≥ 0x20000000: the device's allocation size wraps (crash)")
                        return (pos, true)
                    }
                    if n > 0 { remaining.append(2 * n) }
                }
                if remaining.count >= crashDepth && !maxDepthReported {
                    maxDepthReported = true
                    add("nesting-overflow", at, .crash,
                        "containers nested \(remaining.count) deep: the device's recursive decoder has no depth limit and overflows its C stack at about \(crashDepth) (crash)")
                    return (pos, true)
                }
                // The item just read is complete unless it opened a non-empty container.
                var opened = false
                switch header {
                case .array(let n), .map(let n): opened = n > 0
                default: break
                }
                if !opened {
                    while let top = remaining.last {
                        if top > 1 { remaining[remaining.count - 1] = top - 1; break }
                        remaining.removeLast()
                    }
                }
                if remaining.isEmpty && !opened {
                    // The object is complete: check its maps' keys on the decoded tree.
                    if let v = try? Decoder(options: DecodingOptions(maxDepth: crashDepth)).decodeNode(bytes, at: start, origin: origin) {
                        mapKeys(v, add: { id, o, s, m in f.append(LintFinding(id: id, offset: o, severity: s, message: m)) })
                    }
                    return (pos, false)
                }
            }
        }
    }

    /// Lints an already decoded object (the dissector's path: no second decode). Reports the
    /// format differences and map-key findings; crash inputs cannot decode, so they do not occur.
    public static func lint(node: Node) -> [LintFinding] {
        var f: [LintFinding] = []
        formats(node, depth: 1, into: &f)
        if f.isEmpty, !hasMap(node) { return f }
        mapKeys(node, add: { id, o, s, m in f.append(LintFinding(id: id, offset: o, severity: s, message: m)) })
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
            f.append(LintFinding(id: "uint-read-as-signed", offset: o, severity: .differs, message: "uint8 \(v) is read by the device as \(Int8(truncatingIfNeeded: v))"))
        case (.uint16, .scalar(.int(let v))) where v >= 0x8000:
            f.append(LintFinding(id: "uint-read-as-signed", offset: o, severity: .differs, message: "uint16 \(v) is read by the device as \(Int16(truncatingIfNeeded: v))"))
        case (.uint32, .scalar(.int(let v))) where v >= 0x8000_0000:
            f.append(LintFinding(id: "uint-read-as-signed", offset: o, severity: .differs, message: "uint32 \(v) is read by the device as \(Int32(truncatingIfNeeded: v))"))
        case (.uint64, _):
            f.append(LintFinding(id: "uint64-refused", offset: o, severity: .refused, message: "uint64 is not implemented on the device (NotImplementedError); the stream is out of sync"))
        case (.int64, _):
            f.append(LintFinding(id: "int64-refused", offset: o, severity: .refused, message: "int64 is not implemented on the device (NotImplementedError); the stream is out of sync"))
        case (.float64, _):
            f.append(LintFinding(id: "float64-refused", offset: o, severity: .refused, message: "float64 is not implemented on the device (NotImplementedError); the stream is out of sync"))
        case (.int32, .scalar(.int(let v))) where v >= (1 << 30) || v < -(1 << 30):
            let w = (Int32(truncatingIfNeeded: v) << 1) >> 1
            f.append(LintFinding(id: "int32-wraps", offset: o, severity: .differs, message: "int32 \(v) is beyond ±2^30: the 32-bit device wraps it silently to \(w)"))
        case (_, .scalar(.ext(let t, _))) where t < 0:
            f.append(LintFinding(id: "ext-code-negative", offset: o, severity: .differs, message: "ext type byte 0x\(String(UInt8(bitPattern: t), radix: 16)) is read by the device as code \(t), outside 0…127: the server rejects it"))
        case (_, .scalar(.timestamp)):
            f.append(LintFinding(id: "ext-code-negative", offset: o, severity: .differs, message: "a timestamp (ext type 0xff) is read by the device as ext code -1, outside 0…127: the server rejects it"))
        default: break
        }
        var isContainer = true
        if case .scalar = n.content { isContainer = false }
        if depth == crashDepth && isContainer {
            f.append(LintFinding(id: "nesting-overflow", offset: o, severity: .crash, message: "containers nested \(crashDepth) deep: the device's recursive decoder has no depth limit and overflows its C stack (crash)"))
        }
        for c in n.children { formats(c, depth: depth + 1, into: &f) }
    }

    private static func mapKeys(_ n: Node, add: (String, Int, LintFinding.Severity, String) -> Void) {
        switch n.content {
        case .scalar: return
        case .array(let a): for c in a { mapKeys(c, add: add) }
        case .map(let m):
            var seen: [MessagePackValue: Int] = [:]
            for e in m {
                switch e.key.value {
                case .array, .map:
                    add("unhashable-map-key", e.key.offset, .refused,
                        "a \(e.key.value.kindName) used as a map key is unhashable on the device: TypeError, the stream is out of sync")
                default:
                    let k = e.key.value
                    if let first = seen[k] {
                        add("duplicate-map-key", e.key.offset, .differs,
                            "key \(ValueFormatter().format(e.key.value)) repeats the key at offset \(first): the device keeps the last value")
                    } else { seen[k] = e.key.offset }
                }
                mapKeys(e.key, add: add)
                mapKeys(e.value, add: add)
            }
        }
    }
}
