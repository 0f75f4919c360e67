import MessagePack
import MsgscopeTestSupport
import Testing

/// The byte writer every printer writes into: each formatter against an independent reference
/// built with `String`.

@Test("integers are written as String(v) writes them, padded to a width")
func decimals() {
    var r = SplitMix(seed: 15)
    var signed: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, 999_999, 1_000_000, 9_999_999, 10_000_000, .max, .min]
    var unsigned: [UInt64] = [0, 9, 10, 99, 100, 12_345_678_901_234_567_890, .max]
    for _ in 0..<2000 {
        let shift = r.next() % 64
        signed.append(Int64(bitPattern: r.next() >> shift))
        unsigned.append(r.next() >> shift)
    }
    for v in signed {
        var w = ByteWriter(capacity: 1)
        w.decimal(v)
        #expect(w.string == String(v))
        var padded = ByteWriter()
        padded.decimal(Int(v), width: 8)
        let plain = String(v)
        #expect(padded.string == String(repeating: " ", count: max(0, 8 - plain.count)) + plain)
    }
    for v in unsigned {
        var w = ByteWriter(capacity: 1)
        w.decimal(v)
        #expect(w.string == String(v))
    }
}

/// The fixed-point reference: the rounded scaled integer's digits with the point put back in.
func fixedReference(_ v: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let n = UInt64((abs(v) * scale).rounded())
    var s = String(n)
    if s.count <= digits { s = String(repeating: "0", count: digits + 1 - s.count) + s }
    if digits > 0 { s.insert(".", at: s.index(s.endIndex, offsetBy: -digits)) }
    return (v < 0 && n > 0 ? "-" : "") + s
}

@Test("fixed-point decimals: every digit count, signs, carries, and String(v) where they cannot be fixed")
func fixedPoint() {
    var r = SplitMix(seed: 7)
    var cases: [Double] = [0, -0.0, 0.5, 0.05, 9.9995, 99.95, 1e-7, -1e-7, 123_456.789, 8.9e14, -8.9e14]
    for _ in 0..<3000 {
        let magnitude = Double(r.next() % 1_000_000_000) / Double([1, 10, 1000, 1_000_000, 1e9][Int(r.next() % 5)])
        cases.append(r.next() & 1 == 0 ? magnitude : -magnitude)
    }
    for v in cases {
        for digits in 0...9 where abs(v) * pow10(digits) < 1e18 {
            var w = ByteWriter(capacity: 1)
            w.fixed(v, digits)
            #expect(w.string == fixedReference(v, digits), "\(v) to \(digits) digits")
        }
    }
    for v in [Double.nan, .infinity, -.infinity, 1e16, -2e300] {
        var w = ByteWriter()
        w.fixed(v, 6)
        #expect(w.string == String(v))
    }
    var big = ByteWriter()
    big.fixed(8e15, 9)   // would not fit the scaled integer: written as Swift writes it, no trap
    #expect(big.string == String(8e15))
}

func pow10(_ k: Int) -> Double { (0..<k).reduce(1.0) { x, _ in x * 10 } }

@Test("hex, plain and spaced, and growth past the first capacity keeps every byte")
func hexAndGrowth() {
    var r = SplitMix(seed: 3)
    var all = ByteWriter(capacity: 16)
    var expected = ""
    for n in [0, 1, 2, 17, 300] {
        let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: r.next()) }
        let plain = bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }
        var w = ByteWriter(capacity: 1)
        w.hex(bytes[...])
        #expect(w.string == plain.joined())
        var s = ByteWriter(capacity: 1)
        s.hexSpaced(bytes[...])
        #expect(s.string == plain.joined(separator: " "))
        #expect(Hex.string(bytes) == plain.joined())
        #expect(Hex.spaced(bytes) == plain.joined(separator: " "))
        all.hex(bytes[...])
        all.literal("|")
        expected += plain.joined() + "|"
    }
    #expect(all.string == expected)
    #expect(all.count == expected.utf8.count)
}

/// The JSON reference escaping, character by character.
func jsonReference(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20 || u.value == 0x7f:
            out += "\\u00" + (u.value < 16 ? "0" : "") + String(u.value, radix: 16)
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

@Test("JSON quoting, from a String, from bytes and in place, escapes exactly as the reference")
func jsonQuoting() {
    var r = SplitMix(seed: 11)
    let alphabet: [Unicode.Scalar] = ["a", "Z", " ", "\"", "\\", "\n", "\r", "\t", "\u{0}", "\u{1f}", "\u{7f}", "é", "↳", "😀"]
    var strings = ["", "plain", "\"", "\\\\", String(decoding: Array(0..<128), as: UTF8.self)]
    for _ in 0..<500 {
        var s = ""
        for _ in 0..<Int(r.next() % 40) { s.unicodeScalars.append(alphabet[Int(r.next() % UInt64(alphabet.count))]) }
        strings.append(s)
    }
    for s in strings {
        let want = jsonReference(s)
        var w = ByteWriter(capacity: 1)
        JSONMapping.quote(s, into: &w)
        #expect(w.string == want)
        var fromBytes = ByteWriter(capacity: 1)
        JSONMapping.quote(utf8: Array(s.utf8)[...], into: &fromBytes)
        #expect(fromBytes.string == want)
        var legacy = "x"
        JSONMapping.quote(s, into: &legacy)
        #expect(legacy == "x" + want)
        // In place: a prefix, a placeholder, the raw text, then quoted where it stands.
        var inPlace = ByteWriter(capacity: 1)
        inPlace.literal("{\"k\":_")
        let start = inPlace.count
        inPlace.text(s)
        JSONMapping.quoteInPlace(from: start, in: &inPlace)
        inPlace.literal("}")
        #expect(inPlace.string == "{\"k\":" + want + "}")
    }
}
