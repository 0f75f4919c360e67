import MessagePack

extension Proxy {
    /// The ids of the proxies in the bytes of one whole, well-formed MessagePack object (a message
    /// that decoded), in wire order: what `ids(in:into:)` finds in its decoded value, found from
    /// the headers alone without building the value (the proxy tracker's per-message path).
    ///
    /// A whole object needs no stack: it is done once every item its containers announced has
    /// been read. Each step moves forward by at least one byte and stops at the end of the bytes,
    /// so even bytes that are not what they should be cannot make it loop or read out of bounds.
    package static func ids(inWire bytes: ArraySlice<UInt8>, into out: inout [UInt32]) {
        bytes.withUnsafeBufferPointer { p in
            // Most replies are one scalar, str or bin, and carry a proxy only as `d6 01 id`.
            guard let first = p.first else { return }
            if !((0x80...0x9f).contains(first) || (0xdc...0xdf).contains(first) || (0xc7...0xc9).contains(first)) {
                if first == 0xd6, p.count >= 6, p[1] == UInt8(bitPattern: ExtCode.proxy) {
                    out.append(UInt32(p[2]) << 24 | UInt32(p[3]) << 16 | UInt32(p[4]) << 8 | UInt32(p[5]))
                }
                return
            }
            let reader = HeaderReader(p)
            var i = 0
            var remaining = 1
            while remaining > 0, case .header(let h) = reader.read(at: i) {
                remaining += h.items - 1
                let payload = i + h.headerLength
                if h.kind == .ext, h.extType == ExtCode.proxy, h.length == 4, payload + 4 <= p.count {
                    out.append(UInt32(p[payload]) << 24 | UInt32(p[payload + 1]) << 16
                               | UInt32(p[payload + 2]) << 8 | UInt32(p[payload + 3]))
                }
                i = payload + h.payloadLength
            }
        }
    }
}
