#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One read from a live byte stream (a socket or a tty), timestamped when it was read.
package struct LiveChunk: Sendable, Equatable {
    /// `.a` = client/host → server/device, `.b` = the reply direction.
    package var side: StreamSide
    package var bytes: [UInt8]
    package var time: Timestamp

    package init(side: StreamSide, bytes: [UInt8], time: Timestamp) {
        self.side = side
        self.bytes = bytes
        self.time = time
    }
}

extension Timestamp {
    /// The wall-clock time now (CLOCK_REALTIME), as capture timestamps are.
    package static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: UInt32(ts.tv_nsec))
    }
}

/// Small POSIX helpers shared by the live sources.
enum LiveIO {
    /// What one `read` gave.
    enum ReadResult {
        case bytes([UInt8])
        case endOfFile
        case wouldBlock
        case failed(Int32)
    }

    static func read(_ fd: Int32, into buffer: inout [UInt8]) -> ReadResult {
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { return .bytes(Array(buffer[0..<n])) }
            if n == 0 { return .endOfFile }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return .wouldBlock }
            return .failed(errno)
        }
    }

    /// Writes every byte (retrying short writes and EINTR; for a non-blocking descriptor, waiting
    /// with poll). Returns errno on failure, ECANCELED when `stopFD` became readable while waiting
    /// (a peer that stopped reading must not make a stop request wait forever).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], stopFD: Int32 = -1) -> Int32? {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + off, $0.count - off) }
            if n > 0 { off += n; continue }
            if n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                var p = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0),
                         pollfd(fd: stopFD, events: Int16(POLLIN), revents: 0)]
                _ = Glibc.poll(&p, 2, 100)
                if p[1].revents != 0 { return ECANCELED }
                continue
            }
            return n < 0 ? errno : EIO
        }
        return nil
    }

    static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// `poll` over descriptors; returns the revents per descriptor (all zero on timeout or EINTR).
    static func poll(_ fds: [Int32], timeoutMilliseconds: Int32) -> [Int16] {
        var p = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        let n = Glibc.poll(&p, nfds_t(p.count), timeoutMilliseconds)
        if n <= 0 { return [Int16](repeating: 0, count: fds.count) }
        return p.map(\.revents)
    }

    static func message(_ e: Int32) -> String { String(cString: strerror(e)) }
}
