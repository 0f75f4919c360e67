#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `socket` (MicroPython `usocket`): real sockets, restricted to the loopback interface.
enum SocketModule {
    static let AF_INET: Int64 = 2, AF_INET6: Int64 = 10, SOCK_STREAM: Int64 = 1, SOCK_DGRAM: Int64 = 2
    static let SOL_SOCKET: Int64 = 1, SO_REUSEADDR: Int64 = 4, IPPROTO_TCP: Int64 = 6

    static func make(_ ctx: PyContext) -> PyModule {
        let m = PyModule(name: "usocket", address: ctx.staticAllocate())
        for (k, v) in [("AF_INET", AF_INET), ("AF_INET6", AF_INET6), ("SOCK_STREAM", SOCK_STREAM), ("SOCK_DGRAM", SOCK_DGRAM),
                       ("SOL_SOCKET", SOL_SOCKET), ("SO_REUSEADDR", SO_REUSEADDR), ("IPPROTO_TCP", IPPROTO_TCP)] {
            m.attributes[k] = .int(v)
        }
        m.attributes["socket"] = .object(PyClass(name: "socket", address: ctx.staticAllocate()) { _, args, _, ctx in
            let family = args.count > 0 ? try Args.int(args[0]) : AF_INET
            let type = args.count > 1 ? try Args.int(args[1]) : SOCK_STREAM
            guard family == AF_INET, type == SOCK_STREAM || type == SOCK_DGRAM else {
                throw PyException("OSError", args: [.int(Int64(EAFNOSUPPORT))])
            }
            let fd = Glibc.socket(Glibc.AF_INET, Int32(type == SOCK_STREAM ? Glibc.SOCK_STREAM.rawValue : Glibc.SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { throw PyException("OSError", args: [.int(Int64(errno))]) }
            return .object(SimSocket(fd: fd, address: ctx.allocate(size: 64)))
        })
        m.def("getaddrinfo", ctx) { args, _, _ in
            guard args.count >= 2 else { throw PyException.argCount(2, args.count) }
            let host = try Args.string(args[0])
            guard let ip = loopbackIP(host) else { throw PyException("OSError", args: [.int(-202)]) }
            return .list([.tuple([.int(AF_INET), .int(SOCK_STREAM), .int(0), .string(""), .tuple([.string(ip), .int(try Args.int(args[1]))])])])
        }
        return m
    }

    /// The simulated device reaches only loopback: other hosts do not resolve (lwIP's −202).
    static func loopbackIP(_ host: String) -> String? {
        switch host {
        case "127.0.0.1", "localhost", "", "0.0.0.0": return "127.0.0.1"
        default: return nil
        }
    }
}

/// A socket object on a real file descriptor.
package final class SimSocket: PyObject {
    var fd: Int32
    var blocking = true

    init(fd: Int32, address: UInt32) {
        self.fd = fd
        super.init(address: address)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        setTimeout(5.0)
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    package override var typeName: String { "socket" }
    package override func repr() -> String { "<socket state=\(fd >= 0 ? 2 : 0) timeout=-1 incoming=0 off=0>" }

    func setTimeout(_ seconds: Double) {
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    func osError() -> PyException {
        let e = errno
        return PyException("OSError", args: [.int(Int64(e == EAGAIN || e == EWOULDBLOCK ? 11 : Int(e)))])
    }

    func checkOpen() throws { if fd < 0 { throw PyException("OSError", args: [.int(Int64(EBADF))]) } }

    static func sockaddr(_ v: PyValue) throws -> sockaddr_in {
        guard case .tuple(let t) = v.asTuple, t.count == 2 else { throw PyException("TypeError", "address must be a (host, port) tuple") }
        let host = try Args.string(t[0])
        let port = try Args.int(t[1])
        guard let ip = SocketModule.loopbackIP(host) else { throw PyException("OSError", args: [.int(-202)]) }
        guard (0...65535).contains(port) else { throw PyException("OverflowError", "port out of range") }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, ip, &a.sin_addr)
        return a
    }

    static func tuple(_ a: sockaddr_in) -> PyValue {
        var addr = a.sin_addr
        var buf = [CChar](repeating: 0, count: 32)
        inet_ntop(AF_INET, &addr, &buf, 32)
        let ip = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return .tuple([.string(ip), .int(Int64(UInt16(bigEndian: a.sin_port)))])
    }

    package override func readinto(_ buffer: inout [UInt8]) throws -> Int? {
        try checkOpen()
        let n = buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, blocking ? 0 : Int32(MSG_DONTWAIT)) }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { if !blocking { return nil } }
            throw osError()
        }
        return n
    }

    /// `connect`/`bind` with the one address argument: calls `call` with the C address, raises
    /// OSError when it fails.
    private func withAddress(_ args: [PyValue], _ call: (UnsafePointer<Glibc.sockaddr>, socklen_t) -> Int32) throws -> PyValue {
        try checkOpen(); try Args.count(args, 1)
        var a = try SimSocket.sockaddr(args[0])
        let r = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
            call($0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if r != 0 { throw osError() }
        return .none
    }

    package override func method(_ name: String) -> PyFunction? {
        switch name {
        case "connect":
            return { [unowned self] args, _, _ in try self.withAddress(args) { Glibc.connect(self.fd, $0, $1) } }
        case "bind":
            return { [unowned self] args, _, _ in try self.withAddress(args) { Glibc.bind(self.fd, $0, $1) } }
        case "listen":
            return { [unowned self] args, _, _ in
                try self.checkOpen()
                let backlog = args.isEmpty ? 2 : Int32(clamping: try Args.int(args[0]))
                if Glibc.listen(self.fd, max(1, backlog)) != 0 { throw self.osError() }
                return .none
            }
        case "accept":
            return { [unowned self] _, _, ctx in
                try self.checkOpen()
                var a = sockaddr_in()
                var len = socklen_t(MemoryLayout<sockaddr_in>.size)
                let c = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                    Glibc.accept(self.fd, $0, &len) } }
                if c < 0 { throw self.osError() }
                return .tuple([.object(SimSocket(fd: c, address: ctx.allocate(size: 64))), SimSocket.tuple(a)])
            }
        case "send", "write", "sendall":
            return { [unowned self] args, _, _ in
                try self.checkOpen(); try Args.count(args, 1)
                let b = try Args.buffer(args[0])
                let n = b.withUnsafeBytes { Glibc.send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n < 0 { throw self.osError() }
                return name == "sendall" ? .none : .int(Int64(n))
            }
        case "recv", "read":
            return { [unowned self] args, _, _ in
                try self.checkOpen()
                let want = args.isEmpty ? 4096 : Int(max(0, min(65536, try Args.int(args[0]))))
                var buf = [UInt8](repeating: 0, count: want)
                guard let n = try self.readinto(&buf) else { throw PyException("OSError", args: [.int(11)]) }
                return .bytes(Array(buf[0..<n]))
            }
        case "readinto":
            return { [unowned self] args, _, _ in
                try Args.count(args, 1)
                var buf = [UInt8](repeating: 0, count: try Args.buffer(args[0]).count)
                return try self.readinto(&buf).map { .int(Int64($0)) } ?? .none
            }
        case "close":
            return { [unowned self] _, _, _ in
                if self.fd >= 0 { Glibc.close(self.fd); self.fd = -1 }
                return .none
            }
        case "setblocking":
            return { [unowned self] args, _, _ in try Args.count(args, 1); self.blocking = args[0].truthy; return .none }
        case "settimeout":
            return { [unowned self] args, _, _ in
                try Args.count(args, 1)
                if args[0].isNone { self.blocking = true; self.setTimeout(5.0) }
                else { let t = Double(try Args.float(args[0])); self.blocking = t > 0; if t > 0 { self.setTimeout(t) } }
                return .none
            }
        case "setsockopt":
            return { _, args, _ in .none }
        case "getsockname":
            return { [unowned self] _, _, _ in
                try self.checkOpen()
                var a = sockaddr_in()
                var len = socklen_t(MemoryLayout<sockaddr_in>.size)
                _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                    Glibc.getsockname(self.fd, $0, &len) } }
                return SimSocket.tuple(a)
            }
        default: return nil
        }
    }
}

extension PyValue {
    /// Lists and tuples both serve as address tuples (a client may send either as an array).
    var asTuple: PyValue {
        if case .list(let a) = self { return .tuple(a) }
        return self
    }
}
