import MessagePack

extension Proxy {
    /// The ids of the proxies in the bytes of one whole, well-formed MessagePack object (a message
    /// that decoded), in wire order: what `ids(in:into:)` finds in its decoded value, found by the
    /// one header scanner without building the value (the proxy tracker's per-message path).
    /// `scanner` is reused from call to call so that a walk allocates nothing once it has grown.
    package static func ids(inWire bytes: ArraySlice<UInt8>, scanner: inout ObjectScanner, into out: inout [UInt32]) {
        bytes.withUnsafeBufferPointer { p in
            guard let first = p.first else { return }
            // Most replies are one scalar, str or bin: only a container needs the walk.
            let container = (0x80...0x9f).contains(first) || (0xdc...0xdf).contains(first)
            if !container {
                if first == 0xd6, p.count >= 6, p[1] == UInt8(bitPattern: ExtCode.proxy) {
                    out.append(UInt32(p[2]) << 24 | UInt32(p[3]) << 16 | UInt32(p[4]) << 8 | UInt32(p[5]))
                    return
                }
                guard (0xc7...0xc9).contains(first) else { return }   // ext 8/16/32 may hold a proxy
            }
            scanner.reset(at: 0)
            while case .header(let h, let at, _) = scanner.step(p) {
                guard h.kind == .ext, h.extType == ExtCode.proxy, h.length == 4 else { continue }
                let o = at + h.headerLength
                guard o + 4 <= p.count else { return }
                out.append(UInt32(p[o]) << 24 | UInt32(p[o + 1]) << 16 | UInt32(p[o + 2]) << 8 | UInt32(p[o + 3]))
            }
        }
    }
}
