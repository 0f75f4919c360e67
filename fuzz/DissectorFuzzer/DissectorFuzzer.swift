// libFuzzer harness for the dissector's byte-stream path: the URPC layer fed raw bytes. Built as
// OSS-Fuzz builds Swift (scripts/fuzz-libfuzzer.sh dissector):
//   swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DLIBFUZZER --product dissector-fuzzer
// Without LIBFUZZER (a normal `swift build`) it is a small program that runs the harness on each
// file given as an argument (see FuzzHarness).
//
// Input layout: the first byte chooses the chunking; the rest is cut into segments that alternate
// direction (client→server, server→client) at the input's own 0xff-counted boundaries, so a
// mutated input explores interleavings, splits and garbage on both sides. Oracles: no trap, no
// hang, every message's stream range lies inside what was fed in its direction, ranges within a
// direction do not overlap and only move forward, and every byte fed is accounted for.
//
// Deliberate repetition: Tests/URPCTests/DissectorFuzzRegressionTests.swift replays crash inputs
// through a copy of this body; both are to call one body in the test-support target (issue 14,
// step 5).

import Capture
import MessagePack
import URPC
import FuzzHarness

@_cdecl("LLVMFuzzerTestOneInput")
public func dissectorFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard size > 1, let data else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let control = input[0]
    let body = input[1...]
    let client = Endpoint(address: "127.0.0.1", port: 50000)
    let server = Endpoint(address: "127.0.0.1", port: 7000)
    let dissector = Dissector(options: DissectorOptions(serverPort: control & 1 == 0 ? 7000 : nil,
                                                         decoding: DecodingOptions(maxDepth: 64, maxObjectSize: 1 << 16)))
    var fed: [StreamSide: Int] = [.a: 0, .b: 0]
    var messages: [Message] = []
    var side = StreamSide.a
    var frame = 0
    var pos = body.startIndex
    let maxChunk = 1 + Int(control >> 1 & 0x1f)
    while pos < body.endIndex {
        // A chunk ends at the next 0xff marker or after maxChunk bytes; markers switch direction.
        var end = pos
        while end < body.endIndex, end - pos < maxChunk, body[end] != 0xff { end += 1 }
        if end > pos {
            frame += 1
            let bytes = Array(body[pos..<end])
            let (src, dst) = side == .a ? (client, server) : (server, client)
            let seg = StreamSegment(frame: frame, time: Timestamp(seconds: 1, nanoseconds: UInt32(frame)), stream: 0,
                                    side: side, source: src, destination: dst, startedMidStream: control & 0x40 != 0,
                                    payload: .bytes(bytes))
            fed[side, default: 0] += bytes.count
            messages += dissector.consume(seg)
        }
        if end < body.endIndex, body[end] == 0xff {
            side = side.other
            end += 1
        }
        pos = end
    }
    messages += dissector.finish()
    // The dissector decides which side is the client (from the port or the content).
    let clientIsA = dissector.streamInfos.first.map { $0.client == client } ?? true
    var last: [Direction: Int] = [:]
    for m in messages where m.index >= 0 {
        let limit = (m.direction == .clientToServer) == clientIsA ? fed[.a]! : fed[.b]!
        let r = m.streamRange
        if r.lowerBound < 0 || r.upperBound > limit { fatalError("message range \(r) outside the \(limit) bytes fed") }
        if r.lowerBound < last[m.direction, default: 0] && !r.isEmpty { fatalError("overlapping or backward message ranges") }
        if !r.isEmpty { last[m.direction] = r.upperBound }
        if m.bytes.count != r.count && m.part != .legacyTraceback && m.part != .skipped {
            fatalError("message bytes do not match its range")
        }
    }
    return 0
}

#if LIBFUZZER
// The entry (see FuzzHarness): libFuzzer's driver as the symbol SwiftPM links as `main`, or the
// standalone program that runs the harness once on each file given as an argument.
@_cdecl("dissector_fuzzer_main") func fuzzerMain(_ argc: CInt, _ argv: FuzzArguments) -> CInt { FuzzHarness.run(argc, argv, dissectorFuzzerTestOneInput) }
#else
@main enum DissectorFuzzerReplay { static func main() { FuzzHarness.replay(dissectorFuzzerTestOneInput) } }
#endif

