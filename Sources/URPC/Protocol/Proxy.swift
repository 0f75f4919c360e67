import MessagePack

/// Proxies: `ExtType(1, 4-byte big-endian id)`, always `d6 01 XX XX XX XX` on the wire.
@usableFromInline package enum Proxy {
    /// The id of a proxy ext, or nil when the ext is not a well-formed proxy.
    @inlinable
    package static func id(type: Int8, data: ArraySlice<UInt8>) -> UInt32? {
        guard type == ExtCode.proxy, data.count == 4 else { return nil }
        var v: UInt32 = 0
        for b in data { v = v << 8 | UInt32(b) }
        return v
    }

    package static func id(_ v: MessagePackValue) -> UInt32? {
        if case .ext(let t, let d) = v { return id(type: t, data: d) }
        return nil
    }

    package static func value(_ id: UInt32) -> MessagePackValue {
        .ext(type: ExtCode.proxy, data: ArraySlice(idBytes(id)))
    }

    /// The 4-byte big-endian id, as a proxy ext carries it and as `_d` sends it in a bin.
    package static func idBytes(_ id: UInt32) -> [UInt8] {
        [UInt8(id >> 24), UInt8(id >> 16 & 0xff), UInt8(id >> 8 & 0xff), UInt8(id & 0xff)]
    }

    /// `_d`'s argument: the id as bin 8 of length 4 (not as ext).
    package static func releaseArgument(_ id: UInt32) -> MessagePackValue { .binary(ArraySlice(idBytes(id))) }

    /// Every proxy inside a value, with its path ("", "[0]", "[1].key" …) in wire order.
    package static func all(in v: MessagePackValue) -> [(id: UInt32, path: String)] {
        var out: [(UInt32, String)] = []
        collect(v, "", &out)
        return out.map { (id: $0.0, path: $0.1) }
    }

    /// Just the ids, cheaper (no paths).
    package static func ids(in v: MessagePackValue, into out: inout [UInt32]) {
        switch v {
        case .ext(let t, let d): if let i = id(type: t, data: d) { out.append(i) }
        case .array(let a): for x in a { ids(in: x, into: &out) }
        case .map(let m): for e in m { ids(in: e.key, into: &out); ids(in: e.value, into: &out) }
        default: break
        }
    }

    private static func collect(_ v: MessagePackValue, _ path: String, _ out: inout [(UInt32, String)]) {
        switch v {
        case .ext(let t, let d): if let i = id(type: t, data: d) { out.append((i, path)) }
        case .array(let a): for (i, x) in a.enumerated() { collect(x, path + "[\(i)]", &out) }
        case .map(let m):
            for (i, e) in m.enumerated() {
                collect(e.key, path + "{key \(i)}", &out)
                collect(e.value, path + "{\(i)}", &out)
            }
        default: break
        }
    }

    /// The id of a proxy ext's payload (`ExtCode.proxy`, 4 bytes), or nil.
    @inline(__always)
    static func id(type: Int8, payload d: UnsafeBufferPointer<UInt8>) -> UInt32? {
        guard type == ExtCode.proxy, d.count == 4 else { return nil }
        return UInt32(d[0]) << 24 | UInt32(d[1]) << 16 | UInt32(d[2]) << 8 | UInt32(d[3])
    }

    /// Renders proxies as `P<id>` in compact text, console output as `console(<hex>)`, other ext
    /// types generically.
    package static let formatter = ValueFormatter(extWriter: { t, d, w in
        if let i = id(type: t, payload: d) { w.byte(0x50); w.decimal(i); return true }
        if t == ExtCode.console { w.literal("console("); w.hex(d); w.byte(0x29); return true }
        return false
    })

    /// Renders proxies as `{"$proxy":id}` in JSON.
    package static let json = JSONMapping(extWriter: { t, d, w in
        guard let i = id(type: t, payload: d) else { return false }
        w.literal("{\"$proxy\":"); w.decimal(i); w.byte(0x7d)
        return true
    })
}
