import Capture
import Foundation
import MessagePack
import Testing
import URPC

/// Captures with odd TCP, written to disk and read back through libpcap: the dissection must be
/// the same conversation as with clean segments.
enum OddTCP {
    /// The messages of the shared basic session, as conversation chunks.
    static func chunks() throws -> [TCPConversation.Chunk] {
        let truth = try loadTruth()
        let msgs = truth.files[0].connections[0].messages
        return msgs.enumerated().map { i, m in
            TCPConversation.Chunk(side: m.dir == "C>S" ? .a : .b, bytes: Hex.bytes(m.hex)!,
                                  time: Timestamp(seconds: 1_700_000_000, nanoseconds: UInt32(i) * 1_000_000))
        }
    }

    static func dissectPackets(_ packets: [TimedPacket], link: LinkEncapsulation = .ethernet,
                               format: CaptureFileFormat = .pcap) throws -> [Message] {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("odd-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TCPConversation.write(packets, to: path, format: format, link: link)
        return try dissect(path)
    }

    /// What must not change: direction, bytes and role of every message.
    static func shape(_ m: [Message]) -> [String] {
        m.filter { $0.index >= 0 }.map { "\($0.direction.rawValue) \(MessageText.partName($0)) \(Hex.string($0.bytes)) \($0.replyTo ?? -1)" }
    }
}

@Test("reference: clean segments dissect to the ground truth's 58 messages")
func oddReference() throws {
    let m = try OddTCP.dissectPackets(TCPConversation().packets(OddTCP.chunks()))
    #expect(OddTCP.shape(m).count == 58)
    #expect(m.allSatisfy { $0.anomalies.isEmpty })
}

@Test("a message split at every byte position")
func oddSplitEverywhere() throws {
    let chunks = try OddTCP.chunks()
    let reference = OddTCP.shape(try OddTCP.dissectPackets(TCPConversation().packets(chunks)))
    // Message 4: ["cm", P1, "RPC_Test", ["sensor A"], {}] (30 bytes), and its reply.
    let packets = TCPConversation().packets(chunks)
    let target = try #require(packets.firstIndex { $0.packet.payload == chunks[4].bytes })
    for cut in 1..<chunks[4].bytes.count {
        var p = packets
        p.replaceSubrange(target...target, with: packets[target].split(at: [cut]))
        #expect(OddTCP.shape(try OddTCP.dissectPackets(p)) == reference, "cut at \(cut)")
    }
}

@Test("one byte per segment, reordered, retransmitted, overlapping")
func oddSegmentations() throws {
    let chunks = try OddTCP.chunks()
    let clean = TCPConversation().packets(chunks)
    let reference = OddTCP.shape(try OddTCP.dissectPackets(clean))
    let bytewise = clean.flatMap { $0.packet.payload.count > 1 ? $0.split(maxSegment: 1) : [$0] }
    #expect(OddTCP.shape(try OddTCP.dissectPackets(bytewise)) == reference)

    // Swap each pair of consecutive data pieces of one direction (out of order).
    var reordered = clean.flatMap { $0.packet.payload.count > 3 ? $0.split(at: [$0.packet.payload.count / 2]) : [$0] }
    var i = 0
    while i + 1 < reordered.count {
        if !reordered[i].packet.payload.isEmpty, reordered[i + 1].packet.source == reordered[i].packet.source,
           !reordered[i + 1].packet.payload.isEmpty {
            reordered.swapAt(i, i + 1)
            i += 2
        } else { i += 1 }
    }
    #expect(OddTCP.shape(try OddTCP.dissectPackets(reordered)) == reference)

    let retransmitted = clean.flatMap { $0.packet.payload.isEmpty ? [$0] : [$0, $0] }
    #expect(OddTCP.shape(try OddTCP.dissectPackets(retransmitted)) == reference)

    // Overlap: each data segment is followed by a copy of its second half.
    let overlapping = clean.flatMap { p -> [TimedPacket] in
        guard p.packet.payload.count > 2 else { return [p] }
        let half = p.split(at: [p.packet.payload.count / 2])
        return [p, half.last!]
    }
    #expect(OddTCP.shape(try OddTCP.dissectPackets(overlapping)) == reference)
}

@Test("a lost segment: named gap, the rest of the conversation dissected")
func oddLostSegment() throws {
    let chunks = try OddTCP.chunks()
    var packets = TCPConversation().packets(chunks)
    // Drop the server's reply to message 6 (`cm P2.add(5, 7)`).
    let lost = try #require(packets.firstIndex { $0.packet.payload == chunks[7].bytes })
    packets.remove(at: lost)
    let m = try OddTCP.dissectPackets(packets)
    #expect(m.contains { $0.anomalies.contains { $0.kind == "gap" } })
    // Every later request is still found, and the later replies pair with their requests.
    let requests = m.filter { $0.kind == .request }
    #expect(requests.count == 29)
    let last = try #require(m.last { $0.direction == .serverToClient && $0.index >= 0 })
    #expect(Hex.string(last.bytes) == Hex.string(chunks[57].bytes))
    #expect(last.replyTo == requests.last?.index)
}

@Test("a capture that starts mid-stream")
func oddMidStream() throws {
    let chunks = try OddTCP.chunks()
    let packets = TCPConversation().packets(chunks)
    // No handshake, and the first data segment starts in the middle of message 4.
    let start = try #require(packets.firstIndex { $0.packet.payload == chunks[4].bytes })
    var p = Array(packets[start...])
    p[0] = p[0].split(at: [7]).last!
    let m = try OddTCP.dissectPackets(p)
    #expect(m.contains { $0.anomalies.contains { $0.kind == "mid-stream" } })
    let requests = m.filter { $0.kind == .request }
    #expect(requests.first?.command == "cm")
    #expect(requests.count == 29 - 3)
    #expect(m.last?.replyTo == requests.last?.index)
}

@Test("two interleaved connections are told apart")
func oddTwoConnections() throws {
    let chunks = try OddTCP.chunks()
    let a = TCPConversation().packets(chunks)
    let b = TCPConversation(client: Endpoint(address: "127.0.0.1", port: 54999)).packets(chunks)
    var mixed: [TimedPacket] = []
    for i in 0..<max(a.count, b.count) {
        if i < a.count { mixed.append(a[i]) }
        if i < b.count { mixed.append(b[i]) }
    }
    let m = try OddTCP.dissectPackets(mixed)
    let reference = OddTCP.shape(try OddTCP.dissectPackets(a))
    #expect(OddTCP.shape(m.filter { $0.stream == 0 }) == reference)
    #expect(OddTCP.shape(m.filter { $0.stream == 1 }) == reference)
}

@Test("IPv6, Linux SLL2, VLAN, BSD loopback and pcapng", arguments: [
    ("ipv6", LinkEncapsulation.ethernet, CaptureFileFormat.pcap),
    ("sll2", LinkEncapsulation.linuxSLL2, CaptureFileFormat.pcap),
    ("vlan", LinkEncapsulation.ethernet(vlanIDs: [100, 200]), CaptureFileFormat.pcap),
    ("null", LinkEncapsulation.null, CaptureFileFormat.pcapng),
])
func oddLinks(_ name: String, _ link: LinkEncapsulation, _ format: CaptureFileFormat) throws {
    let chunks = try OddTCP.chunks()
    let conv = name == "ipv6"
        ? TCPConversation(client: Endpoint(address: "::1", port: 54188), server: Endpoint(address: "::1", port: 7000))
        : TCPConversation()
    let reference = OddTCP.shape(try OddTCP.dissectPackets(TCPConversation().packets(chunks)))
    #expect(OddTCP.shape(try OddTCP.dissectPackets(conv.packets(chunks), link: link, format: format)) == reference)
}

@Test("a truncated capture: messages before the damage, then the error naming the frame")
func oddTruncatedFile() throws {
    let path = sharedCaptures.appendingPathComponent("urpc_a_basic_session.pcap").path
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    let cut = FileManager.default.temporaryDirectory.appendingPathComponent("cut-\(UUID().uuidString).pcap")
    defer { try? FileManager.default.removeItem(at: cut) }
    try data.prefix(data.count / 2 + 7).write(to: cut)
    let source = try CaptureSource.open(path: cut.path)
    let d = Dissector()
    var msgs: [Message] = []
    var damage: CaptureError?
    do {
        while let s = try source.nextSegment() { msgs += d.consume(s) }
    } catch let e as CaptureError { damage = e }
    msgs += d.finish()
    guard case .damaged(let frame, let offset, _)? = damage else { Issue.record("no damage reported"); return }
    #expect(frame > 100 && frame < 222)
    #expect(offset > 0)
    #expect(msgs.filter { $0.kind == .request }.count > 10)
}

@Test("a serial capture (link type 252) dissects to the same conversation, byte chunks of any size",
      arguments: [CaptureFileFormat.pcap, .pcapng])
func serialCaptureDissects(format: CaptureFileFormat) throws {
    let chunks = try OddTCP.chunks()
    let reference = OddTCP.shape(try OddTCP.dissectPackets(TCPConversation().packets(chunks)))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("serial-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let w = try SerialCaptureWriter(path: path, lineName: "/dev/ttyUSB0", format: format)
    var t = Timestamp(seconds: 1_700_000_000, nanoseconds: 0)
    var k = 0
    for c in chunks {
        // A UART delivers bytes in arbitrary chunks: cut each message into pieces of 1…7 bytes.
        var i = 0
        while i < c.bytes.count {
            let n = min(1 + k % 7, c.bytes.count - i)
            try w.append(Array(c.bytes[i..<(i + n)]), direction: c.side, time: t)
            t = t.adding(nanoseconds: 50_000)
            i += n
            k += 1
        }
    }
    try w.close()
    let m = try dissect(path)
    #expect(OddTCP.shape(m) == reference)
    #expect(m.first?.direction == .clientToServer)
}
