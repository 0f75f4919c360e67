import Foundation
import Testing
@testable import Capture

/// Every supported link type, IPv4 and IPv6, pcap and pcapng: the same conversation reads back.
@Suite struct LinkLayerTests {
    static let encapsulations: [LinkEncapsulation] = [
        .ethernet, .ethernet(vlanIDs: [42]), .ethernet(vlanIDs: [100, 200]), .null, .loop, .linuxSLL, .linuxSLL2, .raw,
    ]

    static func conversation(ipv6: Bool) -> TCPConversation {
        ipv6 ? TCPConversation(client: Endpoint(address: "::1", port: 50000), server: Endpoint(address: "::1", port: 7000))
             : TCPConversation()
    }

    static let chunks: [TCPConversation.Chunk] = [
        .init(side: .a, bytes: [0x91, 0xA3, 0x76, 0x65, 0x72], time: ts(1_700_000_000, 123_456_789)),
        .init(side: .b, bytes: [0xA2, 0x56, 0x31], time: ts(1_700_000_000, 223_456_789)),
    ]

    @Test(arguments: encapsulations, [false, true])
    func conversationReadsBack(link: LinkEncapsulation, ipv6: Bool) throws {
        for format in CaptureFileFormat.allCases {
            let path = temporaryPath("link.\(format.rawValue)")
            defer { try? FileManager.default.removeItem(atPath: path) }
            var packets: [TimedPacket] = []
            for p in Self.conversation(ipv6: ipv6).packets(Self.chunks) { packets += p.split(maxSegment: 2) }
            try TCPConversation.write(packets, to: path, format: format, link: link)
            let (segments, error, source) = try readSegments(path)
            #expect(error == nil)
            #expect(source.format == format)
            #expect(source.statistics.tcpSegments == packets.count)
            #expect(view(segments, side: .a).bytes == [0x91, 0xA3, 0x76, 0x65, 0x72], "\(link) \(format)")
            #expect(view(segments, side: .b).bytes == [0xA2, 0x56, 0x31], "\(link) \(format)")
            #expect(source.streams.first?.a.address == (ipv6 ? "::1" : "127.0.0.1"))
            // Nanosecond timestamps survive both formats.
            let first = segments.first { if case .bytes = $0.payload { return true } else { return false } }
            #expect(first?.time == ts(1_700_000_000, 123_456_789))
        }
    }

    @Test(arguments: [false, true])
    func versionSpecificRawLinkTypes(ipv6: Bool) throws {
        let path = temporaryPath("raw.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let link = LinkEncapsulation.rawIPVersionSpecific(ipv6: ipv6)
        try TCPConversation.write(Self.conversation(ipv6: ipv6).packets(Self.chunks), to: path, format: .pcap, link: link)
        let (segments, error, source) = try readSegments(path)
        #expect(error == nil)
        #expect(source.linkType == (ipv6 ? 229 : 228))
        #expect(view(segments, side: .b).bytes == [0xA2, 0x56, 0x31])
    }

    @Test(arguments: encapsulations + [.rawIPVersionSpecific(ipv6: false)])
    func tsharkAgreesOnPayloads(link: LinkEncapsulation) throws {
        guard tsharkPath != nil else { return }
        let path = temporaryPath("tshark.pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try TCPConversation.write(Self.conversation(ipv6: false).packets(Self.chunks), to: path, format: .pcapng, link: link)
        let (status, out) = try runTShark(["-r", path, "-T", "fields", "-e", "tcp.srcport", "-e", "tcp.payload"])
        #expect(status == 0)
        let payloads = out.split(separator: "\n").compactMap { line -> String? in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            return f.count == 2 && !f[1].isEmpty ? String(f[0]) + ":" + f[1] : nil
        }
        #expect(payloads == ["54188:91a3766572", "7000:a25631"], "\(link)")
    }
}

/// Header details below TCP: IPv4 options, link padding, fragments, IPv6 extension headers.
@Suite struct PacketDecoderTests {
    static let packet = TCPPacket(source: Endpoint(address: "127.0.0.1", port: 1234),
                                  destination: Endpoint(address: "127.0.0.1", port: 7000),
                                  sequence: 10, acknowledgement: 20, flags: [.ack, .psh], payload: [1, 2, 3, 4])

    func decode(_ data: [UInt8], _ linkType: Int32 = LinkType.raw) -> DecodedPacket.Content {
        PacketDecoder.content(data, linkType: linkType, originalLength: data.count)
    }

    @Test func ipv4OptionsAreSkippedByIHL() {
        var ip = PacketBuilder.ipPacket(Self.packet)
        ip.insert(contentsOf: [1, 1, 1, 0], at: 20) // NOP NOP NOP EOL: IHL 6
        ip[0] = 0x46
        ip[3] += 4
        guard case let .tcp(p) = decode(ip) else { Issue.record("not TCP"); return }
        #expect(p.payload == [1, 2, 3, 4])
        #expect(p.sequence == 10 && p.acknowledgement == 20 && p.flags == [.ack, .psh])
    }

    @Test func ethernetPaddingIsNotPayload() {
        let frame = PacketBuilder.frame(Self.packet, link: .ethernet) + [0, 0, 0, 0, 0, 0]
        guard case let .tcp(p) = decode(frame, LinkType.ethernet) else { Issue.record("not TCP"); return }
        #expect(p.payload == [1, 2, 3, 4])
    }

    @Test func tcpOptionsAreSkippedByDataOffset() {
        var ip = PacketBuilder.ipPacket(Self.packet)
        ip.insert(contentsOf: [2, 4, 0x05, 0xB4], at: 40) // MSS option: data offset 6
        ip[32] = 6 << 4
        ip[3] += 4
        guard case let .tcp(p) = decode(ip) else { Issue.record("not TCP"); return }
        #expect(p.payload == [1, 2, 3, 4])
    }

    @Test func ipv4FragmentsAreSkipped() {
        var first = PacketBuilder.ipPacket(Self.packet)
        first[6] = 0x20 // more fragments
        #expect(decode(first) == .ipFragment)
        var later = PacketBuilder.ipPacket(Self.packet)
        later[7] = 0x10 // offset 16 * 8
        #expect(decode(later) == .ipFragment)
    }

    @Test func ipv6ExtensionHeadersAreWalked() {
        var p = Self.packet
        p.source.address = "::1"; p.destination.address = "::1"
        var ip = PacketBuilder.ipPacket(p)
        // Insert hop-by-hop (8 bytes) then destination options (16 bytes) before TCP.
        let hop: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0]
        let dest: [UInt8] = [6, 1, 1, 12] + [UInt8](repeating: 0, count: 12)
        ip.insert(contentsOf: hop + dest, at: 40)
        ip[6] = 0
        let length = Int(be16(ip, 4)) + 24
        ip[4] = UInt8(length >> 8); ip[5] = UInt8(length & 0xFF)
        guard case let .tcp(t) = decode(ip) else { Issue.record("not TCP"); return }
        #expect(t.payload == [1, 2, 3, 4])
        // A non-first IPv6 fragment is skipped.
        var frag = PacketBuilder.ipPacket(p)
        frag.insert(contentsOf: [6, 0, 0, 0x08, 0, 0, 0, 1], at: 40)
        frag[6] = 44
        #expect(decode(frag) == .ipFragment)
    }

    @Test func truncatedHeadersNeverCrash() {
        let frame = PacketBuilder.frame(Self.packet, link: .ethernet(vlanIDs: [5, 6]))
        for n in 0..<frame.count {
            for link in [LinkType.ethernet, LinkType.raw, LinkType.linuxSLL, LinkType.linuxSLL2, LinkType.null] {
                _ = decode(Array(frame.prefix(n)), link)
            }
        }
        // Every cut inside the headers is reported as not decodable.
        #expect(decode(Array(frame.prefix(30)), LinkType.ethernet) != .tcp(Self.packet))
    }

    @Test func nonTCPIsOther() {
        var ip = PacketBuilder.ipPacket(Self.packet)
        ip[9] = 17
        guard case .other = decode(ip) else { Issue.record("UDP decoded as TCP"); return }
        let arp = [UInt8](repeating: 0, count: 12) + [0x08, 0x06] + [UInt8](repeating: 0, count: 28)
        guard case .other = decode(arp, LinkType.ethernet) else { Issue.record("ARP decoded"); return }
    }
}
