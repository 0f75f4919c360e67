import MessagePack

/// The canonical bytes of the fixed urpc messages, built once from the protocol's own values (no
/// byte literals), and fast predicates over raw bytes for the hot paths that must not decode
/// (fuzz loops, reply scans, resynchronisation).
package enum WireForm {
    /// The protocol version string the server answers `ver` with.
    package static let version = "V1"

    /// `["ver"]`: the handshake and the fuzzers' liveness probe.
    package static let versionRequest = Request.ver.encoded()
    /// `"V1"`.
    package static let versionReply = encode(.string(version))
    /// `["re"]`: the registry dump (the leak oracle).
    package static let registryRequest = Request.registry.encoded()
    /// `nil`: the reply of `_d`, `sp` and `ex`, and the end of an `ri` reply.
    package static let nilReply = encode(.nil)

    /// `["_d", bin(id)]`.
    package static func release(_ id: UInt32) -> [UInt8] { Request.release(id: id).encoded() }

    /// `ExtType(1, id)`: always `d6 01` and 4 id bytes.
    package static func proxy(_ id: UInt32) -> [UInt8] { encode(Proxy.value(id)) }

    /// The prefix every proxy on the wire starts with (fixext 4, code 1).
    package static let proxyHeader: [UInt8] = Array(proxy(0).prefix(2))
    /// The prefix of `["_d", bin 4 …`, before the id bytes.
    package static let releasePrefix: [UInt8] = Array(release(0).dropLast(4))

    /// `["_s", "f#########"]`: a fence whose unique reply (`"f#########"`, nine digits of `n`)
    /// marks the end of everything the server answered before it.
    package static func fence(_ n: UInt64) -> (request: [UInt8], reply: [UInt8]) {
        var digits = [UInt8](repeating: 0x30, count: 9)
        var v = n % 1_000_000_000
        for k in (0..<9).reversed() { digits[k] = 0x30 + UInt8(v % 10); v /= 10 }
        let text = "f" + String(decoding: digits, as: UTF8.self)
        return (Request.str(target: .string(text)).encoded(), encode(.string(text)))
    }

    // The predicates take concrete byte arrays: they run once per message in the fuzz loops, where
    // a generic `Collection` version (unspecialised across modules) cost a tenth of a case.

    /// Is `bytes` exactly a `_d` request (10 bytes, the id as bin 8 of length 4)?
    package static func isRelease(_ bytes: [UInt8]) -> Bool { releaseID(bytes) != nil }

    /// The id a `_d` request releases, or nil when `bytes` is not one.
    package static func releaseID(_ bytes: [UInt8]) -> UInt32? {
        let n = releasePrefix.count
        guard bytes.count == n + 4, hasPrefix(bytes, releasePrefix) else { return nil }
        return UInt32(bytes[n]) << 24 | UInt32(bytes[n + 1]) << 16 | UInt32(bytes[n + 2]) << 8 | UInt32(bytes[n + 3])
    }

    /// Does `bytes` start a `["ri", …]` request (array of 3, then the fixstr "ri")?
    package static func isReadInto(_ bytes: [UInt8]) -> Bool { hasPrefix(bytes, readIntoPrefix) }
    private static let readIntoPrefix: [UInt8] = Array(Request.readInto(target: .nil, count: 0).encoded().prefix(4))

    private static func hasPrefix(_ bytes: [UInt8], _ prefix: [UInt8]) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        for k in prefix.indices where bytes[k] != prefix[k] { return false }
        return true
    }

    /// The proxy id of a proxy ext starting at `offset`, or nil.
    package static func proxyID(_ p: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32? {
        guard offset >= 0, offset + 6 <= p.count, p[offset] == proxyHeader[0], p[offset + 1] == proxyHeader[1] else { return nil }
        return UInt32(p[offset + 2]) << 24 | UInt32(p[offset + 3]) << 16 | UInt32(p[offset + 4]) << 8 | UInt32(p[offset + 5])
    }

    private static func encode(_ v: MessagePackValue) -> [UInt8] {
        (try? Encoder(dialect: .device).encode(v)) ?? []
    }
}
