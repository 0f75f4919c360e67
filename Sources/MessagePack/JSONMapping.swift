/// The JSON mapping of MessagePack values used by every `--json` output (documented in README):
/// nil → null; bool; int → exact JSON integer; float → a number that reads back to the same float
/// (NaN/±Inf as {"$float":"nan"|"inf"|"-inf"}); str → string (invalid UTF-8 → {"$str":"<hex>"});
/// bin → {"$bin":"<hex>"}; array → array; map → object when every key is a distinct str, else
/// {"$map":[[k,v],…]} in wire order; timestamp → {"$timestamp":[sec,nsec]};
/// other ext → {"$ext":code,"hex":"<hex>"}. A protocol layer may render some ext types itself
/// (urpc proxies as {"$proxy":id}).
public struct JSONMapping: Sendable {
    public typealias ExtRenderer = @Sendable (Int8, ArraySlice<UInt8>) -> String?
    public var extRenderer: ExtRenderer?

    public init(extRenderer: ExtRenderer? = nil) { self.extRenderer = extRenderer }

    // Deliberately alike: the JSON and compact text renderings walk values the same way.
    public func json(_ v: MessagePackValue) -> String {
        var s = ""
        write(v, into: &s)
        return s
    }

    public func write(_ v: MessagePackValue, into s: inout String) {
        switch v {
        case .nil: s += "null"
        case .bool(let b): s += b ? "true" : "false"
        case .int(let i): s += String(i)
        case .uint(let u): s += String(u)
        case .float(let f): JSONMapping.writeFloat(Double(f), into: &s)
        case .double(let d): JSONMapping.writeFloat(d, into: &s)
        case .string(let str): JSONMapping.quote(str, into: &s)
        case .invalidString(let b): s += "{\"$str\":\"" + Hex.string(b) + "\"}"
        case .binary(let b): s += "{\"$bin\":\"" + Hex.string(b) + "\"}"
        case .array(let a):
            s += "["
            for (i, x) in a.enumerated() {
                if i > 0 { s += "," }
                write(x, into: &s)
            }
            s += "]"
        case .map(let m):
            var keys = Set<String>()
            var plain = true
            for e in m {
                guard case .string(let k) = e.key, keys.insert(k).inserted else { plain = false; break }
            }
            if plain {
                s += "{"
                for (i, e) in m.enumerated() {
                    if i > 0 { s += "," }
                    write(e.key, into: &s)
                    s += ":"
                    write(e.value, into: &s)
                }
                s += "}"
            } else {
                s += "{\"$map\":["
                for (i, e) in m.enumerated() {
                    if i > 0 { s += "," }
                    s += "["
                    write(e.key, into: &s)
                    s += ","
                    write(e.value, into: &s)
                    s += "]"
                }
                s += "]}"
            }
        case .ext(let t, let d):
            if let r = extRenderer?(t, d) { s += r } else { s += "{\"$ext\":\(t),\"hex\":\"" + Hex.string(d) + "\"}" }
        case .timestamp(let sec, let ns): s += "{\"$timestamp\":[\(sec),\(ns)]}"
        }
    }

    /// Shortest decimal text that reads back to the same Double (and so to the same Float for
    /// a widened float32).
    public static func number(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return d.description
    }

    static func writeFloat(_ d: Double, into s: inout String) {
        if d.isNaN { s += "{\"$float\":\"nan\"}" }
        else if d.isInfinite { s += d < 0 ? "{\"$float\":\"-inf\"}" : "{\"$float\":\"inf\"}" }
        else { s += d.description }
    }

    /// Appends `str` as a JSON string literal.
    public static func quote(_ str: String, into s: inout String) {
        // Fast path: nothing to escape (the usual case), append in one piece.
        if !str.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5c || $0 == 0x7f }) {
            s += "\""
            s += str
            s += "\""
            return
        }
        // Every escaped character is ASCII, so the UTF-8 bytes are escaped one by one and the
        // bytes of other characters copied as they are.
        var out: [UInt8] = [0x22]
        out.reserveCapacity(str.utf8.count + 16)
        let hex = Array("0123456789abcdef".utf8)
        for b in str.utf8 {
            switch b {
            case 0x22: out += [0x5c, 0x22]
            case 0x5c: out += [0x5c, 0x5c]
            case 0x0a: out += [0x5c, 0x6e]
            case 0x0d: out += [0x5c, 0x72]
            case 0x09: out += [0x5c, 0x74]
            case 0..<0x20, 0x7f: out += [0x5c, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0x0f)]]
            default: out.append(b)
            }
        }
        out.append(0x22)
        s += String(decoding: out, as: UTF8.self)
    }
}
