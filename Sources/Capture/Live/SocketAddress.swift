#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP address given as `HOST:PORT` or `[IPv6]:PORT`, resolved with getaddrinfo.
package struct SocketAddress: Sendable, CustomStringConvertible {
    package let host: String
    package let port: UInt16
    let storage: sockaddr_storage
    let length: socklen_t

    package init(parsing text: String) throws {
        var host = ""
        var portText = ""
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw CaptureError.source("'\(text)' is not HOST:PORT") }
            portText = String(rest.dropFirst())
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
        } else {
            throw CaptureError.source("'\(text)' is not HOST:PORT")
        }
        guard let port = UInt16(portText) else { throw CaptureError.source("bad port in '\(text)'") }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host.isEmpty ? "127.0.0.1" : host, portText, &hints, &result)
        guard rc == 0, let first = result else {
            throw CaptureError.source("cannot resolve '\(host)': \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(result) }
        var storage = sockaddr_storage()
        memcpy(&storage, first.pointee.ai_addr, Int(first.pointee.ai_addrlen))
        self.host = host
        self.port = port
        self.storage = storage
        self.length = first.pointee.ai_addrlen
    }

    init(storage: sockaddr_storage, length: socklen_t) {
        self.storage = storage
        self.length = length
        let endpoint = Self.endpoint(storage)
        host = endpoint.address
        port = endpoint.port
    }

    var family: Int32 { Int32(storage.ss_family) }

    package var endpoint: Endpoint { Self.endpoint(storage) }

    package var description: String { endpoint.description }

    static func endpoint(_ s: sockaddr_storage) -> Endpoint {
        var copy = s
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        if Int32(s.ss_family) == AF_INET6 {
            let a = withUnsafePointer(to: &copy) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
            var addr = a.sin6_addr
            inet_ntop(AF_INET6, &addr, &buf, socklen_t(buf.count))
            return Endpoint(address: stringFromCBuffer(buf), port: UInt16(bigEndian: a.sin6_port))
        }
        let a = withUnsafePointer(to: &copy) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
        var addr = a.sin_addr
        inet_ntop(AF_INET, &addr, &buf, socklen_t(buf.count))
        return Endpoint(address: stringFromCBuffer(buf), port: UInt16(bigEndian: a.sin_port))
    }

    /// The local or peer address of a socket.
    static func of(_ fd: Int32, peer: Bool) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &storage) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(fd, $0, &length) : getsockname(fd, $0, &length)
            }
        }
        return rc == 0 ? SocketAddress(storage: storage, length: length) : nil
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var s = storage
        return withUnsafePointer(to: &s) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
