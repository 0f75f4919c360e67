import MessagePack

/// The `-V` view: the decoded tree with stream offsets, wire formats and hex.
package enum MessageTree {
    package static func write(_ m: Message, into s: inout String, indent: String = "        ") {
        if let n = m.node {
            node(n, m.bytes, m.streamRange.lowerBound, indent, &s)
        } else if let raw = m.raw, !raw.isEmpty {
            s += indent + "[\(m.streamRange.lowerBound)..<\(m.streamRange.upperBound)] raw \(raw.count) bytes (not msgpack)\n"
            var i = raw.startIndex
            while i < raw.endIndex {
                let j = min(i + 16, raw.endIndex)
                s += indent + "  " + Hex.spaced(raw[i..<j]) + "\n"
                i = j
                if i - raw.startIndex >= 256 && i < raw.endIndex {
                    s += indent + "  … \(raw.endIndex - i) more bytes\n"
                    break
                }
            }
        }
        for a in m.anomalies {
            s += indent + "[\(a.severity.rawValue)] \(a.kind): \(a.detail)\n"
        }
    }

    static func node(_ n: Node, _ bytes: ArraySlice<UInt8>, _ base: Int, _ indent: String, _ s: inout String) {
        s += indent + "[\(n.offset)..<\(n.end)] \(n.format)"
        switch n.content {
        case .scalar(let v):
            s += " " + Proxy.formatter.format(v)
        case .array(let a):
            s += " (\(a.count))"
        case .map(let m):
            s += " (\(m.count))"
        }
        s += "  [" + headerHex(n, bytes, base) + "]"
        if case .scalar = n.content, n.payloadRange.count > 0 {
            let lo = bytes.startIndex + (n.payloadRange.lowerBound - base)
            let hi = bytes.startIndex + (n.payloadRange.upperBound - base)
            if lo >= bytes.startIndex, hi <= bytes.endIndex {
                let p = bytes[lo..<hi]
                s += " " + Hex.spaced(p.prefix(32)) + (p.count > 32 ? " …" : "")
            }
        }
        s += "\n"
        let deeper = indent + "  "
        switch n.content {
        case .scalar: break
        case .array(let a): for c in a { node(c, bytes, base, deeper, &s) }
        case .map(let m):
            for e in m {
                node(e.key, bytes, base, deeper, &s)
                node(e.value, bytes, base, deeper + "  ", &s)
            }
        }
    }

    private static func headerHex(_ n: Node, _ bytes: ArraySlice<UInt8>, _ base: Int) -> String {
        let lo = bytes.startIndex + (n.offset - base)
        let hi = lo + n.headerLength
        guard lo >= bytes.startIndex, hi <= bytes.endIndex else { return Hex.string([n.firstByte]) }
        return Hex.spaced(bytes[lo..<hi])
    }

}
