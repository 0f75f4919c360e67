#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a synthesised TCP/IP packet is framed: the link layers the decoder reads.
package enum LinkEncapsulation: Sendable, Hashable {
    /// Ethernet II with zero MAC addresses and the given VLAN ids (outermost first; two or more
    /// ids make 802.1ad QinQ with an 0x88a8 outer tag).
    case ethernet(vlanIDs: [UInt16])
    /// BSD loopback (DLT_NULL 0): address family in little-endian host order.
    case null
    /// OpenBSD loopback (DLT_LOOP 108): address family in network order.
    case loop
    /// Linux cooked capture v1 (113).
    case linuxSLL
    /// Linux cooked capture v2 (276).
    case linuxSLL2
    /// Raw IP (LINKTYPE_RAW 101).
    case raw
    /// LINKTYPE_IPV4 (228) or LINKTYPE_IPV6 (229), chosen by each packet's address family.
    case rawIPVersionSpecific(ipv6: Bool)

    package static let ethernet = LinkEncapsulation.ethernet(vlanIDs: [])

    /// The link type to put in the file header.
    package var linkType: Int32 {
        switch self {
        case .ethernet: return LinkType.ethernet
        case .null: return LinkType.null
        case .loop: return LinkType.loop
        case .linuxSLL: return LinkType.linuxSLL
        case .linuxSLL2: return LinkType.linuxSLL2
        case .raw: return LinkType.raw
        case let .rawIPVersionSpecific(v6): return v6 ? LinkType.ipv6 : LinkType.ipv4
        }
    }
}

/// Builds link + IP + TCP frames (with correct IPv4 and TCP checksums) from `TCPPacket`s.
/// Addresses containing ":" are IPv6.
package enum PacketBuilder {
    package static func frame(_ packet: TCPPacket, link: LinkEncapsulation) -> [UInt8] {
        let v6 = packet.source.address.contains(":")
        let ip = ipPacket(packet)
        switch link {
        case let .ethernet(vlanIDs):
            var f = [UInt8](repeating: 0, count: 12)
            for (i, id) in vlanIDs.enumerated() {
                let tpid: UInt16 = (vlanIDs.count > 1 && i == 0) ? 0x88A8 : 0x8100
                f += bigEndian16(tpid) + bigEndian16(id & 0x0FFF)
            }
            return f + bigEndian16(v6 ? 0x86DD : 0x0800) + ip
        case .null:
            let family: UInt32 = v6 ? 24 : 2 // Wireshark reads BSD's AF_INET6 value for NULL
            return [UInt8(family & 0xFF), 0, 0, 0] + ip
        case .loop:
            return [0, 0, 0, v6 ? 24 : 2] + ip
        case .linuxSLL:
            // packet type 0 (to us), ARPHRD_LOOPBACK 772, 6-byte zero address, protocol
            return bigEndian16(0) + bigEndian16(772) + bigEndian16(6) + [UInt8](repeating: 0, count: 8)
                + bigEndian16(v6 ? 0x86DD : 0x0800) + ip
        case .linuxSLL2:
            return bigEndian16(v6 ? 0x86DD : 0x0800) + [0, 0] + [0, 0, 0, 1] + bigEndian16(772) + [0, 6]
                + [UInt8](repeating: 0, count: 8) + ip
        case .raw, .rawIPVersionSpecific:
            return ip
        }
    }

    /// The IP packet (header + TCP header + payload) for a segment.
    package static func ipPacket(_ p: TCPPacket) -> [UInt8] {
        let v6 = p.source.address.contains(":")
        let src = addressBytes(p.source.address, ipv6: v6)
        let dst = addressBytes(p.destination.address, ipv6: v6)
        var tcp = bigEndian16(p.source.port) + bigEndian16(p.destination.port)
        tcp += bigEndian32(p.sequence) + bigEndian32(p.acknowledgement)
        tcp += [5 << 4, p.flags.rawValue] + bigEndian16(p.window) + [0, 0, 0, 0]
        tcp += p.payload
        var pseudo = src + dst
        if v6 {
            pseudo += bigEndian32(UInt32(tcp.count)) + [0, 0, 0, 6]
        } else {
            pseudo += [0, 6] + bigEndian16(UInt16(truncatingIfNeeded: tcp.count))
        }
        let tcpSum = checksum(pseudo + tcp)
        tcp[16] = UInt8(tcpSum >> 8); tcp[17] = UInt8(tcpSum & 0xFF)
        if v6 {
            return [0x60, 0, 0, 0] + bigEndian16(UInt16(truncatingIfNeeded: tcp.count)) + [6, 64] + src + dst + tcp
        }
        var header: [UInt8] = [0x45, 0] + bigEndian16(UInt16(truncatingIfNeeded: 20 + tcp.count))
        header += [0, 0, 0x40, 0, 64, 6, 0, 0] + src + dst
        let sum = checksum(header)
        header[10] = UInt8(sum >> 8); header[11] = UInt8(sum & 0xFF)
        return header + tcp
    }

    static func addressBytes(_ text: String, ipv6: Bool) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ipv6 ? 16 : 4)
        let ok = out.withUnsafeMutableBytes { inet_pton(ipv6 ? AF_INET6 : AF_INET, text, $0.baseAddress) == 1 }
        precondition(ok, "not an IP address: \(text)")
        return out
    }

    /// The Internet checksum (RFC 1071).
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count { sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1]); i += 2 }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }
}

func bigEndian16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xFF)] }
func bigEndian32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
