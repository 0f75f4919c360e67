import Foundation
import MsgscopeTestSupport
import Testing
@testable import Capture

/// The reassembled streams of odd captures equal what tshark's "Follow TCP Stream" shows, with
/// the `.inOrderWins` overlap policy (Wireshark's); the default policy differs only for overlaps
/// between an out-of-order piece and a later in-order segment.
@Suite struct TSharkFollowTests {
    enum Scenario: String, CaseIterable {
        case plain, shuffled, reversed, retransmitted, oneBytePerSegment, overlapping, wraparound, interleaved, midStream
    }

    static func packets(_ scenario: Scenario) -> [TimedPacket] {
        let chunks = ReassemblyTests.chunks()
        var packets = TCPConversation().packets(chunks)
        let i = packets.firstIndex { $0.packet.payload == ReassemblyTests.request }!
        let whole = packets[i]
        func piece(_ from: Int, _ to: Int, altered: Bool = false) -> TimedPacket {
            var p = whole
            p.packet.sequence = whole.packet.sequence &+ UInt32(from)
            p.packet.payload = Array(whole.packet.payload[from..<to]).map { altered ? $0 ^ 0xFF : $0 }
            return p
        }
        switch scenario {
        case .plain:
            break
        case .shuffled:
            var rng = SplitMix(state: 99)
            packets.replaceSubrange(i...i, with: whole.split(maxSegment: 4).shuffled(using: &rng))
        case .reversed:
            packets.replaceSubrange(i...i, with: whole.split(maxSegment: 9).reversed())
        case .retransmitted:
            packets.replaceSubrange(i...i, with: whole.split(maxSegment: 8).flatMap { [$0, $0] })
        case .oneBytePerSegment:
            packets = packets.flatMap { $0.split(maxSegment: 1) }
        case .overlapping:
            packets.replaceSubrange(i...i, with: [piece(20, 30), piece(15, 25, altered: true), piece(0, 20),
                                                piece(25, 40, altered: true), piece(5, 12, altered: true)])
        case .wraparound:
            packets = TCPConversation(clientISN: 0xFFFF_FFF0, serverISN: 0xFFFF_FFFA).packets(chunks)
                .flatMap { $0.split(maxSegment: 3) }
        case .interleaved:
            let second = TCPConversation(client: Endpoint(address: "127.0.0.1", port: 40001), clientISN: 5, serverISN: 6)
                .packets([.init(side: .a, bytes: Array("second".utf8), time: ts(1_700_000_000, 300)),
                          .init(side: .b, bytes: Array("reply".utf8), time: ts(1_700_000_000, 400))])
            packets = (packets + second).sorted { $0.time < $1.time }
        case .midStream:
            packets.removeSubrange(0..<i)
        }
        return packets
    }

    /// tshark's follow output for one stream: the two nodes and their bytes.
    static func follow(_ path: String, stream: Int) throws -> [(node: String, bytes: [UInt8])] {
        let (status, out) = try runTShark(["-r", path, "-q", "-z", "follow,tcp,raw,\(stream)"])
        #expect(status == 0)
        var nodes: [String] = [], bytes: [[UInt8]] = [[], []]
        for line in out.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("Node 0: ") || line.hasPrefix("Node 1: ") { nodes.append(String(line.dropFirst(8))); continue }
            guard nodes.count == 2, !line.hasPrefix("=") else { continue }
            let side = line.hasPrefix("\t") ? 1 : 0
            bytes[side] += hexBytes(line.trimmingCharacters(in: .whitespaces))
        }
        return zip(nodes, bytes).map { ($0, $1) }
    }

    @Test(arguments: Scenario.allCases)
    func sameBytesAsTShark(scenario: Scenario) throws {
        guard tsharkPath != nil else { return }
        let path = temporaryPath("\(scenario.rawValue).pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TCPConversation.write(Self.packets(scenario), to: path, format: .pcap)
        let source = try CaptureSource.open(path: path, limits: .init(overlapPolicy: .inOrderWins))
        let (segments, error) = source.readAll()
        #expect(error == nil)
        for info in source.streams {
            let theirs = try Self.follow(path, stream: info.index)
            #expect(theirs.count == 2, "\(scenario) stream \(info.index)")
            for (node, bytes) in theirs {
                let side: StreamSide = node == info.a.description ? .a : .b
                #expect(node == info.endpoint(side).description)
                #expect(view(segments, stream: info.index, side: side).bytes == bytes, "\(scenario) \(node)")
            }
        }
    }

    @Test func defaultPolicyKeepsTheFirstArrivedOverlap() throws {
        let path = temporaryPath("overlap.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TCPConversation.write(Self.packets(.overlapping), to: path, format: .pcap)
        let (segments, _, _) = try readSegments(path)
        let request = ReassemblyTests.request
        let got = Array(view(segments, side: .a).bytes.prefix(40))
        // Bytes 15..<20 arrived first in the altered out-of-order piece.
        #expect(Array(got[15..<20]) == request[15..<20].map { $0 ^ 0xFF })
        #expect(Array(got[0..<15]) == Array(request[0..<15]))
        #expect(Array(got[20..<30]) == Array(request[20..<30]))
    }
}
