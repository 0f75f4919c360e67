#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking file-descriptor I/O helpers shared by the server and the scenario client.
package enum FDIO {
    /// Writes all of `bytes`, retrying on short writes and EINTR. Returns false when the peer is gone
    /// (on a socket without raising SIGPIPE, which would end the whole process).
    @discardableResult
    package static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>) -> Bool {
        let a = Array(bytes)
        var off = 0
        var socket = true
        while off < a.count {
            var n = a.withUnsafeBytes { p in
                socket ? send(fd, p.baseAddress! + off, a.count - off, Int32(MSG_NOSIGNAL)) : Glibc.write(fd, p.baseAddress! + off, a.count - off)
            }
            if n < 0 && socket && errno == ENOTSOCK {
                socket = false
                n = a.withUnsafeBytes { p in Glibc.write(fd, p.baseAddress! + off, a.count - off) }
            }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0); _ = poll(&p, 1, 100); continue }
                return false
            }
            off += n
        }
        return true
    }

    /// Waits up to `timeoutMs` for `fd` to be readable (-1: forever). Returns false on timeout.
    package static func waitReadable(_ fd: Int32, timeoutMs: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let r = poll(&p, 1, timeoutMs)
            if r < 0 && errno == EINTR { continue }
            return r > 0
        }
    }

    /// One read into `buffer`; returns the count (0 at end of stream, -1 on error).
    package static func readSome(_ fd: Int32, into buffer: inout [UInt8]) -> Int {
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

    /// Waits (at most `maxMs`) until the bytes written to `fd` have left its send queue, so that
    /// exiting right after cannot cut them off.
    package static func drainOutput(_ fd: Int32, maxMs: Int) {
        for _ in 0..<max(1, maxMs) {
            var pending: Int32 = 0
            guard ioctl(fd, UInt(TIOCOUTQ), &pending) == 0, pending > 0 else { return }
            usleep(1000)
        }
    }

    package static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}

/// Why the simulator could not listen or connect.
package enum TransportError: Error, Equatable, CustomStringConvertible {
    case notLoopback(String)
    case badAddress(String)
    case portInUse(host: String, port: UInt16)
    case system(call: String, errno: Int32)
    case connectFailed(String, errno: Int32)

    package var description: String {
        switch self {
        case .notLoopback(let h): return "\(h) is not a loopback address: the simulator only listens on and connects to 127.0.0.1 or ::1"
        case .badAddress(let a): return "cannot parse address \(a) (expected HOST:PORT, e.g. 127.0.0.1:7000)"
        case let .portInUse(h, p): return "port \(p) on \(h) is already in use (is another server running?)"
        case let .system(c, e): return "\(c) failed: \(String(cString: strerror(e)))"
        case let .connectFailed(a, e): return "cannot connect to \(a): \(String(cString: strerror(e)))"
        }
    }
}

/// A loopback TCP endpoint: "127.0.0.1:7000", "[::1]:7000", "localhost:7000".
package struct LoopbackAddress: Sendable, Equatable, CustomStringConvertible {
    package var host: String
    package var port: UInt16

    package init(host: String, port: UInt16) throws(TransportError) {
        let h = host == "localhost" ? "127.0.0.1" : host
        guard h == "::1" || h.hasPrefix("127.") else { throw .notLoopback(host) }
        self.host = h
        self.port = port
    }

    package init(parsing s: String) throws(TransportError) {
        var hostPart: Substring, portPart: Substring
        if s.hasPrefix("["), let close = s.firstIndex(of: "]") {
            hostPart = s[s.index(after: s.startIndex)..<close]
            portPart = s[s.index(after: close)...].dropFirst()
        } else if let colon = s.lastIndex(of: ":") {
            hostPart = s[..<colon]
            portPart = s[s.index(after: colon)...]
        } else { throw .badAddress(s) }
        guard let p = UInt16(portPart) else { throw .badAddress(s) }
        try self.init(host: String(hostPart), port: p)
    }

    var isIPv6: Bool { host.contains(":") }
    package var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Calls `body` with the socket address.
    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
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
