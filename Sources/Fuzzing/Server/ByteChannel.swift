#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Capture

/// A bidirectional byte stream to a target: a TCP socket, a pseudo-terminal master or a serial
/// port. Raw descriptors and poll, so a case costs one write and a few reads.
package struct ByteChannel: Sendable {
    package enum ReadResult: Equatable, Sendable {
        case data(Int)
        case endOfStream
        case timeout
        case failed(errno: Int32)
    }

    package let fd: Int32
    /// TCP sockets end with EOF; ttys do not (a dead device is silent).
    package let isSocket: Bool

    /// How long a write may make no progress before the peer counts as gone (it exited, closed
    /// its pty or stopped reading): a write never blocks the run.
    package var stallNanos: UInt64

    package init(fd: Int32, isSocket: Bool, stallNanos: UInt64 = 1_000_000_000) {
        self.fd = fd
        self.isSocket = isSocket
        self.stallNanos = stallNanos
        // Non-blocking: a full pty or socket buffer makes `write` return EAGAIN (then poll with a
        // deadline) instead of blocking for ever; reads wait in select first either way.
        if fd >= 0 { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    /// Writes every byte (retrying on short writes). False when the peer is gone.
    package func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { p in writeAll(p) }
    }

    package func writeAll(_ p: UnsafeRawBufferPointer) -> Bool {
        var off = 0
        var lastProgress = Monotonic.now()
        while off < p.count {
            let n = isSocket ? send(fd, p.baseAddress! + off, p.count - off, Int32(MSG_NOSIGNAL))
                             : write(fd, p.baseAddress! + off, p.count - off)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    if StopRequest.isRequested || Monotonic.now() - lastProgress > stallNanos { return false }
                    var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&pfd, 1, 20)
                    continue
                }
                return false
            }
            off += n
            lastProgress = Monotonic.now()
        }
        return true
    }

    /// Reads what is available into `buffer[from...]` (growing it), waiting until `deadline`
    /// (monotonic ns) for the first byte.
    package func read(into buffer: inout [UInt8], count: inout Int, deadline: UInt64) -> ReadResult {
        while true {
            let now = Monotonic.now()
            if now >= deadline { return .timeout }
            let r = waitReadable(nanos: deadline - now)
            if r < 0 { if errno == EINTR { continue }; return .failed(errno: errno) }
            if r == 0 { continue }
            if buffer.count - count < 65_536 { buffer.append(contentsOf: repeatElement(0, count: max(65_536, buffer.count))) }
            let n = buffer.withUnsafeMutableBytes { p in Glibc.read(fd, p.baseAddress! + count, p.count - count) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                if errno == ECONNRESET || errno == EIO { return .endOfStream }
                return .failed(errno: errno)
            }
            if n == 0 { return .endOfStream }
            count += n
            return .data(n)
        }
    }

    /// Reads what is available without waiting (`.timeout` when nothing is).
    package func readNow(into buffer: inout [UInt8], count: inout Int) -> ReadResult {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let r = poll(&pfd, 1, 0)
        if r < 0 { return errno == EINTR ? .timeout : .failed(errno: errno) }
        if r == 0 { return .timeout }
        return read(into: &buffer, count: &count, deadline: UInt64.max)
    }

    /// Waits until the descriptor is readable or `nanos` have passed: `select` with its
    /// microsecond timeout (a write gap of 50 µs is due long before poll's next millisecond),
    /// `poll` for descriptors beyond `FD_SETSIZE`. Returns the ready count, 0 on timeout.
    private func waitReadable(nanos: UInt64) -> Int32 {
        let micros = min(nanos / 1000 + 1, 3_600_000_000)
        guard fd >= 0 && Int(fd) < MemoryLayout<fd_set>.size * 8 else {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            return poll(&pfd, 1, Int32((micros + 999) / 1000))
        }
        var set = fd_set()
        withUnsafeMutableBytes(of: &set) { p in
            let word = Int(fd) / 64
            p.storeBytes(of: UInt64(1) << UInt64(Int(fd) % 64), toByteOffset: word * 8, as: UInt64.self)
        }
        var tv = timeval(tv_sec: Int(micros / 1_000_000), tv_usec: Int(micros % 1_000_000))
        return select(fd + 1, &set, nil, nil, &tv)
    }

    /// Discards whatever is already waiting (after a reset of a serial device).
    package func drain(quietMillis: Int32 = 20) {
        var scratch = [UInt8](repeating: 0, count: 4096)
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&pfd, 1, quietMillis) > 0 {
            let n = scratch.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
        }
    }

    package func close() {
        if isSocket { shutdown(fd, Int32(SHUT_RDWR)) }
        Glibc.close(fd)
    }
}

/// Loopback TCP helpers (the fuzzer only ever talks to 127.0.0.1 or ::1).
package enum Loopback {
    /// Connects (TCP_NODELAY on); nil when nothing listens yet.
    package static func connect(host: String, port: UInt16) -> Int32? {
        let v6 = host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        guard let address = try? LoopbackAddress(host: host, port: port) else { Glibc.close(fd); return nil }
        let r = address.withSockaddr { Glibc.connect(fd, $0, $1) }
        guard r == 0 else { Glibc.close(fd); return nil }
        FDIO.setNoDelay(fd)
        return fd
    }

    /// Creates a listening socket on 127.0.0.1 (port 0: a free one). Returns (fd, port).
    package static func listen(port: UInt16 = 0) -> (fd: Int32, port: UInt16)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = in_port_t(port.bigEndian)
        a.sin_addr.s_addr = in_addr_t(0x7f00_0001).bigEndian
        let r = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard r == 0, Glibc.listen(fd, 8) == 0 else { Glibc.close(fd); return nil }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return (fd, UInt16(bigEndian: a.sin_port))
    }

    /// A port that is free right now (bound and released; the spawned program binds it next).
    package static func freePort() -> UInt16? {
        guard let (fd, port) = listen() else { return nil }
        Glibc.close(fd)
        return port
    }

    /// Accepts one connection, waiting until `deadline`; nil on timeout.
    package static func accept(_ listenFD: Int32, deadline: UInt64) -> Int32? {
        var pfd = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
        while Monotonic.now() < deadline {
            let ms = Int32(min(100, (deadline - Monotonic.now()) / 1_000_000 + 1))
            if poll(&pfd, 1, ms) > 0 {
                let c = Glibc.accept(listenFD, nil, nil)
                if c >= 0 {
                    _ = fcntl(c, F_SETFD, FD_CLOEXEC)
                    var one: Int32 = 1
                    setsockopt(c, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    return c
                }
            }
        }
        return nil
    }
}
