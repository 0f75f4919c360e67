#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A stop request for live loops, as a self-pipe: `request()` writes one byte (async-signal-safe),
/// loops `poll` on `fd` next to their sockets and ttys, and `isRequested` asks without consuming.
/// Signal handlers only write to the pipe: every stop, flush and close happens in the loops.
package final class LiveStop: @unchecked Sendable {
    /// The read end: readable once a stop was requested.
    package let fd: Int32
    private let writeFD: Int32

    package init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 { fds = [-1, -1] }
        for f in fds where f >= 0 {
            _ = fcntl(f, F_SETFL, fcntl(f, F_GETFL) | O_NONBLOCK)
            _ = fcntl(f, F_SETFD, FD_CLOEXEC)
        }
        fd = fds[0]
        writeFD = fds[1]
    }

    deinit {
        if signalStopFD == writeFD { signalStopFD = -1 }
        close(fd)
        close(writeFD)
    }

    /// Asks every loop watching this stop to end (idempotent, callable from any thread).
    package func request() {
        var b: UInt8 = 1
        _ = write(writeFD, &b, 1)
    }

    package var isRequested: Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, 0) > 0
    }

    /// Routes SIGINT and SIGTERM to this stop (and ignores SIGPIPE, so a vanished peer is an
    /// error from `write`, not a dead process). Without SA_RESTART, a blocked `poll` returns EINTR.
    /// The signals are also unblocked: a parent may have spawned us with them blocked (the mask is
    /// inherited across exec), and then Ctrl-C or SIGTERM would never arrive.
    package func installSignalHandlers(_ signals: [Int32] = [SIGINT, SIGTERM]) {
        signalStopFD = writeFD
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for s in signals { sigaddset(&unblock, s) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for s in signals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = liveStopSignalHandler
            #else
            action.__sigaction_u.__sa_handler = liveStopSignalHandler
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            sigaction(s, &action, nil)
        }
        signal(SIGPIPE, SIG_IGN)
    }
}

/// The write end of the stop pipe the signal handler writes to (only an `Int32`, set before the
/// handlers are installed).
nonisolated(unsafe) private var signalStopFD: Int32 = -1

private func liveStopSignalHandler(_ signal: Int32) {
    let saved = errno
    var b: UInt8 = UInt8(truncatingIfNeeded: signal)
    _ = write(signalStopFD, &b, 1)
    errno = saved
}
