import MessagePack
import MsgscopeTestSupport
import Testing

/// Spec §2's device crash inputs, each followed by a few hundred bytes as on the wire.
let crashInputs: [(String, [UInt8], String)] = [
    ("bin32", hex("c6 ff ff ff ff") + [UInt8](repeating: 0x41, count: 300), "bin32-length-overflow"),
    ("str32", hex("db ff ff ff ff") + [UInt8](repeating: 0x41, count: 300), "str32-length-overflow"),
    ("ext32", hex("c9 ff ff ff ff 01") + [UInt8](repeating: 0x41, count: 300), "ext32-length-overflow"),
    ("array32", hex("dd 40 00 00 00") + [UInt8](repeating: 0xc0, count: 300), "array32-count-overflow"),
    ("map32", hex("df 20 00 00 00") + [UInt8](repeating: 0xc0, count: 300), "map32-count-overflow"),
    ("nesting", [UInt8](repeating: 0x91, count: 300) + [0xc0], "nesting-overflow"),
]

@Test("each device crash input is a clean error (whole buffer) and a crash lint finding",
      arguments: crashInputs.map { $0.0 })
func crashInputIsCleanError(_ name: String) throws {
    let (_, bytes, lintID) = crashInputs.first { $0.0 == name }!
    let result = Result { try Decoder().decodeValue(bytes) }
    if name == "nesting" {
        // 300 levels are within the default limit of 512 for the standard decoder.
        #expect((try? result.get()) != nil)
        #expect(throws: DecodingError.depthBeyondLimit(offset: 64, limit: 64)) {
            try Decoder(options: DecodingOptions(maxDepth: 64)).decodeValue(bytes)
        }
    } else {
        #expect(throws: DecodingError.self) { try result.get() }
        if case .failure(let e as DecodingError) = result {
            // Lengths are checked against the bytes present (truncated) or the object size limit.
            #expect(["truncated", "length-beyond-limit"].contains(e.reason))
            #expect(e.offset == 0)
        }
    }
    let findings = DeviceLint.lint(bytes)
    let crash = try #require(findings.first { $0.severity == .crash })
    #expect(crash.id == lintID)
}

@Test("streaming: a declared 4 GiB bin allocates nothing and is refused past the limit")
func streamingHugeLength() throws {
    var d = StreamDecoder(options: DecodingOptions(maxObjectSize: 1 << 20))
    d.feed(hex("c6 ff ff ff ff 00 01 02"))
    #expect(throws: DecodingError.lengthBeyondLimit(offset: 0, length: 0xffff_ffff, limit: 1 << 20)) { try d.next() }
    // Within the limit, a declared length only waits for its bytes.
    var e = StreamDecoder(options: DecodingOptions(maxObjectSize: 1 << 20))
    e.feed(hex("c6 00 0f 00 00 00 01 02"))
    #expect(try e.next() == nil)
    #expect(e.bufferedCount == 8)
}

@Test("streaming: array and map counts beyond the limit are refused at the header")
func streamingHugeCounts() throws {
    for h in ["dd 40 00 00 00", "df 20 00 00 00", "dd ff ff ff ff"] {
        var d = StreamDecoder(options: DecodingOptions(maxObjectSize: 1 << 16))
        d.feed(hex(h))
        #expect(throws: DecodingError.self) { try d.next() }
    }
}

@Test("streaming: depth beyond the limit, offset of the container that goes too deep")
func streamingDepth() throws {
    var d = StreamDecoder(options: DecodingOptions(maxDepth: 10))
    d.feed([UInt8](repeating: 0x91, count: 20))
    #expect(throws: DecodingError.depthBeyondLimit(offset: 10, limit: 10)) { try d.next() }
}

@Test("deep nesting far beyond any limit does not overflow the stack")
func veryDeepNesting() {
    let bytes = [UInt8](repeating: 0x91, count: 1_000_000) + [0xc0]
    #expect(throws: DecodingError.depthBeyondLimit(offset: 512, limit: 512)) { try Decoder().decodeValue(bytes) }
    let lint = DeviceLint.lint(bytes)
    #expect(lint.first?.id == "nesting-overflow")
}

let truncationCases: [(String, Int)] = [
    ("95 a2 63 6d d6 01 00", 4),
    ("a5 61 62", 0),
    ("92 01 c4 05 01", 2),
    ("cd 01", 0),
    ("91", 0),
]

@Test("truncated objects name the offset of the object that is cut", arguments: truncationCases)
func truncatedOffsets(hexString: String, offset: Int) {
    let r = Result { try Decoder().decodeValue(hex(hexString)) }
    guard case .failure(let e as DecodingError) = r else { Issue.record("no error"); return }
    #expect(e.reason == "truncated")
    #expect(e.offset == offset)
}

@Test("strict UTF-8 refuses invalid str; lenient keeps the bytes")
func utf8() throws {
    let bytes = hex("a2 ff fe")
    #expect(throws: DecodingError.invalidUTF8(offset: 0)) {
        try Decoder(options: DecodingOptions(strictUTF8: true)).decodeValue(bytes)
    }
    #expect(try Decoder().decode(bytes) == .invalidString([0xff, 0xfe]))
}

@Test("random garbage never traps and errors carry offsets inside the input")
func garbage() {
    var r = SplitMix(seed: 42)
    for _ in 0..<3000 {
        let n = Int(r.next() % 64)
        let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: r.next()) }
        let (nodes, error) = Decoder().decodeAll(bytes)
        if let error { #expect(error.offset >= 0 && error.offset < max(1, bytes.count)) }
        // The value fast path agrees with the node tree.
        let values = Decoder().decodeAllValues(bytes)
        #expect(values.values == nodes.map(\.value))
        #expect(values.error == error)
        _ = DeviceLint.lint(bytes)
    }
}
