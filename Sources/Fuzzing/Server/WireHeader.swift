/// One MessagePack header read from raw bytes without building a value: enough to walk hostile
/// bytes (framing, reply pairing, structure-aware mutation) at memory speed.
struct WireHeader: Equatable {
    enum Kind: Equatable { case scalar, str, bin, ext(type: Int8), array, map, invalid }
    var kind: Kind
    /// Header length in bytes (including an ext's type byte).
    var length: Int
    /// Payload bytes (str/bin/ext and fixed-size scalars) or item count (array: n, map: 2n entries → n).
    var count: Int

    /// Items a container holds (a map's entries count twice).
    var items: Int {
        switch kind {
        case .array: return count
        case .map: return 2 * count
        default: return 0
        }
    }

    var isContainer: Bool { kind == .array || kind == .map }

    /// Reads the header at `i`; nil when the header itself is cut short. `device`: `cb cf d3` are
    /// refused as on the device (spec §2).
    @inline(__always)
    static func read(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, device: Bool) -> WireHeader? {
        let b = p[i]
        func be(_ n: Int) -> Int? {
            guard i + 1 + n <= p.count else { return nil }
            var v = 0
            for k in 0..<n { v = (v << 8) | Int(p[i + 1 + k]) }
            return v
        }
        switch b {
        case 0x00...0x7f, 0xe0...0xff, 0xc0, 0xc2, 0xc3: return WireHeader(kind: .scalar, length: 1, count: 0)
        case 0x80...0x8f: return WireHeader(kind: .map, length: 1, count: Int(b & 0x0f))
        case 0x90...0x9f: return WireHeader(kind: .array, length: 1, count: Int(b & 0x0f))
        case 0xa0...0xbf: return WireHeader(kind: .str, length: 1, count: Int(b & 0x1f))
        case 0xc1: return WireHeader(kind: .invalid, length: 1, count: 0)
        case 0xc4: return be(1).map { WireHeader(kind: .bin, length: 2, count: $0) }
        case 0xc5: return be(2).map { WireHeader(kind: .bin, length: 3, count: $0) }
        case 0xc6: return be(4).map { WireHeader(kind: .bin, length: 5, count: $0) }
        case 0xc7, 0xc8, 0xc9:
            let n = b == 0xc7 ? 1 : b == 0xc8 ? 2 : 4
            guard let len = be(n), i + 1 + n < p.count else { return nil }
            return WireHeader(kind: .ext(type: Int8(bitPattern: p[i + 1 + n])), length: 2 + n, count: len)
        case 0xca: return WireHeader(kind: .scalar, length: 1, count: 4)
        case 0xcb, 0xcf, 0xd3:
            if device { return WireHeader(kind: .invalid, length: 1, count: 0) }
            return WireHeader(kind: .scalar, length: 1, count: 8)
        case 0xcc, 0xd0: return WireHeader(kind: .scalar, length: 1, count: 1)
        case 0xcd, 0xd1: return WireHeader(kind: .scalar, length: 1, count: 2)
        case 0xce, 0xd2: return WireHeader(kind: .scalar, length: 1, count: 4)
        case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8:
            guard i + 1 < p.count else { return nil }
            let size = [1, 2, 4, 8, 16][Int(b - 0xd4)]
            return WireHeader(kind: .ext(type: Int8(bitPattern: p[i + 1])), length: 2, count: size)
        case 0xd9: return be(1).map { WireHeader(kind: .str, length: 2, count: $0) }
        case 0xda: return be(2).map { WireHeader(kind: .str, length: 3, count: $0) }
        case 0xdb: return be(4).map { WireHeader(kind: .str, length: 5, count: $0) }
        case 0xdc: return be(2).map { WireHeader(kind: .array, length: 3, count: $0) }
        case 0xdd: return be(4).map { WireHeader(kind: .array, length: 5, count: $0) }
        case 0xde: return be(2).map { WireHeader(kind: .map, length: 3, count: $0) }
        case 0xdf: return be(4).map { WireHeader(kind: .map, length: 5, count: $0) }
        default: return WireHeader(kind: .invalid, length: 1, count: 0)
        }
    }
}
