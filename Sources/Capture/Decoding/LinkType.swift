/// Link types (libpcap DLT values as returned by `pcap_datalink`) that the decoder understands.
package enum LinkType {
    package static let null: Int32 = 0          // BSD loopback, host-byte-order address family
    package static let ethernet: Int32 = 1
    package static let rawBSD: Int32 = 12       // DLT_RAW on most systems (LINKTYPE_RAW 101 in files)
    package static let rawOpenBSD: Int32 = 14   // DLT_RAW on OpenBSD
    package static let raw: Int32 = 101         // LINKTYPE_RAW
    package static let loop: Int32 = 108        // OpenBSD loopback, network-byte-order address family
    package static let linuxSLL: Int32 = 113
    package static let ipv4: Int32 = 228
    package static let ipv6: Int32 = 229
    package static let wiresharkUpperPDU: Int32 = 252
    package static let linuxSLL2: Int32 = 276

    /// Link types whose frames carry IP packets this decoder can reach.
    package static let supportedIP: Set<Int32> = [null, ethernet, rawBSD, rawOpenBSD, raw, loop, linuxSLL, ipv4, ipv6, linuxSLL2]
}

/// Where the network-layer packet starts inside a frame.
enum NetworkLayer: Equatable {
    case ipv4(Int)   // offset of the IPv4 header
    case ipv6(Int)   // offset of the IPv6 header
    case other(NotTCP)
}

/// Strips link-layer headers. Every read is checked against the captured length.
enum LinkDecoder {
    @inline(__always)
    static func network(in data: UnsafeBufferPointer<UInt8>, linkType: Int32) -> NetworkLayer {
        switch linkType {
        case LinkType.ethernet:
            return ethernet(data)
        case LinkType.linuxSLL:
            guard data.count >= 16 else { return .other(NotTCP("short SLL header")) }
            return byEtherType(be16(data, 14), at: 16, data)
        case LinkType.linuxSLL2:
            guard data.count >= 20 else { return .other(NotTCP("short SLL2 header")) }
            return byEtherType(be16(data, 0), at: 20, data)
        case LinkType.null, LinkType.loop:
            guard data.count >= 4 else { return .other(NotTCP("short loopback header")) }
            let be = UInt32(data[0]) << 24 | UInt32(data[1]) << 16 | UInt32(data[2]) << 8 | UInt32(data[3])
            let le = UInt32(data[3]) << 24 | UInt32(data[2]) << 16 | UInt32(data[1]) << 8 | UInt32(data[0])
            // NULL is in the capturing host's byte order, which the file does not record: accept both.
            let family = linkType == LinkType.loop ? be : (be < 256 ? be : le)
            switch family {
            case 2: return .ipv4(4)
            case 10, 24, 28, 30: return .ipv6(4) // Linux, NetBSD/OpenBSD, FreeBSD, macOS AF_INET6
            default: return .other(NotTCP("loopback address family ", family))
            }
        case LinkType.raw, LinkType.rawBSD, LinkType.rawOpenBSD:
            guard let first = data.first else { return .other(NotTCP("empty raw IP packet")) }
            switch first >> 4 {
            case 4: return .ipv4(0)
            case 6: return .ipv6(0)
            default: return .other(NotTCP("raw packet with IP version ", first >> 4))
            }
        case LinkType.ipv4: return .ipv4(0)
        case LinkType.ipv6: return .ipv6(0)
        default:
            return .other(NotTCP("unsupported link type ", linkType))
        }
    }

    @inline(__always)
    private static func ethernet(_ data: UnsafeBufferPointer<UInt8>) -> NetworkLayer {
        guard data.count >= 14 else { return .other(NotTCP("short Ethernet header")) }
        var offset = 12
        var type = be16(data, offset)
        // 802.1Q, 802.1ad (QinQ) and the old 0x9100 tag: each adds 4 bytes before the real type.
        var tags = 0
        while type == 0x8100 || type == 0x88A8 || type == 0x9100 {
            tags += 1
            guard tags <= 8, data.count >= offset + 8 else { return .other(NotTCP("short VLAN tag")) }
            offset += 4
            type = be16(data, offset)
        }
        return byEtherType(type, at: offset + 2, data)
    }

    @inline(__always)
    private static func byEtherType(_ type: UInt16, at offset: Int, _ data: UnsafeBufferPointer<UInt8>) -> NetworkLayer {
        switch type {
        case 0x0800: return .ipv4(offset)
        case 0x86DD: return .ipv6(offset)
        default: return .other(NotTCP("EtherType 0x", hex4: type))
        }
    }
}

@inline(__always) func be16(_ d: [UInt8], _ i: Int) -> UInt16 {
    UInt16(d[i]) << 8 | UInt16(d[i + 1])
}

@inline(__always) func be32(_ d: [UInt8], _ i: Int) -> UInt32 {
    UInt32(d[i]) << 24 | UInt32(d[i + 1]) << 16 | UInt32(d[i + 2]) << 8 | UInt32(d[i + 3])
}

/// Reads of a frame in place; the caller has checked `i + 1` (`i + 3`) against the count.
@inline(__always) func be16(_ d: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt16 {
    UInt16(d[i]) << 8 | UInt16(d[i + 1])
}

@inline(__always) func be32(_ d: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
    UInt32(d[i]) << 24 | UInt32(d[i + 1]) << 16 | UInt32(d[i + 2]) << 8 | UInt32(d[i + 3])
}

func hex16(_ v: UInt16) -> String {
    let digits = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
