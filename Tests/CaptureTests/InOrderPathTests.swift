import Foundation
import MsgscopeTestSupport
import Testing
@testable import Capture

/// `CaptureSource` hands an in-order frame's segment on as made, without the queue every other
/// frame goes through. On random two-way traffic with losses, duplicates, resends and reordering,
/// reading the file must give exactly what feeding the same packets to the reassembler one by one
/// gives (the queued path), segment for segment, in the same order.
@Suite struct InOrderPathTests {
    static let client = Endpoint(address: "10.0.0.1", port: 1111)
    static let server = Endpoint(address: "10.0.0.2", port: 7000)

    @Test(arguments: 0..<20)
    func fileReadingEqualsPacketByPacketReassembly(seed: Int) throws {
        var rng = SplitMix(state: UInt64(seed) &* 104_729 &+ 17)
        let isn: [StreamSide: UInt32] = [.a: UInt32.random(in: 0...UInt32.max, using: &rng),
                                         .b: UInt32.random(in: 0...UInt32.max, using: &rng)]
        var sent: [StreamSide: Int] = [.a: 0, .b: 0]
        func packet(_ side: StreamSide, _ from: Int, _ count: Int, _ flags: TCPFlags = [.ack, .psh]) -> TCPPacket {
            let (src, dst) = side == .a ? (Self.client, Self.server) : (Self.server, Self.client)
            return TCPPacket(source: src, destination: dst, sequence: isn[side]! &+ 1 &+ UInt32(from),
                             acknowledgement: isn[side.other]! &+ 1 &+ UInt32(sent[side.other]!), flags: flags,
                             payload: (0..<count).map { UInt8(truncatingIfNeeded: from + $0) })
        }
        var packets = [
            TCPPacket(source: Self.client, destination: Self.server, sequence: isn[.a]!, acknowledgement: 0,
                      flags: .syn, payload: []),
            TCPPacket(source: Self.server, destination: Self.client, sequence: isn[.b]!,
                      acknowledgement: isn[.a]! &+ 1, flags: [.syn, .ack], payload: []),
        ]
        for _ in 0..<200 {
            let side: StreamSide = Bool.random(using: &rng) ? .a : .b
            let n = Int.random(in: 1...40, using: &rng)
            let p = packet(side, sent[side]!, n)
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll >= 5 { packets.append(p) }                                      // 5 %: lost
            if roll < 10 { packets.append(p) }                                      // duplicated
            if roll % 11 == 0, sent[side]! > 10 { packets.append(packet(side, sent[side]! - 10, 10 + n)) } // resend
            if roll % 13 == 0, packets.count > 3 { packets.swapAt(packets.count - 1, packets.count - 2) }  // reordered
            sent[side]! += n
        }
        packets.append(packet(.a, sent[.a]!, 0, [.fin, .ack]))
        if seed % 2 == 0 { packets.append(packet(.b, sent[.b]!, 0, [.rst])) }

        let timed = packets.enumerated().map { TimedPacket(time: Timestamp(seconds: Int64($0.offset), nanoseconds: 7),
                                                           packet: $0.element) }
        let path = temporaryPath("inorder-\(seed).pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TCPConversation.write(timed, to: path, format: seed % 3 == 0 ? .pcapng : .pcap)

        let reassembler = TCPReassembler()
        var expected: [StreamSegment] = []
        for (i, p) in timed.enumerated() {
            expected += reassembler.process(p.packet, frame: i + 1, time: p.time)
        }
        expected += reassembler.finish()

        let source = try CaptureSource.open(path: path)
        let (segments, error) = source.readAll()
        #expect(error == nil)
        #expect(segments.count == expected.count)
        #expect(segments == expected)
        #expect(source.framesRead == packets.count)
    }
}
