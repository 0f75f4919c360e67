import Foundation
import MsgscopeTestSupport
import Testing
@testable import Capture

/// Odd TCP segmentations built with the synthesiser, written as captures and read back.
@Suite struct ReassemblyTests {
    static let request: [UInt8] = Array(0..<40).map { UInt8($0 * 7 & 0xFF) }
    static let reply: [UInt8] = Array("the server answers with a longer reply".utf8)

    static func chunks() -> [TCPConversation.Chunk] {
        [TCPConversation.Chunk(side: .a, bytes: request, time: ts(1_700_000_000, 0)),
         TCPConversation.Chunk(side: .b, bytes: reply, time: ts(1_700_000_000, 500_000)),
         TCPConversation.Chunk(side: .a, bytes: [0x91, 0xA3, 0x76, 0x65, 0x72], time: ts(1_700_000_001, 0)),
         TCPConversation.Chunk(side: .b, bytes: [0xA2, 0x56, 0x31], time: ts(1_700_000_001, 100))]
    }

    static var allA: [UInt8] { request + [0x91, 0xA3, 0x76, 0x65, 0x72] }
    static var allB: [UInt8] { reply + [0xA2, 0x56, 0x31] }

    func read(_ packets: [TimedPacket], link: LinkEncapsulation = .ethernet, format: CaptureFileFormat = .pcap,
              limits: TCPReassembler.Limits = .init()) throws -> ([StreamSegment], CaptureSource) {
        let path = temporaryPath("conv.\(format.rawValue)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TCPConversation.write(packets, to: path, format: format, link: link)
        let source = try CaptureSource.open(path: path, limits: limits)
        let (segments, error) = source.readAll()
        #expect(error == nil)
        return (segments, source)
    }

    /// Index of the first data packet carrying `bytes` as its payload.
    func dataIndex(_ packets: [TimedPacket], _ bytes: [UInt8]) -> Int {
        packets.firstIndex { $0.packet.payload == bytes }!
    }

    @Test func plainConversation() throws {
        let (segments, source) = try read(TCPConversation().packets(Self.chunks()))
        let a = view(segments, side: .a), b = view(segments, side: .b)
        #expect(a.bytes == Self.allA)
        #expect(b.bytes == Self.allB)
        #expect(a.opened)
        #expect(a.closed == [false])
        #expect(b.closed == [false])
        #expect(a.gaps.isEmpty && b.gaps.isEmpty)
        #expect(source.streams.count == 1)
        #expect(source.streams[0].startedMidStream == false)
        // SYN, SYN/ACK, ACK, then the first data segment is frame 4.
        let firstBytes = segments.first { if case .bytes = $0.payload { return true } else { return false } }
        #expect(firstBytes?.frame == 4)
        #expect(firstBytes?.time == ts(1_700_000_000, 0))
    }

    @Test(arguments: 1..<40)
    func splitAtEveryBytePosition(position: Int) throws {
        var packets = TCPConversation().packets(Self.chunks())
        let i = dataIndex(packets, Self.request)
        packets.replaceSubrange(i...i, with: packets[i].split(at: [position]))
        let (segments, _) = try read(packets)
        #expect(view(segments, side: .a).bytes == Self.allA)
        #expect(view(segments, side: .b).bytes == Self.allB)
    }

    @Test func oneBytePerSegmentBothDirections() throws {
        var packets: [TimedPacket] = []
        for p in TCPConversation().packets(Self.chunks()) { packets += p.split(maxSegment: 1) }
        let (segments, _) = try read(packets, format: .pcapng)
        #expect(view(segments, side: .a).bytes == Self.allA)
        #expect(view(segments, side: .b).bytes == Self.allB)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func reorderedSegments(seed: UInt64) throws {
        var packets = TCPConversation().packets(Self.chunks())
        let i = dataIndex(packets, Self.request)
        var pieces = packets[i].split(maxSegment: 6)
        var rng = SplitMix(state: seed)
        pieces.shuffle(using: &rng)
        packets.replaceSubrange(i...i, with: pieces)
        let (segments, _) = try read(packets)
        let a = view(segments, side: .a)
        #expect(a.bytes == Self.allA)
        #expect(a.gaps.isEmpty)
        // The last request byte becomes available with the last piece to arrive (pieces occupy
        // frames i+1 ... i+count), whatever the order.
        var delivered = 0, frameOfLast = 0
        for s in segments where s.side == .a {
            if case let .bytes(b) = s.payload {
                delivered += b.count
                if delivered >= Self.request.count && frameOfLast == 0 { frameOfLast = s.frame }
            }
        }
        #expect(frameOfLast == i + pieces.count)
    }

    @Test func reversedSegmentsDeliverInTheLastFrame() throws {
        var packets = TCPConversation().packets(Self.chunks())
        let i = dataIndex(packets, Self.request)
        let pieces = Array(packets[i].split(maxSegment: 10).reversed())
        packets.replaceSubrange(i...i, with: pieces)
        let (segments, _) = try read(packets)
        let aBytes = segments.filter { $0.side == .a && { if case .bytes = $0.payload { true } else { false } }($0) }
        // Nothing is in order until the first piece (last in the file) arrives; then all of it at once.
        #expect(aBytes.first?.frame == i + pieces.count)
        #expect(aBytes.first?.payload == .bytes(Self.request))
    }

    @Test func retransmissionsAreDropped() throws {
        var packets = TCPConversation().packets(Self.chunks())
        let i = dataIndex(packets, Self.request)
        let pieces = packets[i].split(maxSegment: 8)
        // Each piece twice, plus a retransmission of the whole request after it was acknowledged.
        var retransmitted: [TimedPacket] = []
        for p in pieces { retransmitted += [p, p] }
        packets.replaceSubrange(i...i, with: retransmitted)
        packets.insert(packets[i], at: i + retransmitted.count + 1)
        let (segments, _) = try read(packets)
        #expect(view(segments, side: .a).bytes == Self.allA)
        #expect(view(segments, side: .a).gaps.isEmpty)
    }

    @Test func overlappingSegmentsKeepFirstArrivedBytes() throws {
        var packets = TCPConversation().packets(Self.chunks())
        let i = dataIndex(packets, Self.request)
        let whole = packets[i]
        // [20, 30) arrives first; then [15, 25) with different bytes; then [0, 20) in order;
        // then [25, 40) whose first 5 bytes overlap again with different content.
        func piece(_ from: Int, _ to: Int, altered: Bool) -> TimedPacket {
            var p = whole
            p.packet.sequence = whole.packet.sequence &+ UInt32(from)
            p.packet.payload = Array(whole.packet.payload[from..<to]).map { altered ? $0 ^ 0xFF : $0 }
            return p
        }
        packets.replaceSubrange(i...i, with: [piece(20, 30, altered: false), piece(15, 25, altered: true),
                                            piece(0, 20, altered: false), piece(25, 40, altered: true)])
        let (segments, _) = try read(packets)
        var expected = Self.request
        // [15, 20) arrived first in the altered piece; [30, 40) were only ever seen altered.
        for k in Array(15..<20) + Array(30..<40) { expected[k] ^= 0xFF }
        #expect(Array(view(segments, side: .a).bytes.prefix(40)) == expected)
    }

    @Test func missingSegmentBecomesAGapWhenAcknowledged() throws {
        var packets = TCPConversation().packets(Self.chunks())
        let i = dataIndex(packets, Self.request)
        var pieces = packets[i].split(maxSegment: 10)
        pieces.remove(at: 1) // bytes 10..<20 lost
        packets.replaceSubrange(i...i, with: pieces)
        let (segments, _) = try read(packets)
        let a = view(segments, side: .a)
        #expect(a.gaps == [10])
        #expect(a.bytes == Array(Self.request[0..<10] + Self.request[20...]) + Self.allA[40...])
        // The gap is declared when the receiver's ACK covers it (the packet after the pieces).
        let gap = try #require(segments.first { if case .gap = $0.payload { return true } else { return false } })
        #expect(gap.frame == i + pieces.count + 1)
        // Order in the stream: bytes 0..<10, the gap, then the rest.
        let aPayloads = segments.filter { $0.side == .a }.map(\.payload).filter {
            if case .bytes = $0 { return true }; if case .gap = $0 { return true }; return false
        }
        #expect(aPayloads.prefix(3) == [.bytes(Array(Self.request[0..<10])), .gap(count: 10),
                                          .bytes(Array(Self.request[20...]))])
    }

    @Test func missingSegmentWithoutAcksIsFlushedAtTheEnd() throws {
        var conversation = TCPConversation()
        conversation.acknowledgeEachSegment = false
        conversation.close = false
        var packets = conversation.packets([TCPConversation.Chunk(side: .a, bytes: Self.request, time: ts(5))])
        let i = dataIndex(packets, Self.request)
        var pieces = packets[i].split(maxSegment: 10)
        pieces.remove(at: 2)
        packets.replaceSubrange(i...i, with: pieces)
        let (segments, source) = try read(packets)
        let a = view(segments, side: .a)
        #expect(a.bytes == Array(Self.request[0..<20] + Self.request[30...]))
        #expect(a.gaps == [10])
        #expect(a.closed.isEmpty)
        #expect(segments.last?.frame == source.framesRead)
    }

    @Test func bufferBoundDeclaresTheHoleLost() throws {
        var conversation = TCPConversation()
        conversation.acknowledgeEachSegment = false
        conversation.close = false
        let big = (0..<2000).map { UInt8($0 & 0xFF) }
        var packets = conversation.packets([TCPConversation.Chunk(side: .a, bytes: big, time: ts(5))])
        let i = dataIndex(packets, big)
        var pieces = packets[i].split(maxSegment: 100)
        pieces.remove(at: 0)
        packets.replaceSubrange(i...i, with: pieces)
        var limits = TCPReassembler.Limits()
        limits.maxBufferedBytes = 500
        let (segments, _) = try read(packets, limits: limits)
        let a = view(segments, side: .a)
        #expect(a.gaps == [100])
        #expect(a.bytes == Array(big[100...]))
        // The gap came as soon as more than 500 bytes waited: in the 6th piece's frame, not at the end.
        let gap = try #require(segments.first { if case .gap = $0.payload { return true } else { return false } })
        #expect(gap.frame == i + 6)
    }

    @Test func captureStartingMidStream() throws {
        var packets = TCPConversation().packets(Self.chunks())
        let i = dataIndex(packets, Self.request)
        packets.removeSubrange(0...i + 1) // handshake, first request and its ACK are not captured
        let (segments, source) = try read(packets)
        #expect(source.streams.first?.startedMidStream == true)
        #expect(!segments.contains { $0.payload == .opened })
        #expect(segments.allSatisfy { $0.startedMidStream })
        // The reply's sender is the first sender seen: it becomes side a.
        #expect(source.streams.first?.a == Endpoint(address: "127.0.0.1", port: 7000))
        #expect(view(segments, side: .a).bytes == Self.allB)
        #expect(view(segments, side: .b).bytes == [0x91, 0xA3, 0x76, 0x65, 0x72])
        #expect(view(segments, side: .a).gaps.isEmpty)
    }

    @Test func twoInterleavedConnections() throws {
        let first = TCPConversation(client: Endpoint(address: "127.0.0.1", port: 40000))
        let second = TCPConversation(client: Endpoint(address: "127.0.0.1", port: 40001), clientISN: 77, serverISN: 99)
        let other: [TCPConversation.Chunk] = [
            .init(side: .a, bytes: Array("second request".utf8), time: ts(1_700_000_000, 200)),
            .init(side: .b, bytes: Array("second reply".utf8), time: ts(1_700_000_000, 600_000)),
        ]
        var packets = first.packets(Self.chunks()).map { ($0, 0) } + second.packets(other).map { ($0, 1) }
        packets.sort { ($0.0.time, $0.1) < ($1.0.time, $1.1) }
        let (segments, source) = try read(packets.map(\.0))
        #expect(source.streams.count == 2)
        #expect(source.streams.map(\.a.port) == [40000, 40001])
        #expect(view(segments, stream: 0, side: .a).bytes == Self.allA)
        #expect(view(segments, stream: 0, side: .b).bytes == Self.allB)
        #expect(view(segments, stream: 1, side: .a).bytes == Array("second request".utf8))
        #expect(view(segments, stream: 1, side: .b).bytes == Array("second reply".utf8))
    }

    @Test func reusedFourTupleAfterCloseIsANewStream() throws {
        let conversation = TCPConversation()
        var later = conversation
        later.clientISN = 9_999_999
        let firstPackets = conversation.packets(Self.chunks())
        let secondChunks = [TCPConversation.Chunk(side: .a, bytes: [1, 2, 3], time: ts(1_700_000_100))]
        let (segments, source) = try read(firstPackets + later.packets(secondChunks))
        #expect(source.streams.count == 2)
        #expect(view(segments, stream: 0, side: .a).bytes == Self.allA)
        #expect(view(segments, stream: 1, side: .a).bytes == [1, 2, 3])
        #expect(view(segments, stream: 1, side: .a).opened)
    }

    @Test(arguments: [UInt32(0xFFFF_FFF0), 0xFFFF_FFFF, 0xFFFF_FF00])
    func sequenceWraparound(isn: UInt32) throws {
        let conversation = TCPConversation(clientISN: isn, serverISN: isn &- 5)
        var packets: [TimedPacket] = []
        for p in conversation.packets(Self.chunks()) { packets += p.split(maxSegment: 7) }
        let (segments, _) = try read(packets)
        #expect(view(segments, side: .a).bytes == Self.allA)
        #expect(view(segments, side: .b).bytes == Self.allB)
        #expect(view(segments, side: .a).closed == [false])
    }

    @Test func resetClosesBothDirections() throws {
        var conversation = TCPConversation()
        conversation.close = false
        var packets = conversation.packets(Self.chunks())
        let last = packets.last!
        packets.append(TimedPacket(time: last.time.adding(nanoseconds: 1000),
                                   packet: TCPPacket(source: last.packet.destination, destination: last.packet.source,
                                                     sequence: last.packet.acknowledgement, acknowledgement: 0,
                                                     flags: .rst, payload: [])))
        let (segments, _) = try read(packets)
        #expect(view(segments, side: .a).closed == [true])
        #expect(view(segments, side: .b).closed == [true])
        #expect(segments.last?.frame == packets.count)
    }

    @Test func snappedPayloadBecomesAGap() throws {
        let path = temporaryPath("snapped.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var conversation = TCPConversation()
        conversation.close = false
        let packets = conversation.packets([.init(side: .a, bytes: Self.request, time: ts(5)),
                                            .init(side: .a, bytes: [9, 9], time: ts(6))])
        // 14 Ethernet + 20 IPv4 + 20 TCP = 54: a snap length of 60 keeps 6 payload bytes.
        let writer = try CaptureWriter(path: path, format: .pcap, linkType: LinkType.ethernet, snapLength: 60)
        for p in packets { try writer.write(PacketBuilder.frame(p.packet, link: .ethernet), time: p.time) }
        try writer.close()
        let (segments, error, _) = try readSegments(path)
        #expect(error == nil)
        let a = view(segments, side: .a)
        #expect(a.bytes == Array(Self.request[0..<6]) + [9, 9])
        #expect(a.gaps == [34])
    }
}

@Suite struct LargeChunkTests {
    @Test func chunksLargerThanAnIPPacketAreSplit() throws {
        let big = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 * 13) }
        let packets = TCPConversation().packets([.init(side: .b, bytes: big, time: ts(9))])
        #expect(packets.filter { !$0.packet.payload.isEmpty }.count == 3)
        let path = temporaryPath("big.pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TCPConversation.write(packets, to: path, format: .pcapng)
        let (segments, error, _) = try readSegments(path)
        #expect(error == nil)
        #expect(view(segments, side: .b).bytes == big)
    }
}
