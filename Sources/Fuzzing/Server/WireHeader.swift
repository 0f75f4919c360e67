import MessagePack

/// One MessagePack header read from raw bytes without building a value (the codec's scanner
/// reads it): enough to walk hostile bytes (framing, reply pairing, structure-aware mutation) at
/// memory speed.
struct WireHeader: Equatable {
    enum Kind: Equatable { case scalar, str, bin, ext(type: Int8), array, map, invalid }
    var kind: Kind
    /// Header length in bytes (including an ext's type byte and a scalar's value bytes).
    var length: Int
    /// Payload bytes (str/bin/ext) or item count (array: n, map: n entries); 0 for a scalar.
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

    init(kind: Kind, length: Int, count: Int) {
        self.kind = kind
        self.length = length
        self.count = count
    }

    init(_ h: RawHeader) {
        switch h.kind {
        case .scalar: kind = .scalar
        case .str: kind = .str
        case .bin: kind = .bin
        case .ext: kind = .ext(type: h.extType)
        case .array: kind = .array
        case .map: kind = .map
        }
        length = h.headerLength
        count = h.length
    }

    /// Reads the header at `i`; nil when the header itself is cut short. `device`: `cb cf d3` are
    /// refused as on the device (spec §2).
    @inline(__always)
    static func read(_ p: UnsafeBufferPointer<UInt8>, _ i: Int, device: Bool) -> WireHeader? {
        switch HeaderReader(p, dialect: device ? .device : .standard).read(at: i) {
        case .header(let h): return WireHeader(h)
        case .needsMore: return nil
        case .invalid: return WireHeader(kind: .invalid, length: 1, count: 0)
        }
    }
}
