import MessagePack
import MsgscopeTestSupport
import Testing

/// `StreamDecoder.nextObject` frames a whole object in one flat pass when it can, and with the
/// resumable scanner otherwise: on random objects, limits and dialects, fed whole or in random
/// chunks, it gives the scanner's extent from scratch, or the error the scanner's refusal makes.
@Suite struct FlatFramingTests {
    static let heads: [[UInt8]] = [
        [0x92], [0x93], [0x95], [0x81], [0x82], [0x80], [0x90], [0x91], [0xa2, 0x63, 0x6d], [0xa0], [0x05], [0xff], [0xc0],
        [0xc3], [0xc1], [0xcc, 0x80], [0xd0, 0x01], [0xcd, 0x80, 0x00], [0xd1, 0, 1], [0xce, 0x80, 0, 0, 0], [0xd2, 0, 0, 0, 1],
        [0xca, 0, 0, 0, 0], [0xcb, 0, 0, 0, 0, 0, 0, 0, 0], [0xd3, 0, 0, 0, 0, 0, 0, 0, 1], [0xd6, 0x01, 0, 0, 0, 2],
        [0xd4, 0xff, 0x00], [0xd5, 1, 2, 3], [0xd7, 1] + [UInt8](repeating: 7, count: 8), [0xc7, 0x01, 0x01, 0x00],
        [0xc4, 0x04, 0, 0, 0, 1], [0xc4, 0x30], [0xd9, 0x01, 0x41], [0xd9, 0x28], [0xda, 0x00, 0x02, 0x41, 0x42],
        [0xde, 0x00, 0x01], [0xdc, 0x00, 0x02], [0xdd, 0, 0, 0, 3], [0xdb, 0, 0, 0, 1, 0x41],
    ]

    /// The scanner's answer for the object at `offset` of `bytes`, from scratch: its end, nil
    /// when it is incomplete, or the error the decoder throws for it.
    static func reference(_ bytes: [UInt8], _ offset: Int, _ o: DecodingOptions) -> Result<Int?, DecodingError> {
        var s = ObjectScanner(dialect: o.dialect, maxDepth: o.maxDepth, maxObjectSize: o.maxObjectSize)
        switch bytes.withUnsafeBufferPointer({ s.extent(of: $0, at: offset) }) {
        case .complete(let end, _): return .success(end)
        case .needsMore: return .success(nil)
        case .invalid(let at, let reason):
            return .failure(reason.error(offset: at, dialect: o.dialect, maxDepth: o.maxDepth, maxObjectSize: o.maxObjectSize))
        }
    }

    /// Frames `bytes` fed in `chunks`, checking each answer against the reference.
    static func check(_ bytes: [UInt8], chunks: [Int], _ o: DecodingOptions) {
        var d = StreamDecoder(options: o)
        var pos = 0, k = 0, start = 0
        var range = 0..<0
        var slice: ArraySlice<UInt8> = []
        while pos < bytes.count {
            let n = min(chunks[k % chunks.count], bytes.count - pos)
            d.feed(Array(bytes[pos..<(pos + n)]))
            pos += n
            k += 1
            while true {
                let fed = Array(bytes[..<pos])
                let want = reference(fed, start, o)
                do {
                    let got = try d.nextObject(&range, &slice)
                    guard case .success(let end) = want else {
                        Issue.record("framed \(range) where the scanner refuses: \(Hex.string(bytes)) \(o)")
                        return
                    }
                    #expect(got == (end != nil), "\(Hex.string(bytes)) chunks \(chunks) \(o)")
                    guard got, let end else { break }
                    #expect(range == start..<end && Array(slice) == Array(bytes[start..<end]))
                    start = end
                } catch {
                    #expect(want == .failure(error), "\(Hex.string(bytes)) \(o)")
                    return
                }
            }
        }
    }

    @Test func flatFramingAgreesWithTheScanner() {
        var r = SplitMix(seed: 1515)
        for _ in 0..<6_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &r) { bytes += Self.heads.randomElement(using: &r)! }
            let o = DecodingOptions(dialect: Bool.random(using: &r) ? .standard : .device,
                                    maxDepth: [1, 2, 3, 512].randomElement(using: &r)!,
                                    maxObjectSize: [4, 8, 16, 1 << 20].randomElement(using: &r)!)
            Self.check(bytes, chunks: [bytes.count], o)
            Self.check(bytes, chunks: [1], o)
            Self.check(bytes, chunks: [Int.random(in: 1...5, using: &r), Int.random(in: 1...9, using: &r)], o)
        }
    }
}
