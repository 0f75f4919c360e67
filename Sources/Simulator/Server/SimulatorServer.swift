#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The simulated device behind a loopback TCP port: one `DeviceSession` per connection (each
/// connection is a fresh boot: ids from 1), a blocking thread per connection, TCP_NODELAY.
package final class SimulatorServer: @unchecked Sendable {
    package let options: SimulatorOptions
    package let address: LoopbackAddress
    /// Called when a connection's device crashes (`deviceFaults`); the CLI exits from here.
    package var onCrash: (@Sendable (DeviceCrash) -> Void)?
    /// Called when the RPC task of a connection dies (the legacy error path); the CLI may exit.
    package var onDeath: (@Sendable (DeviceSession.State) -> Void)?
    /// Called when a connection ends, with its final session state.
    package var onSessionEnd: (@Sendable (DeviceSession.State, Int) -> Void)?
    private var listenFD: Int32 = -1
    private let lock = NSLock()
    private var connections: Set<Int32> = []
    private var stopped = false
    /// Write each reply piece by piece (one write per header and per payload) as the device does.
    package var piecewise = false
    /// Leave Nagle's algorithm on (no TCP_NODELAY), as the real server's socket has it: with
    /// `piecewise` the first byte of a reply then travels alone, as in the reference captures.
    package var nagle = false

    /// Binds and listens (port 0 picks a free port; see `port`).
    package init(address: LoopbackAddress, options: SimulatorOptions = SimulatorOptions()) throws(TransportError) {
        self.options = options
        let fd = socket(address.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .system(call: "socket", errno: errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let r = address.withSockaddr { Glibc.bind(fd, $0, $1) }
        if r != 0 {
            let e = errno
            close(fd)
            if e == EADDRINUSE { throw .portInUse(host: address.host, port: address.port) }
            throw .system(call: "bind \(address)", errno: e)
        }
        guard listen(fd, 16) == 0 else { let e = errno; close(fd); throw .system(call: "listen", errno: e) }
        var bound = address
        if address.port == 0 {
            var ss = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            _ = withUnsafeMutablePointer(to: &ss) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
            let port = withUnsafePointer(to: &ss) { p -> UInt16 in
                address.isIPv6
                    ? p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
                    : p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
            bound.port = port
        }
        self.address = bound
        self.listenFD = fd
    }

    package var port: UInt16 { address.port }

    /// Accepts connections on a background thread.
    package func start() {
        let t = Thread { [self] in self.acceptLoop() }
        t.stackSize = 1 << 20
        t.start()
    }

    /// Accepts connections on the calling thread until `stop()`.
    package func run() { acceptLoop() }

    /// Accepts until the listening socket is shut down. Each descriptor is closed only by the
    /// thread that uses it (after `stop()` shut it down), so a number is never reused under a
    /// thread still reading it.
    private func acceptLoop() {
        defer { close(listenFD) }
        while true {
            let c = accept(listenFD, nil, nil)
            if c < 0 {
                if errno == EINTR { continue }
                return
            }
            lock.lock()
            if stopped { lock.unlock(); close(c); return }
            connections.insert(c)
            lock.unlock()
            if !nagle { FDIO.setNoDelay(c) }
            let t = Thread { [self] in
                let session = DeviceSession(options: self.options)
                session.recordsWrites = self.piecewise
                Self.serve(fd: c, session: session, onCrash: self.onCrash, onDeath: self.onDeath)
                self.onSessionEnd?(session.state, session.requestCount)
                self.lock.lock()
                self.connections.remove(c)
                self.lock.unlock()
                close(c)
            }
            t.stackSize = 4 << 20
            t.start()
        }
    }

    /// Serves one session on a file descriptor (socket, pty master, serial port) until the
    /// stream ends or the device crashes. A dead RPC task keeps reading and answers nothing, as
    /// the real server does until it is reset. With `shortReads`, a request that stays incomplete
    /// for the read timeout fails as on the device; at the end of the stream the session writes
    /// what the published server writes then (`clientClosed`).
    package static func serve(fd: Int32, session: DeviceSession, onCrash: ((DeviceCrash) -> Void)? = nil,
                              onDeath: ((DeviceSession.State) -> Void)? = nil) {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let timeout = Int32(clamping: session.options.readTimeoutMs)
        /// Writes what the session just produced; false when the peer is gone.
        func emit(_ out: [UInt8]) -> Bool {
            if session.recordsWrites {
                for piece in session.writes where !FDIO.writeAll(fd, piece) { return false }
                return true
            }
            return out.isEmpty || FDIO.writeAll(fd, out)
        }
        while true {
            let wasServing = session.state == .serving
            let out: [UInt8]
            var ended = false
            if session.options.shortReads, session.isMidRequest, !FDIO.waitReadable(fd, timeoutMs: timeout) {
                out = session.readTimedOut()
            } else {
                let n = FDIO.readSome(fd, into: &buffer)
                if n <= 0 {
                    out = session.clientClosed()
                    ended = true
                } else {
                    out = session.feed(buffer[0..<n])
                }
            }
            if !emit(out) { ended = true }
            switch session.state {
            case .crashed(let crash):
                onCrash?(crash)
                return
            case .dead where wasServing:
                if let onDeath {
                    FDIO.drainOutput(fd, maxMs: 500)
                    onDeath(session.state)
                }
            default: break
            }
            if ended { return }
        }
    }

    /// Stops accepting and ends every connection (their threads close the descriptors).
    package func stop() {
        lock.lock()
        stopped = true
        let fds = connections
        lock.unlock()
        shutdown(listenFD, Int32(SHUT_RDWR))
        for c in fds { shutdown(c, Int32(SHUT_RDWR)) }
    }
}
