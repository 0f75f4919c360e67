import Testing
import Capture
import Foundation
import MessagePack

/// The example captures and their ground truth, as copied into the repository (`captures/shared`).
enum SharedFiles {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let captures = packageRoot.appendingPathComponent("captures/shared")
    static let groundTruth = captures.appendingPathComponent("ground_truth.json")

    static func manifest() throws -> [String: Any] {
        let data = try Data(contentsOf: groundTruth)
        guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ManifestError("ground_truth.json is not an object")
        }
        return o
    }

    static func files() throws -> [[String: Any]] {
        guard let f = try manifest()["files"] as? [[String: Any]] else { throw ManifestError("no files") }
        return f
    }
}

struct ManifestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Stream segments rebuilt from a manifest's message list, standing in for the pcap reader: each
/// message's first byte arrives in frame `frames[0]` and the rest in `frames[1]`, segments in frame
/// order (messages keep their order within a frame). Swap for the capture reader when it lands.
enum GroundTruthSegments {
    static func segments(file: [String: Any]) throws -> [StreamSegment] {
        let t0 = (file["first_frame_time_utc"] as? Double) ?? 0
        let serverPort = UInt16((file["server_port"] as? Int) ?? 7000)
        guard let conns = file["connections"] as? [[String: Any]] else { throw ManifestError("no connections") }
        var pieces: [(frame: Int, order: Int, seg: StreamSegment)] = []
        for (stream, c) in conns.enumerated() {
            let clientPort = UInt16((c["client_port"] as? Int) ?? 0)
            let client = Endpoint(address: "127.0.0.1", port: clientPort)
            let server = Endpoint(address: "127.0.0.1", port: serverPort)
            guard let msgs = c["messages"] as? [[String: Any]] else { throw ManifestError("no messages") }
            for m in msgs {
                guard let frames = m["frames"] as? [Int], frames.count == 2, let dir = m["dir"] as? String,
                      let hex = m["hex"] as? String, let bytes = Hex.bytes(hex) else {
                    throw ManifestError("message \(m["n"] ?? "?") lacks frames, dir or hex")
                }
                let c2s = dir == "C>S"
                func seg(_ frame: Int, _ b: [UInt8]) -> StreamSegment {
                    let ms = Double(frame - 1) * 0.001
                    let t = t0 + ms
                    let secs = Int64(t.rounded(.down))
                    return StreamSegment(frame: frame, time: Timestamp(seconds: secs, nanoseconds: UInt32(((t - Double(secs)) * 1e9).rounded(.down))),
                                         stream: stream, side: c2s ? .a : .b,
                                         source: c2s ? client : server, destination: c2s ? server : client,
                                         startedMidStream: false, payload: .bytes(b))
                }
                if frames[0] == frames[1] || bytes.count < 2 {
                    pieces.append((frames[1], pieces.count, seg(frames[1], bytes)))
                } else {
                    pieces.append((frames[0], pieces.count, seg(frames[0], [bytes[0]])))
                    pieces.append((frames[1], pieces.count, seg(frames[1], Array(bytes[1...]))))
                }
            }
        }
        return pieces.sorted { ($0.frame, $0.order) < ($1.frame, $1.order) }.map(\.seg)
    }
}

/// The manifest replayed as segments carries every message's bytes, in both directions.
@Test func groundTruthSegmentsCarryEveryMessage() throws {
    for file in try SharedFiles.files() {
        let segments = try GroundTruthSegments.segments(file: file)
        let carried = segments.reduce(0) { n, s in if case .bytes(let b) = s.payload { return n + b.count } else { return n } }
        let expected = (file["connections"] as? [[String: Any]] ?? []).flatMap { $0["messages"] as? [[String: Any]] ?? [] }
            .reduce(0) { $0 + ((($1["hex"] as? String).flatMap(Hex.bytes))?.count ?? 0) }
        #expect(carried == expected && expected > 0)
        #expect(Set(segments.map(\.side)) == [.a, .b])
    }
}
