import Testing
import MessagePack
import MsgscopeTestSupport

func hex(_ s: String) -> [UInt8] {
    guard let b = Hex.bytes(s) else { fatalError("bad hex in test vector: \(s)") }
    return b
}


/// Random values for round-trip properties. `device` restricts to what the device dialect represents.
func randomValue(_ r: inout SplitMix, depth: Int = 0, device: Bool) -> MessagePackValue {
    let pick = Int(r.next() % (depth > 3 ? 9 : 12))
    switch pick {
    case 0: return .nil
    case 1: return .bool(r.next() & 1 == 1)
    case 2:
        let widths: [Int64] = [1 << 5, 1 << 7, 1 << 8, 1 << 15, 1 << 16, 1 << 30, 1 << 31, 1 << 40, Int64.max]
        let w = widths[Int(r.next() % UInt64(widths.count))]
        var v = Int64(bitPattern: r.next()) % w
        if device { v = max(-(1 << 30), min((1 << 30) - 1, v)) }
        return .int(v)
    case 3:
        if device { return .int(Int64(r.next() % 1000)) }
        return .uint(UInt64(Int64.max) + 1 + r.next() % 1000)
    case 4: return .float(Float(bitPattern: UInt32(truncatingIfNeeded: r.next())))
    case 5:
        if device { return .float(Float(Int(r.next() % 10000)) / 8) }
        return .double(Double(bitPattern: r.next()))
    case 6:
        let lens = [0, 1, 15, 31, 32, 255, 256, 300]
        let n = lens[Int(r.next() % UInt64(lens.count))]
        return .string(String(repeating: "é", count: n / 2) + String(repeating: "a", count: n % 2))
    case 7:
        let n = Int(r.next() % 300)
        return .binary(ArraySlice((0..<n).map { _ in UInt8(truncatingIfNeeded: r.next()) }))
    case 8:
        let sizes = [0, 1, 2, 3, 4, 8, 16, 17, 255, 256]
        let n = sizes[Int(r.next() % UInt64(sizes.count))]
        let t = Int8(truncatingIfNeeded: r.next() % 127)
        return .ext(type: t, data: ArraySlice((0..<n).map { _ in UInt8(truncatingIfNeeded: r.next()) }))
    case 9, 10:
        let n = Int(r.next() % (r.next() % 4 == 0 ? 20 : 5))
        return .array((0..<n).map { _ in randomValue(&r, depth: depth + 1, device: device) })
    default:
        let n = Int(r.next() % (r.next() % 4 == 0 ? 18 : 4))
        return .map((0..<n).map { i in (key: .int(Int64(i)), value: randomValue(&r, depth: depth + 1, device: device)) })
    }
}

/// The generators the property tests stand on: a seed gives one sequence, and device-dialect
/// values are ones the device encoder can write.
@Test func propertyHelpersAreDeterministicAndInDialect() throws {
    #expect(hex("c0 01 ff") == [0xc0, 0x01, 0xff])
    var a = SplitMix(seed: 5), b = SplitMix(seed: 5)
    for _ in 0..<50 { #expect(randomValue(&a, device: true) == randomValue(&b, device: true)) }
    var r = SplitMix(seed: 6)
    for _ in 0..<200 { _ = try Encoder(dialect: .device).encode(randomValue(&r, device: true)) }
}
