/// Compact one-line rendering of values: `["cm", ext(1, 00000001), "add", [5, 7], {}]`.
/// A protocol layer can render some ext types its own way (urpc proxies as `P2`).
///
/// One rendering, two walks: `WirePrinter` writes it straight from an object's wire bytes (the
/// printers' path: no value is built); the walk of a `MessagePackValue` below serves values that
/// have no bytes. Both write every scalar through the same leaf functions (`writeFloat`,
/// `writeClipped`, `writeExt` …) and the same punctuation, and tests compare them on random objects.
public struct ValueFormatter: Sendable {
    public typealias ExtRenderer = @Sendable (Int8, ArraySlice<UInt8>) -> String?
    /// Writes an ext type's rendering and returns true, or returns false (writing nothing) to
    /// leave it to the generic rendering.
    package typealias ExtWriter = @Sendable (Int8, UnsafeBufferPointer<UInt8>, inout ByteWriter) -> Bool
    public var extRenderer: ExtRenderer?
    package var extWriter: ExtWriter?
    /// Byte payloads longer than this are cut, with the full size shown.
    public var maxBytes: Int

    public init(extRenderer: ExtRenderer? = nil, maxBytes: Int = 32) {
        self.extRenderer = extRenderer
        self.maxBytes = maxBytes
    }

    package init(extWriter: @escaping ExtWriter, maxBytes: Int = 32) {
        self.extWriter = extWriter
        self.maxBytes = maxBytes
    }

    public func format(_ v: MessagePackValue) -> String {
        var w = ByteWriter()
        write(v, into: &w)
        return w.string
    }

    public func write(_ v: MessagePackValue, into s: inout String) {
        s += format(v)
    }

    /// Writes the compact rendering of `v`.
    package func write(_ v: MessagePackValue, into w: inout ByteWriter) {
        switch v {
        case .nil: w.literal("nil")
        case .bool(let b): if b { w.literal("true") } else { w.literal("false") }
        case .int(let i): w.decimal(i)
        case .uint(let u): w.decimal(u)
        case .float(let f): ValueFormatter.writeFloat(f, into: &w)
        case .double(let d): w.text(JSONMapping.number(d))
        case .string(let str): JSONMapping.quote(str, into: &w)
        case .invalidString(let b): b.withUnsafeBufferPointer { writeClipped("str(", $0, &w) }
        case .binary(let b): b.withUnsafeBufferPointer { writeClipped("bin(", $0, &w) }
        case .array(let a):
            w.byte(0x5b)
            for (i, x) in a.enumerated() {
                if i > 0 { w.literal(", ") }
                write(x, into: &w)
            }
            w.byte(0x5d)
        case .map(let m):
            w.byte(0x7b)
            for (i, e) in m.enumerated() {
                if i > 0 { w.literal(", ") }
                write(e.key, into: &w)
                w.literal(": ")
                write(e.value, into: &w)
            }
            w.byte(0x7d)
        case .ext(let t, let d): d.withUnsafeBufferPointer { writeExt(t, $0, &w) }
        case .timestamp(let sec, let ns): ValueFormatter.writeTimestamp(sec, ns, into: &w)
        }
    }

    // The leaves, shared with `WirePrinter`.

    /// `1.5f`; a NaN or an infinity as `nanf`, `inff`, `-inff`.
    static func writeFloat(_ f: Float, into w: inout ByteWriter) {
        if f.isFinite { w.text(f.description) } else { w.text(JSONMapping.number(Double(f))) }
        w.byte(0x66)
    }

    static func writeTimestamp(_ sec: Int64, _ ns: UInt32, into w: inout ByteWriter) {
        w.literal("timestamp("); w.decimal(sec); w.literal(", "); w.decimal(ns); w.byte(0x29)
    }

    /// `str(…)`, `bin(…)`: the payload in hex, cut after `maxBytes` with the full size shown.
    func writeClipped(_ open: StaticString, _ b: UnsafeBufferPointer<UInt8>, _ w: inout ByteWriter) {
        ValueFormatter.writeClipped(open, b, maxBytes, &w)
    }

    static func writeClipped(_ open: StaticString, _ b: UnsafeBufferPointer<UInt8>, _ maxBytes: Int, _ w: inout ByteWriter) {
        w.literal(open)
        clippedHex(b, maxBytes, &w)
        w.byte(0x29)
    }

    func writeExt(_ t: Int8, _ d: UnsafeBufferPointer<UInt8>, _ w: inout ByteWriter) {
        ValueFormatter.writeExt(t, d, maxBytes, extWriter, extRenderer, &w)
    }

    /// An ext that is not a timestamp: the protocol's own rendering, else `ext(type, hex)`.
    static func writeExt(_ t: Int8, _ d: UnsafeBufferPointer<UInt8>, _ maxBytes: Int, _ extWriter: ExtWriter?,
                         _ extRenderer: ExtRenderer?, _ w: inout ByteWriter) {
        if let x = extWriter, x(t, d, &w) { return }
        if let r = extRenderer?(t, ArraySlice(d)) { w.text(r); return }
        w.literal("ext("); w.decimal(Int64(t)); w.literal(", ")
        clippedHex(d, maxBytes, &w)
        w.byte(0x29)
    }

    private static func clippedHex(_ b: UnsafeBufferPointer<UInt8>, _ maxBytes: Int, _ w: inout ByteWriter) {
        if b.count <= maxBytes { w.hex(b); return }
        w.hex(UnsafeBufferPointer(rebasing: b[0..<Swift.max(maxBytes, 0)]))
        w.literal("…(")
        w.decimal(b.count)
        w.literal(" bytes)")
    }
}
