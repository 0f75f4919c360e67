/// The JSON mapping of MessagePack values used by every `--json` output (documented in README):
/// nil → null; bool; int → exact JSON integer; float → a number that reads back to the same float
/// (NaN/±Inf as {"$float":"nan"|"inf"|"-inf"}); str → string (invalid UTF-8 → {"$str":"<hex>"});
/// bin → {"$bin":"<hex>"}; array → array; map → object when every key is a distinct str, else
/// {"$map":[[k,v],…]} in wire order; timestamp → {"$timestamp":[sec,nsec]};
/// other ext → {"$ext":code,"hex":"<hex>"}. A protocol layer may render some ext types itself
/// (urpc proxies as {"$proxy":id}).
///
/// As `ValueFormatter`: `WirePrinter` writes it from wire bytes, the walk below serves values with
/// no bytes, and both write scalars through the same leaves.
public struct JSONMapping: Sendable {
    public typealias ExtRenderer = @Sendable (Int8, ArraySlice<UInt8>) -> String?
    /// Writes an ext type's rendering and returns true, or returns false (writing nothing) to
    /// leave it to the generic rendering.
    package typealias ExtWriter = @Sendable (Int8, UnsafeBufferPointer<UInt8>, inout ByteWriter) -> Bool
    public var extRenderer: ExtRenderer?
    package var extWriter: ExtWriter?

    public init(extRenderer: ExtRenderer? = nil) { self.extRenderer = extRenderer }

    package init(extWriter: @escaping ExtWriter) { self.extWriter = extWriter }

    public func json(_ v: MessagePackValue) -> String {
        var w = ByteWriter()
        write(v, into: &w)
        return w.string
    }

    public func write(_ v: MessagePackValue, into s: inout String) {
        s += json(v)
    }

    /// Writes the JSON of `v`.
    package func write(_ v: MessagePackValue, into w: inout ByteWriter) {
        switch v {
        case .nil: w.literal("null")
        case .bool(let b): if b { w.literal("true") } else { w.literal("false") }
        case .int(let i): w.decimal(i)
        case .uint(let u): w.decimal(u)
        case .float(let f): JSONMapping.writeFloat(Double(f), into: &w)
        case .double(let d): JSONMapping.writeFloat(d, into: &w)
        case .string(let str): JSONMapping.quote(str, into: &w)
        case .invalidString(let b): b.withUnsafeBufferPointer { JSONMapping.writeTagged("{\"$str\":\"", $0, &w) }
        case .binary(let b): b.withUnsafeBufferPointer { JSONMapping.writeTagged("{\"$bin\":\"", $0, &w) }
        case .array(let a):
            w.byte(0x5b)
            for (i, x) in a.enumerated() {
                if i > 0 { w.byte(0x2c) }
                write(x, into: &w)
            }
            w.byte(0x5d)
        case .map(let m):
            if JSONMapping.hasDistinctStringKeys(m) {
                w.byte(0x7b)
                for (i, e) in m.enumerated() {
                    if i > 0 { w.byte(0x2c) }
                    write(e.key, into: &w)
                    w.byte(0x3a)
                    write(e.value, into: &w)
                }
                w.byte(0x7d)
            } else {
                w.literal("{\"$map\":[")
                for (i, e) in m.enumerated() {
                    if i > 0 { w.byte(0x2c) }
                    w.byte(0x5b)
                    write(e.key, into: &w)
                    w.byte(0x2c)
                    write(e.value, into: &w)
                    w.byte(0x5d)
                }
                w.literal("]}")
            }
        case .ext(let t, let d): d.withUnsafeBufferPointer { writeExt(t, $0, &w) }
        case .timestamp(let sec, let ns): JSONMapping.writeTimestamp(sec, ns, into: &w)
        }
    }

    // The leaves, shared with `WirePrinter` (and `writeFloat`, `quote`).

    /// `{"$str":"<hex>"}`, `{"$bin":"<hex>"}`.
    static func writeTagged(_ open: StaticString, _ b: UnsafeBufferPointer<UInt8>, _ w: inout ByteWriter) {
        w.literal(open); w.hex(b); w.literal("\"}")
    }

    static func writeTimestamp(_ sec: Int64, _ ns: UInt32, into w: inout ByteWriter) {
        w.literal("{\"$timestamp\":["); w.decimal(sec); w.byte(0x2c); w.decimal(ns); w.literal("]}")
    }

    func writeExt(_ t: Int8, _ d: UnsafeBufferPointer<UInt8>, _ w: inout ByteWriter) {
        JSONMapping.writeExt(t, d, extWriter, extRenderer, &w)
    }

    /// An ext that is not a timestamp: the protocol's own rendering, else `{"$ext":code,"hex":…}`.
    static func writeExt(_ t: Int8, _ d: UnsafeBufferPointer<UInt8>, _ extWriter: ExtWriter?, _ extRenderer: ExtRenderer?,
                         _ w: inout ByteWriter) {
        if let x = extWriter, x(t, d, &w) { return }
        if let r = extRenderer?(t, ArraySlice(d)) { w.text(r); return }
        w.literal("{\"$ext\":"); w.decimal(Int64(t)); w.literal(",\"hex\":\""); w.hex(d); w.literal("\"}")
    }

    /// True when every key is a str and no two are equal (the map is then a JSON object).
    static func hasDistinctStringKeys(_ m: [(key: MessagePackValue, value: MessagePackValue)]) -> Bool {
        if m.isEmpty { return true }
        if m.count == 1 { if case .string = m[0].key { return true } else { return false } }
        var keys = Set<String>()
        for e in m {
            guard case .string(let k) = e.key, keys.insert(k).inserted else { return false }
        }
        return true
    }

    /// Shortest decimal text that reads back to the same Double (and so to the same Float for
    /// a widened float32).
    public static func number(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return d.description
    }

    static func writeFloat(_ d: Double, into w: inout ByteWriter) {
        if d.isNaN { w.literal("{\"$float\":\"nan\"}") }
        else if d.isInfinite { if d < 0 { w.literal("{\"$float\":\"-inf\"}") } else { w.literal("{\"$float\":\"inf\"}") } }
        else { w.text(d.description) }
    }
}
