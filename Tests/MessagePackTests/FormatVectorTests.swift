import MessagePack
import Testing

/// One wire vector: bytes, the value they decode to (standard dialect), the format of the first
/// byte, and whether the standard encoder produces exactly these bytes for that value.
struct Vector: CustomTestStringConvertible, Sendable {
    let hex: String
    let value: MessagePackValue
    let format: Format
    let canonical: Bool
    init(_ hex: String, _ value: MessagePackValue, _ format: Format, canonical: Bool = true) {
        self.hex = hex; self.value = value; self.format = format; self.canonical = canonical
    }
    var testDescription: String { hex }
}

let vectors: [Vector] = [
    Vector("c0", .nil, .nil),
    Vector("c2", false, .false),
    Vector("c3", true, .true),
    Vector("00", 0, .positiveFixint),
    Vector("7f", 127, .positiveFixint),
    Vector("cc 80", 128, .uint8),
    Vector("cc ff", 255, .uint8),
    Vector("cd 01 00", 256, .uint16),
    Vector("cd ff ff", 65535, .uint16),
    Vector("ce 00 01 00 00", 65536, .uint32),
    Vector("ce ff ff ff ff", .int(4_294_967_295), .uint32),
    Vector("cf 00 00 00 01 00 00 00 00", .int(4_294_967_296), .uint64),
    Vector("cf ff ff ff ff ff ff ff ff", .uint(UInt64.max), .uint64),
    Vector("cf 7f ff ff ff ff ff ff ff", .int(Int64.max), .uint64),
    Vector("ff", -1, .negativeFixint),
    Vector("e0", -32, .negativeFixint),
    Vector("d0 df", -33, .int8),
    Vector("d0 80", -128, .int8),
    Vector("d1 ff 7f", -129, .int16),
    Vector("d1 80 00", -32768, .int16),
    Vector("d2 ff ff 7f ff", -32769, .int32),
    Vector("d2 80 00 00 00", .int(Int64(Int32.min)), .int32),
    Vector("d3 ff ff ff ff 7f ff ff ff", .int(Int64(Int32.min) - 1), .int64),
    Vector("d3 80 00 00 00 00 00 00 00", .int(Int64.min), .int64),
    // Non-canonical widths decode to the same numbers.
    Vector("cc 05", 5, .uint8, canonical: false),
    Vector("d0 05", 5, .int8, canonical: false),
    Vector("d2 00 01 86 a0", 100_000, .int32, canonical: false),
    Vector("d1 01 2c", 300, .int16, canonical: false),
    Vector("ca 3f c0 00 00", .float(1.5), .float32),
    Vector("ca 3f b5 04 f3", .float(1.4142135), .float32),
    Vector("cb 3f f8 00 00 00 00 00 00", .double(1.5), .float64),
    Vector("cb 7f f8 00 00 00 00 00 00", .double(.nan), .float64),
    Vector("a0", "", .fixstr),
    Vector("a3 61 62 63", "abc", .fixstr),
    Vector("b0 " + String(repeating: "61 ", count: 16), .string(String(repeating: "a", count: 16)), .fixstr),
    Vector("b1 " + String(repeating: "61 ", count: 17), .string(String(repeating: "a", count: 17)), .fixstr),
    Vector("bf " + String(repeating: "61 ", count: 31), .string(String(repeating: "a", count: 31)), .fixstr),
    Vector("d9 20 " + String(repeating: "61 ", count: 32), .string(String(repeating: "a", count: 32)), .str8),
    Vector("d9 00", "", .str8, canonical: false),
    Vector("da 01 00 " + String(repeating: "62 ", count: 256), .string(String(repeating: "b", count: 256)), .str16),
    Vector("db 00 00 00 01 63", "c", .str32, canonical: false),
    Vector("c4 00", .binary([]), .bin8),
    Vector("c4 10 " + String(repeating: "01 ", count: 16), .binary(ArraySlice(repeating: 1, count: 16)), .bin8),
    Vector("c4 11 " + String(repeating: "01 ", count: 17), .binary(ArraySlice(repeating: 1, count: 17)), .bin8),
    Vector("c5 01 00 " + String(repeating: "02 ", count: 256), .binary(ArraySlice(repeating: 2, count: 256)), .bin16),
    Vector("c6 00 00 00 02 ab cd", .binary([0xab, 0xcd]), .bin32, canonical: false),
    Vector("90", [], .fixarray),
    Vector("91 01", [1], .fixarray),
    Vector("dc 00 10 " + String(repeating: "c0 ", count: 16), .array(Array(repeating: .nil, count: 16)), .array16),
    Vector("dd 00 00 00 01 c3", [true], .array32, canonical: false),
    Vector("80", .map([]), .fixmap),
    Vector("81 a1 61 01", .map([(key: "a", value: 1)]), .fixmap),
    Vector("de 00 10 " + (0..<16).map { String(format2($0)) + " c0 " }.joined(),
           .map((0..<16).map { (key: .int(Int64($0)), value: .nil) }), .map16),
    Vector("df 00 00 00 01 01 02", .map([(key: 1, value: 2)]), .map32, canonical: false),
    Vector("d4 01 aa", .ext(type: 1, data: [0xaa]), .fixext1),
    Vector("d5 02 aa bb", .ext(type: 2, data: [0xaa, 0xbb]), .fixext2),
    Vector("d6 01 00 00 00 02", .ext(type: 1, data: [0, 0, 0, 2]), .fixext4),
    Vector("d7 01 6d 79 5f 76 61 6c 75 65", .ext(type: 1, data: ArraySlice("my_value".utf8)), .fixext8),
    Vector("d8 05 " + String(repeating: "07 ", count: 16), .ext(type: 5, data: ArraySlice(repeating: 7, count: 16)), .fixext16),
    Vector("c7 00 03", .ext(type: 3, data: []), .ext8),
    Vector("c7 05 03 68 65 6c 6c 6f", .ext(type: 3, data: ArraySlice("hello".utf8)), .ext8),
    Vector("c7 03 7f 01 02 03", .ext(type: 127, data: [1, 2, 3]), .ext8),
    Vector("c8 01 00 01 " + String(repeating: "00 ", count: 256), .ext(type: 1, data: ArraySlice(repeating: 0, count: 256)), .ext16),
    Vector("c9 00 00 00 03 80 01 02 03", .ext(type: -128, data: [1, 2, 3]), .ext32, canonical: false),
    // Timestamp extension: 32-, 64- and 96-bit forms.
    Vector("d6 ff 00 00 00 01", .timestamp(seconds: 1, nanoseconds: 0), .fixext4),
    Vector("d7 ff 00 00 00 04 00 00 00 01", .timestamp(seconds: 1, nanoseconds: 1), .fixext8),
    Vector("c7 0c ff 00 00 00 01 ff ff ff ff ff ff ff ff", .timestamp(seconds: -1, nanoseconds: 1), .ext8),
    // The seed's two examples, byte for byte.
    Vector("83 a3 73 74 72 a4 62 6c 61 68 a5 62 79 74 65 73 c4 06 30 31 32 33 34 35 a4 6c 69 73 74 95 c3 c2 c0 01 a3 61 62 63",
           .map([(key: "str", value: "blah"), (key: "bytes", value: .binary(ArraySlice("012345".utf8))),
                 (key: "list", value: [true, false, nil, 1, "abc"])]), .fixmap),
]

func format2(_ i: Int) -> String { i < 16 ? "0" + String(i, radix: 16) : String(i, radix: 16) }

@Test("every vector decodes to its value, format and range", arguments: vectors)
func decodesVector(_ v: Vector) throws {
    let bytes = hex(v.hex)
    let node = try Decoder().decodeNode(bytes)
    #expect(node.format == v.format)
    #expect(node.value == v.value)
    #expect(node.range == 0..<bytes.count)
    #expect(try Decoder().decode(bytes) == v.value)
}

@Test("the standard encoder writes the smallest format", arguments: vectors.filter(\.canonical))
func encodesVector(_ v: Vector) throws {
    #expect(Hex.spaced(try Encoder().encode(v.value)) == Hex.spaced(hex(v.hex)))
}

@Test("all 256 first bytes are classified; only c1 is refused on its own")
func allFirstBytes() {
    for b in 0...255 {
        let byte = UInt8(b)
        let f = Format(byte: byte)
        #expect((f == .neverUsed) == (byte == 0xc1))
        // Followed by 64 zero bytes, every first byte but c1 decodes (lengths are small).
        let bytes = [byte] + [UInt8](repeating: 0, count: 64)
        let r = Result { try Decoder().decodeValue(bytes) }
        if byte == 0xc1 {
            #expect(throws: DecodingError.invalidByte(offset: 0, byte: 0xc1, dialect: .standard)) { try r.get() }
        } else if [0xc6, 0xdb, 0xc9].contains(byte) || (0xdd...0xdf).contains(byte) {
            // 32-bit lengths of zero bytes: fine too.
            #expect((try? r.get()) != nil)
        } else {
            #expect((try? r.get()) != nil, "first byte \(b)")
        }
    }
}

@Test("node offsets: header and payload ranges of nested values")
func nodeRanges() throws {
    // ["cm", P2, "add", [5, 7], {}]
    let bytes = hex("95 a2 63 6d d6 01 00 00 00 02 a3 61 64 64 92 05 07 80")
    let n = try Decoder().decodeNode(bytes)
    let c = n.children
    #expect(c.count == 5)
    #expect(c[1].format == .fixext4)
    #expect(c[1].range == 4..<10)
    #expect(c[1].headerRange == 4..<6)
    #expect(c[1].payloadRange == 6..<10)
    #expect(c[3].range == 14..<17)
    #expect(c[3].children.map(\.offset) == [15, 16])
    #expect(c[4].range == 17..<18)
}
