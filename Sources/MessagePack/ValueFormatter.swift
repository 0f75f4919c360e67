/// Compact one-line rendering of values: `["cm", ext(1, 00000001), "add", [5, 7], {}]`.
/// A protocol layer can render some ext types its own way (urpc proxies as `P2`).
public struct ValueFormatter: Sendable {
    public typealias ExtRenderer = @Sendable (Int8, ArraySlice<UInt8>) -> String?
    public var extRenderer: ExtRenderer?
    /// Byte payloads longer than this are cut, with the full size shown.
    public var maxBytes: Int

    public init(extRenderer: ExtRenderer? = nil, maxBytes: Int = 32) {
        self.extRenderer = extRenderer
        self.maxBytes = maxBytes
    }

    public func format(_ v: MessagePackValue) -> String {
        var s = ""
        write(v, into: &s)
        return s
    }

    public func write(_ v: MessagePackValue, into s: inout String) {
        switch v {
        case .nil: s += "nil"
        case .bool(let b): s += b ? "true" : "false"
        case .int(let i): s += String(i)
        case .uint(let u): s += String(u)
        case .float(let f): s += (f.isFinite ? f.description : JSONMapping.number(Double(f))) + "f"
        case .double(let d): s += JSONMapping.number(d)
        case .string(let str): JSONMapping.quote(str, into: &s)
        case .invalidString(let b): s += "str(" + clipped(b) + ")"
        case .binary(let b): s += "bin(" + clipped(b) + ")"
        case .array(let a):
            s += "["
            for (i, x) in a.enumerated() {
                if i > 0 { s += ", " }
                write(x, into: &s)
            }
            s += "]"
        case .map(let m):
            s += "{"
            for (i, e) in m.enumerated() {
                if i > 0 { s += ", " }
                write(e.key, into: &s)
                s += ": "
                write(e.value, into: &s)
            }
            s += "}"
        case .ext(let t, let d):
            if let r = extRenderer?(t, d) { s += r } else { s += "ext(\(t), " + clipped(d) + ")" }
        case .timestamp(let sec, let ns): s += "timestamp(\(sec), \(ns))"
        }
    }

    private func clipped(_ b: ArraySlice<UInt8>) -> String {
        if b.count <= maxBytes { return Hex.string(b) }
        return Hex.string(b.prefix(maxBytes)) + "…(\(b.count) bytes)"
    }
}
