import MessagePack
import MsgscopeTestSupport
import Testing

/// The document (tape) decoder must read every input exactly as the value and node decoders do:
/// the same value, the same offsets and formats, the same error.
func expectDocumentAgrees(_ bytes: [UInt8], _ options: DecodingOptions, at offset: Int = 0,
                          sourceLocation: SourceLocation = #_sourceLocation) {
    let decoder = Decoder(options: options)
    let value = Result { () throws(DecodingError) in try decoder.decodeValue(bytes, at: offset) }
    let node = Result { () throws(DecodingError) in try decoder.decodeNode(bytes, at: offset) }
    let doc = Result { () throws(DecodingError) in try decoder.decodeDocument(bytes, at: offset) }
    switch (value, node, doc) {
    case let (.success(v), .success(n), .success(d)):
        #expect(d.value == v.value, sourceLocation: sourceLocation)
        #expect(d.end == v.end, sourceLocation: sourceLocation)
        #expect(d.root.node == n, sourceLocation: sourceLocation)
    case let (.failure(e1), .failure(e2), .failure(e3)):
        #expect(e1 == e2 && e1 == e3, sourceLocation: sourceLocation)
    default:
        Issue.record("decoders disagree on \(Hex.string(bytes)): value \(value), document \(doc)",
                     sourceLocation: sourceLocation)
    }
}

@Test("a document decodes every vector as the value and node decoders do, in both dialects",
      arguments: vectors)
func documentVector(_ v: Vector) {
    let bytes = hex(v.hex)
    expectDocumentAgrees(bytes, .standard)
    expectDocumentAgrees(bytes, .device)
    expectDocumentAgrees(bytes, DecodingOptions(strictUTF8: true))
}

@Test("a document reads each device crash input as the value decoder does", arguments: crashInputs.map { $0.0 })
func documentCrashInput(_ name: String) throws {
    let bytes = try #require(crashInputs.first { $0.0 == name }).1
    expectDocumentAgrees(bytes, .standard)
    expectDocumentAgrees(bytes, .device)
    // The length lies are refused before anything is allocated; 300 levels of nesting are within
    // the default depth limit (a lint finding, not a decoding error) and refused below it.
    if name == "nesting" {
        #expect(throws: DecodingError.depthBeyondLimit(offset: 64, limit: 64)) {
            try Decoder(options: DecodingOptions(maxDepth: 64)).decodeDocument(bytes)
        }
    } else {
        #expect(throws: DecodingError.self) { try Decoder().decodeDocument(bytes) }
    }
}

@Test("documents agree with the value decoder on random values and on random and mutated bytes")
func documentRandom() throws {
    var r = SplitMix(seed: 2026)
    let encoder = Encoder()
    for i in 0..<2000 {
        let value = randomValue(&r, device: false)
        var bytes = try encoder.encode(value)
        expectDocumentAgrees(bytes, .standard)
        expectDocumentAgrees(bytes, .device)
        #expect(try Decoder().decodeDocument(bytes).value == value)
        // Mutated: a flipped byte, then a cut, to reach the error paths mid-object.
        let at = Int(r.next() % UInt64(bytes.count))
        bytes[at] ^= UInt8(truncatingIfNeeded: r.next() | 1)
        expectDocumentAgrees(bytes, .standard)
        expectDocumentAgrees(Array(bytes.prefix(max(1, at))), .device)
        // Garbage, decoded from a non-zero offset too.
        let n = 1 + Int(r.next() % 40)
        let garbage = (0..<n).map { _ in UInt8(truncatingIfNeeded: r.next()) }
        expectDocumentAgrees(garbage, .standard, at: i % n)
        expectDocumentAgrees(garbage, DecodingOptions(maxDepth: 3, maxObjectSize: 16, strictUTF8: true))
    }
}

@Test("items: kinds, offsets, children of a urpc call, and payload access")
func documentItems() throws {
    // ["cm", ExtType(1, 00000002), "add", [5, 7], {}] — a call as the client sends it.
    let bytes = hex("95 a2 63 6d d6 01 00 00 00 02 a3 61 64 64 92 05 07 80")
    let doc = try Decoder().decodeDocument(bytes)
    #expect(doc.count == 8)
    let root = doc.root
    #expect(root.kind == .array && root.count == 5 && root.format == .fixarray)
    #expect(root.range == 0..<bytes.count && root.subtreeEnd == 8)
    let children = Array(root.children)
    #expect(children.map(\.kind) == [.string, .ext, .string, .array, .map])
    #expect(children.map(\.offset) == [1, 4, 10, 14, 17])
    #expect(children[0].string == "cm")
    #expect(children[1].extType == 1 && children[1].payload.map(Array.init) == [0, 0, 0, 2])
    #expect(children[1].headerLength == 2 && children[1].range == 4..<10)
    #expect(children[3].children.map(\.int) == [5, 7])
    #expect(children[3].range == 14..<17)
    #expect(children[4].count == 0 && children[4].range == 17..<18)
    #expect(children[0].int == nil && children[2].string == "add")
}

@Test("a document is reused across decodes without disturbing copies taken earlier")
func documentReuse() throws {
    let decoder = Decoder()
    let big = try Encoder().encode(.array((0..<5000).map { .int(Int64($0)) }))   // grows the tape
    let small = hex("92 a1 61 c3")
    var doc = Document()
    try decoder.decodeDocument(big, into: &doc)
    let kept = doc
    try decoder.decodeDocument(small, into: &doc)
    #expect(doc.value == ["a", true])
    #expect(kept.count == 5001 && kept.root.children.map(\.int).last == 4999)
    #expect(kept.value == .array((0..<5000).map { .int(Int64($0)) }))
    // An error leaves the document empty, not half filled.
    #expect(throws: DecodingError.truncated(offset: 0, needed: 3, available: 2)) {
        try decoder.decodeDocument(hex("92 01"), into: &doc)
    }
    #expect(doc.count == 0 && doc.end == 0)
    try decoder.decodeDocument(big, at: 0, into: &doc)
    #expect(doc.value == kept.value)
}

@Test("a document decodes back-to-back objects from their offsets")
func documentOffsets() throws {
    let bytes = hex("01 92 02 03 a1 78")
    var doc = Document()
    var pos = 0
    var values: [MessagePackValue] = []
    while pos < bytes.count {
        try Decoder().decodeDocument(bytes, at: pos, into: &doc)
        #expect(doc.root.offset == pos)
        values.append(doc.value)
        pos = doc.end
    }
    #expect(values == [1, [2, 3], "x"])
}
