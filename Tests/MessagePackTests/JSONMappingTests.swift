import MessagePack
import MsgscopeTestSupport
import Testing

let jsonCases: [(String, String)] = [
    ("c0", "null"),
    ("c3", "true"),
    ("cf ff ff ff ff ff ff ff ff", "18446744073709551615"),
    ("d3 80 00 00 00 00 00 00 00", "-9223372036854775808"),
    ("ca 3f b5 04 f3", "1.4142135381698608"),
    ("cb 7f f8 00 00 00 00 00 00", "{\"$float\":\"nan\"}"),
    ("cb 7f f0 00 00 00 00 00 00", "{\"$float\":\"inf\"}"),
    ("cb ff f0 00 00 00 00 00 00", "{\"$float\":\"-inf\"}"),
    ("a4 61 0a 22 01", "\"a\\n\\\"\\u0001\""),
    ("a2 ff fe", "{\"$str\":\"fffe\"}"),
    ("c4 02 00 ab", "{\"$bin\":\"00ab\"}"),
    ("92 01 a1 78", "[1,\"x\"]"),
    ("82 a1 61 01 a1 62 02", "{\"a\":1,\"b\":2}"),
    ("82 a1 61 01 a1 61 02", "{\"$map\":[[\"a\",1],[\"a\",2]]}"),
    ("81 01 02", "{\"$map\":[[1,2]]}"),
    ("d6 ff 00 00 00 01", "{\"$timestamp\":[1,0]}"),
    ("d6 01 00 00 00 02", "{\"$ext\":1,\"hex\":\"00000002\"}"),
]

@Test("JSON mapping of every kind", arguments: jsonCases)
func jsonMapping(_ h: String, _ json: String) throws {
    #expect(JSONMapping().json(try Decoder().decode(hex(h))) == json)
}

@Test("a float written to JSON reads back to the same float")
func floatsReadBack() {
    var r = SplitMix(seed: 9)
    for _ in 0..<2000 {
        let f = Float(bitPattern: UInt32(truncatingIfNeeded: r.next()))
        guard f.isFinite else { continue }
        let text = JSONMapping().json(.float(f))
        #expect(Double(text).map(Float.init) == f)
        let d = Double(bitPattern: r.next())
        guard d.isFinite else { continue }
        #expect(Double(JSONMapping().json(.double(d))) == d)
    }
}
