import MessagePack

/// The `-V` view: the decoded tree with stream offsets, wire formats and hex.
package enum MessageTree {
    package static func text(_ m: Message) -> String {
        var w = ByteWriter()
        write(m, into: &w)
        return w.string
    }

    /// Writes the tree, one line per object, each indented by `indent` spaces and two more per level.
    package static func write(_ m: Message, into w: inout ByteWriter, indent: Int = 8) {
        if let n = m.node {
            node(n, m.bytes, m.streamRange.lowerBound, indent, &w)
        } else if let raw = m.raw, !raw.isEmpty {
            w.spaces(indent); range(m.streamRange.lowerBound, m.streamRange.upperBound, &w)
            w.literal(" raw "); w.decimal(raw.count); w.literal(" bytes (not msgpack)\n")
            var i = raw.startIndex
            while i < raw.endIndex {
                let j = min(i + 16, raw.endIndex)
                w.spaces(indent + 2); w.hexSpaced(raw[i..<j]); w.byte(0x0a)
                i = j
                if i - raw.startIndex >= 256 && i < raw.endIndex {
                    w.spaces(indent + 2); w.literal("… "); w.decimal(raw.endIndex - i); w.literal(" more bytes\n")
                    break
                }
            }
        }
        for a in m.anomalies {
            w.spaces(indent); w.byte(0x5b); w.text(a.severity.rawValue); w.literal("] ")
            w.text(a.kind); w.literal(": "); w.text(a.detail); w.byte(0x0a)
        }
    }

    /// `[lo..<hi]`
    private static func range(_ lo: Int, _ hi: Int, _ w: inout ByteWriter) {
        w.byte(0x5b); w.decimal(lo); w.literal("..<"); w.decimal(hi); w.byte(0x5d)
    }

    static func node(_ n: Node, _ bytes: ArraySlice<UInt8>, _ base: Int, _ indent: Int, _ w: inout ByteWriter) {
        w.spaces(indent); range(n.offset, n.end, &w); w.byte(0x20); w.text(n.format.description)
        switch n.content {
        case .scalar(let v):
            w.byte(0x20); Proxy.formatter.write(v, into: &w)
        case .array(let a):
            w.literal(" ("); w.decimal(a.count); w.byte(0x29)
        case .map(let m):
            w.literal(" ("); w.decimal(m.count); w.byte(0x29)
        }
        w.literal("  [")
        headerHex(n, bytes, base, &w)
        w.byte(0x5d)
        if case .scalar = n.content, n.payloadRange.count > 0 {
            let lo = bytes.startIndex + (n.payloadRange.lowerBound - base)
            let hi = bytes.startIndex + (n.payloadRange.upperBound - base)
            if lo >= bytes.startIndex, hi <= bytes.endIndex {
                let p = bytes[lo..<hi]
                w.byte(0x20); w.hexSpaced(p.prefix(32))
                if p.count > 32 { w.literal(" …") }
            }
        }
        w.byte(0x0a)
        switch n.content {
        case .scalar: break
        case .array(let a): for c in a { node(c, bytes, base, indent + 2, &w) }
        case .map(let m):
            for e in m {
                node(e.key, bytes, base, indent + 2, &w)
                node(e.value, bytes, base, indent + 4, &w)
            }
        }
    }

    private static func headerHex(_ n: Node, _ bytes: ArraySlice<UInt8>, _ base: Int, _ w: inout ByteWriter) {
        let lo = bytes.startIndex + (n.offset - base)
        let hi = lo + n.headerLength
        guard lo >= bytes.startIndex, hi <= bytes.endIndex else { w.hex([n.firstByte]); return }
        w.hexSpaced(bytes[lo..<hi])
    }
}
