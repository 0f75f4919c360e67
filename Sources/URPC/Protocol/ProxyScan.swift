import MessagePack

extension Proxy {
    /// The ids of the proxies in the bytes of one whole, well-formed MessagePack object (a message
    /// that decoded), in wire order: what `ids(in:into:)` finds in its decoded value, found from
    /// the headers alone without building the value.
    package static func ids(inWire bytes: ArraySlice<UInt8>, into out: inout [UInt32]) {
        forEachID(inWire: bytes) { out.append($0) }
    }

    /// The proxy ids of `ids(inWire:into:)`, handed to `body` one by one (the proxy tracker's
    /// per-message path: no array to fill and clear). Read by `HeaderReader.walkObject` in the
    /// standard dialect: it stops at a refused byte, at a header cut short, and once every item the
    /// containers announced has been read, so even bytes that are not what they should be cannot
    /// make it loop or read out of bounds. A proxy is an ext of type 1 with a 4-byte payload that
    /// is present (`d6 01`, or `c7`/`c8`/`c9` with length 4 and type 1; type 1 is `ExtCode.proxy`).
    @inlinable @inline(__always)
    package static func forEachID(inWire bytes: ArraySlice<UInt8>, _ body: (UInt32) -> Void) {
        bytes.withUnsafeBufferPointer { p in
            guard let first = p.first else { return }
            // Most replies are one scalar, str or bin, and carry a proxy only as `d6 01 id`.
            if !mayCarryIDInside(firstByte: first) {
                if first == 0xd6, p.count >= 6, p[1] == 1 { body(id(p, 2)) }
                return
            }
            _ = HeaderReader(p).walkObject { h in
                if h.isExt, h.length == 4, h.extType == 1, h.payloadStart + 4 <= p.count { body(id(p, h.payloadStart)) }
            }
        }
    }

    /// False when the first byte alone settles that the object carries no proxy (a scalar, str or
    /// bin, or an ext that is not a proxy's size); then `forEachID` finds none.
    @inlinable @inline(__always)
    package static func mayCarryID(firstByte b: UInt8) -> Bool { mayCarryIDInside(firstByte: b) || b == 0xd6 }

    /// A container or a sized ext: the first byte does not settle where its proxies are.
    @inlinable @inline(__always) @usableFromInline
    static func mayCarryIDInside(firstByte b: UInt8) -> Bool {
        b & 0xe0 == 0x80 || b >= 0xdc && b <= 0xdf || b >= 0xc7 && b <= 0xc9
    }

    @inlinable @inline(__always) @usableFromInline
    static func id(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        UInt32(p[i]) << 24 | UInt32(p[i + 1]) << 16 | UInt32(p[i + 2]) << 8 | UInt32(p[i + 3])
    }
}
