import MessagePack
import MsgscopeTestSupport
import Testing

let deviceDecodingCases: [(String, MessagePackValue)] = [
    ("cc c8", MessagePackValue.int(-56)),
    ("cd 9c 40", .int(-25536)),
    ("ce ff ff ff ff", .int(-1)),
    ("d2 80 00 00 00", .int(0)),
    ("d2 40 00 00 00", .int(-(1 << 30))),
    ("d2 00 01 86 a0", .int(100_000)),
    ("d4 ff 00", .ext(type: -1, data: [0])),
    ("d6 ff 00 00 00 01", .ext(type: -1, data: [0, 0, 0, 1])),
]

@Test("device decoder: unsigned formats read as signed, d2 wraps, 64-bit refused", arguments: deviceDecodingCases)
func deviceDecoding(_ h: String, _ v: MessagePackValue) throws {
    #expect(try Decoder(dialect: .device).decode(hex(h)) == v)
}

@Test("device decoder refuses cb cf d3 c1", arguments: ["cb 00 00 00 00 00 00 00 00", "cf 00 00 00 00 00 00 00 00", "d3 00 00 00 00 00 00 00 00", "c1"])
func deviceRefuses(_ h: String) {
    let b = hex(h)
    #expect(throws: DecodingError.invalidByte(offset: 0, byte: b[0], dialect: .device)) {
        try Decoder(dialect: .device).decode(b)
    }
}

let deviceEncodingCases: [(MessagePackValue, String)] = [
    (MessagePackValue.int(-31), "e1"),
    (.int(-32), "d0 e0"),
    (.int(127), "7f"),
    (.int(128), "d1 00 80"),
    (.int(-128), "d0 80"),
    (.int(300), "d1 01 2c"),
    (.int(-20000), "d1 b1 e0"),
    (.int(100_000), "d2 00 01 86 a0"),
    (.int((1 << 30) - 1), "d2 3f ff ff ff"),
    (.int(-(1 << 30)), "d2 c0 00 00 00"),
    (.double(1.5), "ca 3f c0 00 00"),
    (.float(2.25), "ca 40 10 00 00"),
    (.ext(type: 3, data: []), "c7 00 03"),
    (.ext(type: 3, data: [0x0d, 0x0a]), "d5 03 0d 0a"),
    (.binary([1, 2]), "c4 02 01 02"),
    (.array(["cm", .ext(type: 1, data: [0, 0, 0, 2]), "add", .array([.double(1.5), .double(2.25)]), .map([])]),
     "95 a2 63 6d d6 01 00 00 00 02 a3 61 64 64 92 ca 3f c0 00 00 ca 40 10 00 00 80"),
]

@Test("device encoder: exactly the device's bytes", arguments: deviceEncodingCases)
func deviceEncoding(_ v: MessagePackValue, _ h: String) throws {
    #expect(Hex.spaced(try Encoder(dialect: .device).encode(v)) == Hex.spaced(hex(h)))
}

@Test("device encoder refuses ints beyond the small-int range", arguments: [Int64(1 << 30), Int64(-(1 << 30) - 1), Int64.max] as [Int64])
func deviceRefusesBigInts(_ v: Int64) {
    #expect(throws: EncodingError.self) { try Encoder(dialect: .device).encode(.int(v)) }
}

@Test("round trip, standard dialect: decode(encode(v)) == v", arguments: 0..<4)
func roundTripStandard(seed: Int) throws {
    var r = SplitMix(seed: UInt64(seed))
    for _ in 0..<300 {
        let v = randomValue(&r, device: false)
        let bytes = try Encoder().encode(v)
        #expect(try Decoder().decode(bytes) == v)
        #expect(try Decoder().decodeNode(bytes).value == v)
    }
}

@Test("round trip, device dialect: device decode(device encode(v)) == v", arguments: 0..<4)
func roundTripDevice(seed: Int) throws {
    var r = SplitMix(seed: UInt64(seed) + 100)
    for _ in 0..<300 {
        let v = randomValue(&r, device: true)
        let bytes = try Encoder(dialect: .device).encode(v)
        #expect(try Decoder(dialect: .device).decode(bytes) == v)
        // The device never emits unsigned or 64-bit formats.
        #expect(!DeviceLint.lint(bytes).contains { $0.severity >= .differs && $0.id != "ext-code-negative" })
    }
}

let lintCases: [(String, String, Int)] = [
    ("cc c8", "uint-read-as-signed", 0),
    ("92 01 cd 9c 40", "uint-read-as-signed", 2),
    ("cb 3f f8 00 00 00 00 00 00", "float64-refused", 0),
    ("cf 00 00 00 00 00 00 00 01", "uint64-refused", 0),
    ("d3 00 00 00 00 00 00 00 01", "int64-refused", 0),
    ("91 d2 80 00 00 00", "int32-wraps", 1),
    ("d4 ff 00", "ext-code-negative", 0),
    ("82 01 02 01 03", "duplicate-map-key", 3),
    ("81 91 01 02", "unhashable-map-key", 1),
    ("c1", "invalid-byte", 0),
    ("a5 61", "truncated", 0),
]

@Test("device lint names each difference with its offset", arguments: lintCases)
func lintFindings(_ h: String, _ id: String, _ offset: Int) throws {
    let f = DeviceLint.lint(hex(h))
    let hit = try #require(f.first { $0.id == id }, "\(f)")
    #expect(hit.offset == offset)
    #expect(!hit.message.isEmpty)
}

@Test("the lint is quiet on what the device itself sends")
func lintQuietOnDeviceTraffic() {
    let frames = [
        "91 a3 76 65 72", "a2 56 31", "d6 01 00 00 00 01",
        "95 a2 63 6d d6 01 00 00 00 02 a3 61 64 64 92 d1 01 2c d1 b1 e0 80",
        "92 a2 5f 64 c4 04 00 00 00 01", "c7 05 03 68 65 6c 6c 6f",
    ]
    for f in frames { #expect(DeviceLint.lint(hex(f)).isEmpty, "\(f)") }
}
