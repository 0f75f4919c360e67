import Capture
import Foundation
import MessagePack
import Testing
import URPC

/// The package root, found from this file.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let sharedCaptures = packageRoot.appendingPathComponent("captures/shared")

/// One message of the captures' ground truth.
struct TruthMessage: Decodable {
    let n: Int
    let dir: String
    let kind: String
    let frames: [Int]
    let stream_offset: [Int]
    let hex: String
    let reply_to: Int?
    let cmd: String?
}

struct TruthConnection: Decodable { let messages: [TruthMessage]; let server_port: Int }
struct TruthFile: Decodable { let file: String; let connections: [TruthConnection] }
struct Truth: Decodable { let files: [TruthFile] }

func loadTruth() throws -> Truth {
    let data = try Data(contentsOf: sharedCaptures.appendingPathComponent("ground_truth.json"))
    return try JSONDecoder().decode(Truth.self, from: data)
}

func dissect(_ path: String, options: DissectorOptions = DissectorOptions()) throws -> [Message] {
    let source = try CaptureSource.open(path: path)
    let d = Dissector(options: options)
    var out: [Message] = []
    while let seg = try source.nextSegment() { out += d.consume(seg) }
    out += d.finish()
    return out
}

@Test("every message of the shared captures, as their ground truth describes it",
      arguments: ["urpc_a_basic_session.pcap", "urpc_d_readinto_console.pcap"])
func sharedCaptureMatchesTruth(file: String) throws {
    let truth = try loadTruth()
    let t = try #require(truth.files.first { $0.file == file })
    let expected = t.connections[0].messages
    let got = try dissect(sharedCaptures.appendingPathComponent(file).path)
    #expect(got.count == expected.count)
    for (g, e) in zip(got, expected) {
        #expect(g.index == e.n)
        #expect(g.direction.rawValue == e.dir, "message \(e.n)")
        #expect(MessageText.partName(g) == e.kind, "message \(e.n)")
        #expect([g.firstFrame, g.frame] == e.frames, "message \(e.n)")
        #expect([g.streamRange.lowerBound, g.streamRange.upperBound] == e.stream_offset, "message \(e.n)")
        #expect(Hex.string(g.bytes) == e.hex, "message \(e.n)")
        #expect(g.replyTo == e.reply_to, "message \(e.n)")
        if e.dir == "C>S" { #expect(g.command == e.cmd, "message \(e.n)") }
        #expect(g.anomalies.isEmpty, "message \(e.n): \(g.anomalies)")
    }
}

@Test("the server is found from the content or from --port, with the same result")
func serverFromPortOrContent() throws {
    let path = sharedCaptures.appendingPathComponent("urpc_a_basic_session.pcap").path
    let a = try dissect(path)
    let b = try dissect(path, options: DissectorOptions(serverPort: 7000))
    #expect(a.map(\.frame) == b.map(\.frame))
    #expect(a.map(\.direction) == b.map(\.direction))
}
