#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A HOST:PORT that cannot be used: msgscope only talks to loopback (127.0.0.0/8, ::1).
package enum AddressError: Error, Equatable, CustomStringConvertible {
    case notLoopback(String)
    case badAddress(String)

    package var description: String {
        switch self {
        case .notLoopback(let h): return "\(h) is not a loopback address: msgscope only listens on and connects to 127.0.0.1 or ::1"
        case .badAddress(let a): return "cannot parse address \(a) (expected HOST:PORT, e.g. 127.0.0.1:7000)"
        }
    }
}

/// A loopback TCP endpoint: "127.0.0.1:7000", "[::1]:7000", "localhost:7000".
package struct LoopbackAddress: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: UInt16

    package init(host: String, port: UInt16) throws(AddressError) {
        let h = host == "localhost" ? "127.0.0.1" : host
        guard h == "::1" || h.hasPrefix("127.") else { throw .notLoopback(host) }
        self.host = h
        self.port = port
    }

    package init(parsing s: String) throws(AddressError) {
        guard let (host, port) = Self.split(s) else { throw .badAddress(s) }
        try self.init(host: host, port: port)
    }

    /// Splits "HOST:PORT" or "[IPv6]:PORT" (the one parser of addresses given on a command line).
    package static func split(_ s: String) -> (host: String, port: UInt16)? {
        var hostPart: Substring, portPart: Substring
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            hostPart = s[s.index(after: s.startIndex)..<close]
            let rest = s[s.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
        } else if let colon = s.lastIndex(of: ":") {
            hostPart = s[..<colon]
            portPart = s[s.index(after: colon)...]
        } else { return nil }
        guard let p = UInt16(portPart) else { return nil }
        return (String(hostPart), p)
    }

    package var isIPv6: Bool { host.contains(":") }
    package var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Calls `body` with the socket address.
    package func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        if isIPv6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = in_port_t(port.bigEndian)
            inet_pton(AF_INET6, host, &a.sin6_addr)
            return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(port.bigEndian)
        inet_pton(AF_INET, host, &a.sin_addr)
        return withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    }
}
