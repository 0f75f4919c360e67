#if canImport(Glibc)
import Capture
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the simulator could not listen or connect.
package enum TransportError: Error, Equatable, CustomStringConvertible {
    /// Not a loopback HOST:PORT (the simulator only listens on and connects to 127.0.0.1 or ::1).
    case address(AddressError)
    case portInUse(host: String, port: UInt16)
    case system(call: String, errno: Int32)
    case connectFailed(String, errno: Int32)

    package var description: String {
        switch self {
        case .address(let e): return e.description
        case let .portInUse(h, p): return "port \(p) on \(h) is already in use (is another server running?)"
        case let .system(c, e): return "\(c) failed: \(String(cString: strerror(e)))"
        case let .connectFailed(a, e): return "cannot connect to \(a): \(String(cString: strerror(e)))"
        }
    }
}

extension LoopbackAddress {
    /// Opens a TCP connection (TCP_NODELAY on).
    package func connect() throws(TransportError) -> Int32 {
        let fd = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        let r = withSockaddr { Glibc.connect(fd, $0, $1) }
        guard r == 0 else { let e = errno; close(fd); throw .connectFailed(description, errno: e) }
        FDIO.setNoDelay(fd)
        return fd
    }
}
