#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-descriptor I/O shared by every layer that talks to sockets, ttys and pipes: live sources
/// and taps, the fuzzers' targets, the device twin and the printers.
package enum FDIO {
    /// Writes every byte: short writes and EINTR are retried, EAGAIN waits with poll, and a socket
    /// is written without raising SIGPIPE (which would end the whole process). Returns nil, or the
    /// errno: ECANCELED when `stopFD` became readable while waiting (a peer that stopped reading
    /// must not make a stop request wait forever).
    @discardableResult
    package static func writeAll(_ fd: Int32, _ p: UnsafeRawBufferPointer, stopFD: Int32 = -1) -> Int32? {
        var off = 0
        var socket = true
        while off < p.count {
            var n = socket ? send(fd, p.baseAddress! + off, p.count - off, Int32(MSG_NOSIGNAL)) : 0
            if !socket || (n < 0 && errno == ENOTSOCK) {
                socket = false
                n = Glibc.write(fd, p.baseAddress! + off, p.count - off)
            }
            if n > 0 { off += n; continue }
            if n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                var fds = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0),
                           pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
                _ = Glibc.poll(&fds, 2, 100)
                if fds[1].revents != 0 { return ECANCELED }
                continue
            }
            return n < 0 ? errno : EIO
        }
        return nil
    }

    package static func writeAll(_ fd: Int32, _ bytes: [UInt8], stopFD: Int32) -> Int32? {
        bytes.withUnsafeBytes { writeAll(fd, $0, stopFD: stopFD) }
    }

    /// Writes all of `bytes`; false when the peer is gone.
    @discardableResult
    package static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>) -> Bool {
        let a = Array(bytes)
        return a.withUnsafeBytes { writeAll(fd, $0) } == nil
    }

    /// Waits up to `timeoutMs` for `fd` to be readable (-1: forever). Returns false on timeout.
    package static func waitReadable(_ fd: Int32, timeoutMs: Int32) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let r = Glibc.poll(&p, 1, timeoutMs)
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

    // MARK: live sources

    /// What one `read` gave.
    package enum ReadResult {
        case bytes([UInt8])
        case endOfFile
        case wouldBlock
        case failed(Int32)
    }

    package static func read(_ fd: Int32, into buffer: inout [UInt8]) -> ReadResult {
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { return .bytes(Array(buffer[0..<n])) }
            if n == 0 { return .endOfFile }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            return .failed(errno)
        }
    }

    package static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// `poll` over descriptors; returns the revents per descriptor (all zero on timeout or EINTR).
    package static func poll(_ fds: [Int32], timeoutMilliseconds: Int32) -> [Int16] {
        var p = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let n = Glibc.poll(&p, nfds_t(p.count), timeoutMilliseconds)
        if n <= 0 { return [Int16](repeating: 0, count: fds.count) }
        return p.map(\.revents)
    }

    package static func message(_ e: Int32) -> String { String(cString: strerror(e)) }
}
