import MessagePack
import MsgscopeTestSupport
import Testing

/// All vectors back to back, as one stream.
let streamBytes: [UInt8] = vectors.flatMap { hex($0.hex) }

func decodeStream(_ bytes: [UInt8], chunks: [Int], options: DecodingOptions = .standard) throws -> [Node] {
    var d = StreamDecoder(options: options)
    var out: [Node] = []
    var pos = 0
    var i = 0
    while pos < bytes.count {
        let n = min(chunks[i % chunks.count], bytes.count - pos)
        d.feed(bytes[pos..<(pos + n)])
        pos += n
        i += 1
        while let node = try d.next() { out.append(node) }
    }
    return out
}

@Test("byte-by-byte feeding gives the same nodes and offsets as the whole buffer")
func streamByteByByte() throws {
    let whole = Decoder().decodeAll(streamBytes)
    #expect(whole.error == nil)
    let streamed = try decodeStream(streamBytes, chunks: [1])
    #expect(streamed == whole.nodes)
}

@Test("every split point of every vector", arguments: vectors)
func streamEverySplit(_ v: Vector) throws {
    let bytes = hex(v.hex) + hex(v.hex)
    let whole = Decoder().decodeAll(bytes).nodes
    for split in 1..<bytes.count {
        var d = StreamDecoder()
        var got: [Node] = []
        d.feed(bytes[0..<split])
        while let n = try d.next() { got.append(n) }
        d.feed(bytes[split...])
        while let n = try d.next() { got.append(n) }
        #expect(got == whole, "split at \(split)")
        #expect(d.bufferedCount == 0)
    }
}

@Test("random chunkings", arguments: [3, 7, 64, 1000] as [UInt64])
func streamRandomChunks(seed: UInt64) throws {
    var r = SplitMix(seed: seed)
    let whole = Decoder().decodeAll(streamBytes).nodes
    let chunks = (0..<50).map { _ in 1 + Int(r.next() % 40) }
    #expect(try decodeStream(streamBytes, chunks: chunks) == whole)
}

@Test("a partial object reports need-more-data, not an error")
func streamNeedsMore() throws {
    var d = StreamDecoder()
    d.feed(hex("95 a2 63"))
    #expect(try d.next() == nil)
    #expect(d.isInsideObject)
    #expect(d.offset == 0)
}

@Test("raw bytes (urpc ri) are taken by length between objects")
func streamRaw() throws {
    var d = StreamDecoder()
    d.feed(hex("05 68 65"))
    #expect(try d.nextValue()?.value == 5)
    #expect(d.nextRaw(count: 5) == nil)
    d.feed(hex("6c 6c 6f c0"))
    #expect(d.nextRaw(count: 5).map(Array.init) == Array("hello".utf8))
    let last = try #require(try d.nextValue())
    #expect(last.value == .nil)
    #expect(last.range == 6..<7)
}

@Test("streaming is linear: a 4 MB bin fed in 1-byte chunks")
func streamLinear() throws {
    // Quadratic re-parsing would take minutes here; the scanner skips payloads by length.
    let n = 4 << 20
    var bytes: [UInt8] = [0xc6, 0x00, 0x40, 0x00, 0x00]
    bytes += [UInt8](repeating: 0x55, count: n)
    var d = StreamDecoder()
    var got: Node?
    for b in bytes {
        d.feed(CollectionOfOne(b))
        if let x = try d.next() { got = x }
    }
    #expect(got?.range == 0..<(n + 5))
}

@Test("after an error the stream can be resynchronised by skipping")
func streamResync() throws {
    var d = StreamDecoder()
    d.feed(hex("c1 91 a3 76 65 72"))
    #expect(throws: DecodingError.invalidByte(offset: 0, byte: 0xc1, dialect: .standard)) { try d.next() }
    d.skip(1)
    let n = try #require(try d.next())
    #expect(n.value == ["ver"])
    #expect(n.offset == 1)
}

@Test("a fed array adopted as the buffer: offsets run on and earlier slices keep their bytes")
func streamAdoptsFedArrays() throws {
    var d = StreamDecoder()
    d.feed(hex("92 01 02"))                       // one whole object
    let first = try #require(try d.next())
    let firstBytes = try #require(d.bytes(in: first.range))
    d.feed(hex("a3 61 62"))                       // adopted (nothing left over), then grown
    #expect(try d.next() == nil)
    d.feed(hex("63 c3"))
    let s = try #require(try d.next())
    #expect(s.range == 3..<7 && s.value == .string("abc"))
    #expect(try d.nextValue()?.range == 7..<8)
    d.feed(hex("05"))
    #expect(try d.nextValue()?.value == .int(5))
    #expect(Array(firstBytes) == hex("92 01 02"))
    #expect(d.offset == 9 && d.bufferedCount == 0)
}
