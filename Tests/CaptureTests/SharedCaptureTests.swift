import Foundation
import Testing
@testable import Capture

/// The two real captures: reassembled streams must equal the ground truth's messages, and each
/// message's first and last bytes must arrive in the frames the README gives.
@Suite struct SharedCaptureTests {
    struct Message {
        var dir: String
        var bytes: [UInt8]
        var firstFrame: Int
        var lastFrame: Int
        var start: Int
        var end: Int
    }

    static func groundTruth(_ file: String) throws -> (frames: Int, clientPort: Int, messages: [Message]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: sharedCapture("ground_truth.json")))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let files = try #require(root["files"] as? [[String: Any]])
        let entry = try #require(files.first { $0["file"] as? String == file })
        let connection = try #require((entry["connections"] as? [[String: Any]])?.first)
        let messages = try #require(connection["messages"] as? [[String: Any]]).map { m -> Message in
            let frames = m["frames"] as! [Int]
            let offsets = m["stream_offset"] as! [Int]
            return Message(dir: m["dir"] as! String, bytes: hexBytes(m["hex"] as! String),
                           firstFrame: frames[0], lastFrame: frames[1], start: offsets[0], end: offsets[1])
        }
        return (entry["frames"] as! Int, connection["client_port"] as! Int, messages)
    }

    @Test(arguments: ["urpc_a_basic_session.pcap", "urpc_d_readinto_console.pcap"])
    func reassembledStreamsMatchGroundTruth(file: String) throws {
        let truth = try Self.groundTruth(file)
        let (segments, error, source) = try readSegments(sharedCapture(file))
        #expect(error == nil)
        #expect(source.framesRead == truth.frames)
        #expect(source.streams.count == 1)
        let info = try #require(source.streams.first)
        #expect(info.a == Endpoint(address: "127.0.0.1", port: UInt16(truth.clientPort)))
        #expect(info.b == Endpoint(address: "127.0.0.1", port: 7000))
        #expect(info.startedMidStream == false)
        #expect(segments.first?.payload == .opened)
        #expect(segments.first?.frame == 1)

        for (dir, side) in [("C>S", StreamSide.a), ("S>C", .b)] {
            let expected = truth.messages.filter { $0.dir == dir }.sorted { $0.start < $1.start }
            let v = view(segments, side: side)
            #expect(v.bytes == expected.flatMap(\.bytes), "\(dir) stream differs")
            #expect(v.gaps.isEmpty)
            #expect(v.closed.isEmpty) // both captures end with the connection open

            // Map each stream offset to the frame of the segment that delivered it.
            var frameOfOffset: [Int] = []
            for s in segments where s.side == side {
                if case let .bytes(b) = s.payload { frameOfOffset += Array(repeating: s.frame, count: b.count) }
            }
            for m in expected {
                #expect(frameOfOffset[m.start] == m.firstFrame, "\(dir) message at \(m.start): first frame")
                #expect(frameOfOffset[m.end - 1] == m.lastFrame, "\(dir) message at \(m.start): last frame")
            }
        }
        // Source and destination follow the side.
        for s in segments {
            #expect(s.source == info.endpoint(s.side))
            #expect(s.destination == info.endpoint(s.side.other))
        }
    }

    @Test func frameNumbersMatchTShark() throws {
        let path = sharedCapture("urpc_a_basic_session.pcap")
        let reader = try PacketReader(path: path)
        var frames: [RawFrame] = []
        while let f = try reader.next() { frames.append(f) }
        #expect(frames.count == 222)
        #expect(frames.map(\.number) == Array(1...222))
        #expect(reader.linkType == LinkType.ethernet)
        guard tsharkPath != nil else { return }
        let (status, out) = try runTShark(["-r", path, "-T", "fields", "-e", "frame.number", "-e", "tcp.len"])
        #expect(status == 0)
        let rows = out.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count == frames.count)
        for (row, frame) in zip(rows, frames) {
            #expect(Int(row[0]) == frame.number)
            guard case let .tcp(p) = PacketDecoder.decode(frame).content else {
                Issue.record("frame \(frame.number) is not TCP"); continue
            }
            #expect(Int(row[1]) == p.payload.count, "frame \(frame.number) payload length")
        }
    }
}
