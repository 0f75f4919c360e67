/// Decodes a raw frame down to TCP: link layer, IPv4 (honouring IHL and total length, skipping
/// fragments) or IPv6 (walking extension headers), then the TCP header.
///
/// It works on the frame in place (`UnsafeBufferPointer`, e.g. libpcap's buffer): the headers are
/// read where they lie and the payload is handed on as a slice of the frame, copied by nobody here.
/// Every read is checked against the captured length before it is made.
package enum PacketDecoder {
    /// What one frame turned out to be, read in place: the payload of `.tcp` points into the frame.
    /// A trivial value: making it and dropping it costs no reference counting.
    enum View {
        case tcp(TCPSegmentView)
        case ipFragment
        case other(NotTCP)
    }

    package static func decode(_ frame: RawFrame) -> DecodedPacket {
        DecodedPacket(frame: frame.number, time: frame.time,
                      content: content(frame.data, linkType: frame.linkType, originalLength: frame.originalLength))
    }

    static func content(_ data: [UInt8], linkType: Int32, originalLength: Int) -> DecodedPacket.Content {
        data.withUnsafeBufferPointer { d in
            switch view(d, linkType: linkType, originalLength: originalLength) {
            case let .tcp(segment): return .tcp(segment.packet)
            case .ipFragment: return .ipFragment
            case let .other(reason): return .other(reason.description)
            }
        }
    }

    /// Decodes `data` in place; a `.tcp` payload is valid as long as `data` is. (Inlined into the
    /// reader's loop, with the IPv4 and TCP steps, so that the common frame costs no calls.)
    @inline(__always)
    static func view(_ data: UnsafeBufferPointer<UInt8>, linkType: Int32, originalLength: Int) -> View {
        switch LinkDecoder.network(in: data, linkType: linkType) {
        case let .ipv4(offset): return ipv4(data, at: offset, snapped: originalLength - data.count)
        case let .ipv6(offset): return ipv6(data, at: offset, snapped: originalLength - data.count)
        case let .other(reason): return .other(reason)
        }
    }

    @inline(__always)
    private static func ipv4(_ d: UnsafeBufferPointer<UInt8>, at o: Int, snapped: Int) -> View {
        guard d.count >= o + 20 else { return .other(NotTCP("short IPv4 header")) }
        guard d[o] >> 4 == 4 else { return .other(NotTCP("IPv4 header with version ", d[o] >> 4)) }
        let ihl = Int(d[o] & 0x0F) * 4
        guard ihl >= 20 else { return .other(NotTCP("IPv4 IHL ", ihl, " below 20")) }
        guard d.count >= o + ihl else { return .other(NotTCP("short IPv4 options")) }
        let totalLength = Int(be16(d, o + 2))
        let fragment = be16(d, o + 6)
        if fragment & 0x3FFF != 0 { return .ipFragment } // MF set or a non-zero offset
        guard d[o + 9] == 6 else { return .other(NotTCP("IPv4 protocol ", d[o + 9])) }
        // TSO captures may carry total length 0; otherwise the total length trims link padding.
        let declaredEnd = totalLength == 0 ? d.count + max(0, snapped) : o + totalLength
        guard declaredEnd >= o + ihl else { return .other(NotTCP("IPv4 total length ", totalLength, " below header length")) }
        let base = d.baseAddress!
        return tcp(d, at: o + ihl, end: declaredEnd,
                   src: IPAddress(.v4, at: base + o + 12), dst: IPAddress(.v4, at: base + o + 16))
    }

    private static func ipv6(_ d: UnsafeBufferPointer<UInt8>, at o: Int, snapped: Int) -> View {
        guard d.count >= o + 40 else { return .other(NotTCP("short IPv6 header")) }
        guard d[o] >> 4 == 6 else { return .other(NotTCP("IPv6 header with version ", d[o] >> 4)) }
        let payloadLength = Int(be16(d, o + 4))
        let end = payloadLength == 0 ? d.count + max(0, snapped) : o + 40 + payloadLength // 0: jumbogram/TSO
        var next = d[o + 6]
        var p = o + 40
        var hops = 0
        while true {
            hops += 1
            guard hops <= 16 else { return .other(NotTCP("too many IPv6 extension headers")) }
            switch next {
            case 6:
                let base = d.baseAddress!
                return tcp(d, at: p, end: end, src: IPAddress(.v6, at: base + o + 8), dst: IPAddress(.v6, at: base + o + 24))
            case 0, 43, 60, 135, 139, 140: // hop-by-hop, routing, destination, mobility, HIP, shim6
                guard d.count >= p + 2 else { return .other(NotTCP("short IPv6 extension header")) }
                next = d[p]
                p += (Int(d[p + 1]) + 1) * 8
            case 44: // fragment header
                guard d.count >= p + 8 else { return .other(NotTCP("short IPv6 fragment header")) }
                let offsetAndFlags = be16(d, p + 2)
                if offsetAndFlags & 0xFFF9 != 0 { return .ipFragment } // offset != 0 or M set
                next = d[p]
                p += 8
            case 51: // authentication header: length in 4-byte units, minus 2
                guard d.count >= p + 2 else { return .other(NotTCP("short IPv6 AH header")) }
                next = d[p]
                p += (Int(d[p + 1]) + 2) * 4
            case 59:
                return .other(NotTCP("IPv6 no next header"))
            default:
                return .other(NotTCP("IPv6 next header ", next))
            }
        }
    }

    @inline(__always)
    private static func tcp(_ d: UnsafeBufferPointer<UInt8>, at t: Int, end: Int, src: IPAddress, dst: IPAddress) -> View {
        guard d.count >= t + 20, end >= t + 20 else { return .other(NotTCP("short TCP header")) }
        let dataOffset = Int(d[t + 12] >> 4) * 4
        guard dataOffset >= 20 else { return .other(NotTCP("TCP data offset ", dataOffset, " below 20")) }
        guard d.count >= t + dataOffset, end >= t + dataOffset else { return .other(NotTCP("short TCP options")) }
        let payloadStart = t + dataOffset
        let capturedEnd = min(end, d.count)
        return .tcp(TCPSegmentView(
            source: TCPEnd(ip: src, port: be16(d, t)),
            destination: TCPEnd(ip: dst, port: be16(d, t + 2)),
            sequence: be32(d, t + 4),
            acknowledgement: be32(d, t + 8),
            flags: TCPFlags(rawValue: d[t + 13] & 0x3F),
            window: be16(d, t + 14),
            payload: UnsafeBufferPointer(rebasing: d[payloadStart..<capturedEnd]),
            missingPayload: max(0, end - capturedEnd)))
    }
}
