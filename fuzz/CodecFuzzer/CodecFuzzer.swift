// libFuzzer harness for the MessagePack decoders (value, node, document) and the stream decoder,
// with a custom mutator that runs the named MessagePack-aware mutators of the Fuzzing library (so
// OSS-Fuzz/ClusterFuzz use them too). Built as OSS-Fuzz builds Swift (scripts/fuzz-libfuzzer.sh):
//   swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DLIBFUZZER --product codec-fuzzer
// CODEC_FUZZER_PLAIN=1 in the environment leaves the mutations to libFuzzer alone. Without
// LIBFUZZER (a normal `swift build`) it is a small program that runs the harness on each file
// given as an argument (see FuzzHarness).
import Fuzzing
import MessagePack
#if canImport(Glibc)
import Glibc
#endif
import FuzzHarness

let standardDecoder = Decoder(options: DecodingOptions(dialect: .standard, maxDepth: 512, maxObjectSize: 1 << 20))
let deviceDecoder = Decoder(options: DecodingOptions(dialect: .device, maxDepth: 512, maxObjectSize: 1 << 20))

@_cdecl("LLVMFuzzerTestOneInput")
public func codecFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = size > 0 ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    let whole = standardDecoder.decodeAll(input)
    _ = deviceDecoder.decodeAll(input)
    // Node tree and fast path agree.
    let values = standardDecoder.decodeAllValues(input)
    if values.values.count != whole.nodes.count || values.error != whole.error
        || zip(values.values, whole.nodes).contains(where: { $0 != $1.value }) {
        fatalError("node tree and fast path disagree")
    }
    // The document (tape) decoder reads the same objects, offsets and error.
    var document = Document()
    var at = 0
    for node in whole.nodes {
        do { try standardDecoder.decodeDocument(input, at: at, into: &document) } catch { fatalError("document decoder refused an object") }
        if document.root.node != node { fatalError("document and node tree disagree") }
        at = document.end
    }
    if let e = whole.error {
        do {
            try standardDecoder.decodeDocument(input, at: at, into: &document)
            fatalError("document decoder accepted what the node decoder refused")
        } catch { if error != e { fatalError("document and node errors differ") } }
    }
    // The stream decoder, fed in chunks whose sizes come from the input, gives the same nodes and
    // the same error (or waits for more exactly where the buffer is cut).
    var stream = StreamDecoder(options: standardDecoder.options)
    var got: [Node] = []
    var streamError: DecodingError? = nil
    var pos = 0
    var step = 1 + Int(size > 0 ? input[size - 1] & 7 : 0)
    feeding: while pos < size {
        let end = min(size, pos + step)
        stream.feed(input[pos..<end])
        pos = end
        step = step % 7 + 1
        while true {
            do {
                guard let n = try stream.next() else { break }
                got.append(n)
            } catch { streamError = error; break feeding }
        }
    }
    guard got.count <= whole.nodes.count, zip(got, whole.nodes).allSatisfy({ $0 == $1 }) else {
        fatalError("stream decoder nodes differ from the whole-buffer nodes")
    }
    switch (whole.error, streamError) {
    case (nil, nil):
        if got.count != whole.nodes.count { fatalError("stream decoder lost objects") }
    case (nil, .some):
        fatalError("stream decoder error where the buffer decodes")
    case (let e?, nil):
        guard case .truncated = e, got.count == whole.nodes.count else { fatalError("stream decoder missed an error") }
    case (let e?, let se?):
        var early = false
        if case .truncated = e, se.offset >= e.offset { early = true }
        if got.count != whole.nodes.count || (se != e && !early) { fatalError("stream and buffer errors differ") }
    }
    return 0
}

#if LIBFUZZER
@_silgen_name("LLVMFuzzerMutate")
func LLVMFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

nonisolated(unsafe) let mutatorTable = MutatorTable.standard
nonisolated(unsafe) let plainMutations = getenv("CODEC_FUZZER_PLAIN").map { String(cString: $0) == "1" } ?? false

@_cdecl("LLVMFuzzerCustomMutator")
public func codecFuzzerCustomMutator(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int, _ seed: CUnsignedInt) -> Int {
    // One in four: libFuzzer's own byte mutations (its CMP-guided ones included).
    if plainMutations || seed % 4 == 0 { return LLVMFuzzerMutate(data, size, maxSize) }
    var input = Array(UnsafeBufferPointer(start: data, count: size))
    var context = MutationContext(seed: UInt64(seed), maxLength: maxSize)
    let stacked = 1 + context.random.below(4)
    for _ in 0..<stacked { _ = mutatorTable.mutateOnce(&input, &context) }
    if input.count > maxSize { input.removeLast(input.count - maxSize) }
    input.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: $0.count) }
    return input.count
}

// The entry (see FuzzHarness): libFuzzer's driver as the symbol SwiftPM links as `main`, or the
// standalone program that runs the harness once on each file given as an argument.
@_cdecl("codec_fuzzer_main") func fuzzerMain(_ argc: CInt, _ argv: FuzzArguments) -> CInt { FuzzHarness.run(argc, argv, codecFuzzerTestOneInput) }
#else
@main enum CodecFuzzerReplay { static func main() { FuzzHarness.replay(codecFuzzerTestOneInput) } }
#endif

