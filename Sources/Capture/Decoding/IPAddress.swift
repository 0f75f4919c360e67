#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as a fixed-size value: 16 bytes and the family, no allocation.
/// Comparing and hashing it is a few integer operations; the text form (as `inet_ntop` writes it)
/// is made only when asked for.
package struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    package enum Family: UInt8, Sendable, Hashable {
        case v4 = 4, v6 = 6
    }

    /// Bytes 0–7 of an IPv6 address, big-endian; 0 for IPv4.
    package let high: UInt64
    /// Bytes 8–15 of an IPv6 address, big-endian; an IPv4 address in the low 32 bits.
    package let low: UInt64
    /// (Last, so that a port stored after an address packs into its padding.)
    package let family: Family

    /// An IPv4 address; `value` holds its four bytes big-endian (127.0.0.1 is 0x7F000001).
    package init(v4 value: UInt32) {
        (high, low, family) = (0, UInt64(value), .v4)
    }

    /// An IPv6 address from its two big-endian halves.
    package init(v6 high: UInt64, _ low: UInt64) {
        (self.high, self.low, family) = (high, low, .v6)
    }

    /// Reads 4 (IPv4) or 16 (IPv6) bytes at `p`; the caller has checked they are there.
    @inline(__always)
    init(_ family: Family, at p: UnsafePointer<UInt8>) {
        if family == .v4 {
            self.init(v4: UInt32(bigEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt32.self)))
        } else {
            let raw = UnsafeRawPointer(p)
            self.init(v6: UInt64(bigEndian: raw.loadUnaligned(as: UInt64.self)),
                      UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
        }
    }

    /// The address of 4 or 16 bytes in network order; nil for any other count.
    package init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self = bytes.withUnsafeBufferPointer { IPAddress(bytes.count == 4 ? .v4 : .v6, at: $0.baseAddress!) }
    }

    /// Parses dotted-quad IPv4 or IPv6 text (`inet_pton`); nil when it is neither.
    package init?(_ text: String) {
        var buffer = [UInt8](repeating: 0, count: 16)
        let isV6 = text.utf8.contains(UInt8(ascii: ":"))
        let ok = buffer.withUnsafeMutableBytes { inet_pton(isV6 ? AF_INET6 : AF_INET, text, $0.baseAddress) == 1 }
        guard ok else { return nil }
        self.init(bytes: isV6 ? buffer : Array(buffer.prefix(4)))
    }

    /// The address bytes in network order (4 or 16).
    package var bytes: [UInt8] {
        if family == .v4 { return (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) } }
        return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
    }

    /// The text form, as `inet_ntop` writes it ("127.0.0.1", "::1").
    package var description: String {
        if family == .v4 { return Self.dottedQuad(UInt32(truncatingIfNeeded: low)) }
        var raw = bytes
        var out = [CChar](repeating: 0, count: 64)
        let ok = raw.withUnsafeMutableBytes { inet_ntop(AF_INET6, $0.baseAddress, &out, socklen_t(out.count)) != nil }
        guard ok else { return raw.map { String($0) }.joined(separator: ".") }
        return stringFromCBuffer(out)
    }

    /// "a.b.c.d" formatted by hand into a small string (Swift keeps it inline, no allocation).
    private static func dottedQuad(_ value: UInt32) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 16) { buf in
            var n = 0
            for k in 0..<4 {
                if k > 0 { buf[n] = 0x2e; n += 1 }
                let v = UInt8(truncatingIfNeeded: value >> (24 - 8 * k))
                if v >= 100 { buf[n] = 0x30 + v / 100; n += 1 }
                if v >= 10 { buf[n] = 0x30 + (v / 10) % 10; n += 1 }
                buf[n] = 0x30 + v % 10; n += 1
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buf[0..<n]), as: UTF8.self)
        }
    }

    /// A total order (family, then bytes), used to put connection keys in a canonical order.
    static func precedes(_ x: IPAddress, _ y: IPAddress) -> Bool {
        (x.family.rawValue, x.high, x.low) < (y.family.rawValue, y.high, y.low)
    }
}
