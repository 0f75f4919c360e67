// Codec throughput, for bench/codec.sh: decodes and encodes the frames of a dataset file and prints
// one JSON line of results. Dataset: records of u32 big-endian length + MessagePack bytes.
import Foundation
import MessagePack

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func runBench() {
    let args = CommandLine.arguments
    guard args.count >= 3, let data = FileManager.default.contents(atPath: args[2]) else {
        FileHandle.standardError.write(Data("usage: codec-bench NAME DATASET [SECONDS]\n".utf8))
        exit(2)
    }
    let name = args[1]
    let seconds = args.count > 3 ? Double(args[3]) ?? 2 : 2
    let raw = [UInt8](data)
    var frames: [[UInt8]] = []
    var i = 0
    while i + 4 <= raw.count {
        let n = Int(raw[i]) << 24 | Int(raw[i + 1]) << 16 | Int(raw[i + 2]) << 8 | Int(raw[i + 3])
        i += 4
        guard i + n <= raw.count else { break }
        frames.append(Array(raw[i..<(i + n)]))
        i += n
    }
    let totalBytes = frames.reduce(0) { $0 + $1.count }
    let decoder = Decoder()
    var sink = 0

    // CODEC_BENCH_ROUNDS=N runs a fixed number of rounds (for instruction counting under callgrind).
    let fixedRounds = Int(ProcessInfo.processInfo.environment["CODEC_BENCH_ROUNDS"] ?? "")
    // CODEC_BENCH_ONLY=decode|node|encode measures one path only (the others report 0), so a
    // profile shows that path alone.
    let only = ProcessInfo.processInfo.environment["CODEC_BENCH_ONLY"]
    func measure(_ path: String, _ body: () -> Void) -> (msgs: Double, mb: Double) {
        if let only, only != path { return (0, 0) }
        if let n = fixedRounds {
            let t0 = now()
            for _ in 0..<n { body() }
            let dt = max(now() - t0, 1e-9)
            return (Double(n * frames.count) / dt, Double(n * totalBytes) / dt / 1e6)
        }
        body()  // warm-up
        var rounds = 0
        let t0 = now()
        var t = t0
        repeat {
            body()
            rounds += 1
            t = now()
        } while t - t0 < seconds
        let dt = t - t0
        return (Double(rounds * frames.count) / dt, Double(rounds * totalBytes) / dt / 1e6)
    }

    // Decoding to a full value tree (strings, arrays, maps, byte slices).
    let dec = measure("decode") {
        for f in frames {
            if let v = try? decoder.decodeValue(f) { if case .array(let a) = v.value { sink &+= a.count } else { sink &+= 1 } }
        }
    }
    // Decoding to a document: the same full tree on one reused tape (no allocation per container
    // or string); strings are validated, not yet turned into `String`s.
    var document = Document()
    let tape = measure("document") {
        for f in frames {
            if (try? decoder.decodeDocument(f, into: &document)) != nil { sink &+= document.count }
        }
    }
    // The dissector's path: node tree with offsets and formats.
    let nodes = measure("node") {
        for f in frames {
            if let n = try? decoder.decodeNode(f) { sink &+= n.end }
        }
    }
    let values = frames.compactMap { try? decoder.decode($0) }
    let encoder = Encoder()
    var out: [UInt8] = []
    out.reserveCapacity(1 << 16)
    let enc = measure("encode") {
        for v in values {
            out.removeAll(keepingCapacity: true)
            try? encoder.encode(v, into: &out)
            sink &+= out.count
        }
    }
    print("{\"impl\":\"msgscope\",\"dataset\":\"\(name)\",\"frames\":\(frames.count),\"bytes\":\(totalBytes),"
        + "\"decode_msgs_s\":\(dec.msgs),\"decode_mb_s\":\(dec.mb),\"document_msgs_s\":\(tape.msgs),\"document_mb_s\":\(tape.mb),\"node_msgs_s\":\(nodes.msgs),\"node_mb_s\":\(nodes.mb),"
        + "\"encode_msgs_s\":\(enc.msgs),\"encode_mb_s\":\(enc.mb),\"sink\":\(sink % 2)}")

}

runBench()
