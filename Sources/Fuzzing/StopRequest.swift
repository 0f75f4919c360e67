#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C and `kill`, as libFuzzer and AFL++ users expect them: the first SIGINT or SIGTERM asks
/// the running fuzzer to stop at its next check, as if its time were up, so it stops its target,
/// prints and writes its summary and exits with the usual status (findings are already on disk).
/// A second signal of the same kind ends the process at once. A `--jobs` parent passes the signal
/// on to its workers (as SIGTERM, so a worker that also got the terminal's SIGINT still stops
/// cleanly) and merges what they wrote.
package enum StopRequest {
    static let forwardCapacity = 256
    // Plain buffers allocated before the handler is installed: the handler only reads and stores
    // through them, which is async-signal-safe.
    nonisolated(unsafe) static let requested: UnsafeMutablePointer<sig_atomic_t> = {
        let p = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()
    nonisolated(unsafe) static let forward: UnsafeMutablePointer<pid_t> = {
        let p = UnsafeMutablePointer<pid_t>.allocate(capacity: forwardCapacity + 1)
        p.initialize(repeating: 0, count: forwardCapacity + 1)
        return p
    }()

    nonisolated(unsafe) static let parent: UnsafeMutablePointer<pid_t> = {
        let p = UnsafeMutablePointer<pid_t>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()

    /// Whether a stop was asked for (or, for a worker, its parent is gone).
    package static var isRequested: Bool {
        requested.pointee != 0 || (parent.pointee != 0 && getppid() != parent.pointee)
    }

    /// For a `--jobs` worker: a parent that dies without passing a stop on (SIGKILL, a crash)
    /// still stops its workers, which see that they were handed to another parent.
    package static func stopWithParent() {
        parent.pointee = getppid()
    }

    /// Installs the SIGINT and SIGTERM handlers. `forwardingTo`: worker processes that get the
    /// request too.
    package static func install(forwardingTo pids: [pid_t] = []) {
        let n = min(pids.count, forwardCapacity)
        for i in 0..<n { forward[i + 1] = pids[i] }
        forward[0] = pid_t(n)
        requested.pointee = 0
        // A parent may have started us with these signals blocked (the mask is inherited): they
        // would stay pending and the run could not be stopped.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigaddset(&unblock, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        for s in [SIGINT, SIGTERM] {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = stopSignalHandler
            sa.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)   // the second signal takes the default action (0x80000000)
            sigemptyset(&sa.sa_mask)
            sigaction(s, &sa, nil)
        }
    }
}

private func stopSignalHandler(_ signal: Int32) {
    StopRequest.requested.pointee = 1
    let n = Int(StopRequest.forward[0])
    for i in 0..<n { kill(StopRequest.forward[i + 1], SIGTERM) }
}
