import Foundation
import MsgscopeTestSupport
import Testing
@testable import Capture

/// Random segmentations fed straight into the reassembler: whatever is lost, duplicated, overlapped
/// or reordered, every delivered byte must sit at its true stream offset, and bytes plus gaps must
/// cover the stream exactly up to the FIN.
@Suite struct ReassemblyPropertyTests {
    static let client = Endpoint(address: "10.0.0.1", port: 1111)
    static let server = Endpoint(address: "10.0.0.2", port: 7000)

    @Test(arguments: 0..<40)
    func randomDamageKeepsOffsetsTrue(seed: Int) {
        var rng = SplitMix(state: UInt64(seed) &* 7919 &+ 1)
        let data: [UInt8] = (0..<3000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let isn = seed % 3 == 0 ? UInt32.max - UInt32.random(in: 0...2000, using: &rng) : UInt32.random(in: 0...UInt32.max, using: &rng)
        func packet(_ from: Int, _ to: Int, _ flags: TCPFlags = [.ack, .psh]) -> TCPPacket {
            TCPPacket(source: Self.client, destination: Self.server, sequence: isn &+ 1 &+ UInt32(from),
                      acknowledgement: 1, flags: flags, payload: Array(data[from..<to]))
        }
        var pieces: [TCPPacket] = []
        var p = 0
        while p < data.count {
            let n = min(data.count - p, Int.random(in: 1...60, using: &rng))
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll >= 10 { pieces.append(packet(p, p + n)) }          // 10 %: lost
            if roll < 20 { pieces.append(packet(p, p + n)) }           // duplicated
            if roll % 7 == 0 {                                         // an overlapping resend
                let a = max(0, p - Int.random(in: 0...30, using: &rng))
                pieces.append(packet(a, min(data.count, p + n + Int.random(in: 0...30, using: &rng))))
            }
            p += n
        }
        // Reorder within windows of 8 packets.
        var reordered: [TCPPacket] = []
        for start in stride(from: 0, to: pieces.count, by: 8) {
            reordered += pieces[start..<min(pieces.count, start + 8)].shuffled(using: &rng)
        }
        var limits = TCPReassembler.Limits()
        if seed % 2 == 0 { limits.maxBufferedBytes = 150 }
        if seed % 4 >= 2 { limits.overlapPolicy = .inOrderWins }
        let reassembler = TCPReassembler(limits: limits)
        var out: [StreamSegment] = []
        var frame = 0
        func feed(_ pk: TCPPacket) {
            frame += 1
            out += reassembler.process(pk, frame: frame, time: Timestamp(seconds: Int64(frame), nanoseconds: 0))
        }
        feed(TCPPacket(source: Self.client, destination: Self.server, sequence: isn, acknowledgement: 0, flags: .syn, payload: []))
        reordered.forEach(feed)
        feed(TCPPacket(source: Self.client, destination: Self.server, sequence: isn &+ 1 &+ UInt32(data.count),
                       acknowledgement: 1, flags: [.fin, .ack], payload: []))
        out += reassembler.finish()

        var offset = 0
        var closed: [Bool] = []
        var lastFrame = 0
        for s in out where s.side == .a {
            #expect(s.frame >= lastFrame) // segments come in frame order
            lastFrame = s.frame
            switch s.payload {
            case let .bytes(b):
                #expect(offset + b.count <= data.count)
                if offset + b.count <= data.count { #expect(Array(data[offset..<(offset + b.count)]) == b) }
                offset += b.count
            case let .gap(n):
                #expect(n > 0)
                offset += n
            case let .closed(reset): closed.append(reset)
            case .opened: break
            }
        }
        #expect(offset == data.count)
        #expect(closed == [false])
    }

    @Test func randomPacketsNeverTrapOrHang() {
        var rng = SplitMix(state: 42)
        let reassembler = TCPReassembler(limits: .init(maxBufferedBytes: 10_000, maxBufferedPieces: 64, maxEndedConnections: 4))
        var produced = 0
        for frame in 1...20_000 {
            let flags = TCPFlags(rawValue: UInt8.random(in: 0...0x3F, using: &rng))
            let pk = TCPPacket(source: Endpoint(address: "127.0.0.1", port: UInt16.random(in: 1...3, using: &rng)),
                               destination: Endpoint(address: "127.0.0.1", port: UInt16.random(in: 1...3, using: &rng)),
                               sequence: UInt32.random(in: 0...UInt32.max, using: &rng) >> UInt32.random(in: 0...31, using: &rng),
                               acknowledgement: UInt32.random(in: 0...UInt32.max, using: &rng),
                               flags: flags, payload: [UInt8](repeating: 1, count: Int.random(in: 0...40, using: &rng)))
            produced += reassembler.process(pk, frame: frame, time: Timestamp(seconds: 0, nanoseconds: 0)).count
        }
        produced += reassembler.finish().count
        #expect(produced > 0)
    }

    @Test(arguments: 0..<30)
    func mutatedCaptureFilesNeverCrash(seed: Int) throws {
        var rng = SplitMix(state: UInt64(seed) + 1000)
        var bytes = DamageTests.original
        for _ in 0..<Int.random(in: 1...20, using: &rng) {
            bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
        }
        if seed % 3 == 0 { bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng))) }
        let path = temporaryPath("mutated.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        guard let source = try? CaptureSource.open(path: path) else { return }
        let (segments, error) = source.readAll()
        if case let .damaged(frame, _, _)? = error { #expect(segments.allSatisfy { $0.frame < frame }) }
    }
}
