#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a program under test ended.
// Deliberately alike: error enums with their descriptions.
package enum ProcessEnd: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    package var description: String {
        switch self {
        case .exited(let s): return "exit status \(s)"
        case .signaled(let s): return "signal \(s) (\(ProcessEnd.signalName(s)))"
        }
    }

    /// "exit:71" / "signal:11": the status part of a finding's signature.
    package var key: String {
        switch self {
        case .exited(let s): return "exit:\(s)"
        case .signaled(let s): return "signal:\(s)"
        }
    }

    static func signalName(_ s: Int32) -> String {
        switch s {
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case SIGILL: return "SIGILL"
        case SIGTRAP: return "SIGTRAP"
        case SIGBUS: return "SIGBUS"
        case SIGFPE: return "SIGFPE"
        case SIGKILL: return "SIGKILL"
        case SIGTERM: return "SIGTERM"
        default: return "SIG\(s)"
        }
    }
}

/// A program under test, started from a command template (`{port}` and `{pty}` substituted) with
/// `/bin/sh -c "exec …"` so the pid is the program's own.
package final class TargetProcess {
    package let command: String
    package private(set) var pid: pid_t = 0
    package private(set) var end: ProcessEnd?
    /// Where the program's stderr goes (kept for the finding's detail).
    package let stderrPath: String?

    package init(command: String, stderrPath: String?) throws(TargetError) {
        self.command = command
        self.stderrPath = stderrPath
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // A fresh signal mask and default dispositions (msgfuzz ignores SIGPIPE; the target should not inherit that).
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attr, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attr, &all)
        // A process group of its own: the terminal's Ctrl-C goes to msgfuzz, which stops the target
        // itself, instead of killing the target and being mistaken for one of its crashes.
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        let argv = ["/bin/sh", "-c", "exec " + command]
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        // Swift programs under test die quicker without printing a backtrace (the reason stays).
        var env: [UnsafeMutablePointer<CChar>?] = []
        var i = 0
        var hasBacktrace = false
        while let e = environ[i] {
            if strncmp(e, "SWIFT_BACKTRACE=", 16) == 0 { hasBacktrace = true }
            env.append(strdup(e))
            i += 1
        }
        if !hasBacktrace { env.append(strdup("SWIFT_BACKTRACE=enable=no")) }
        env.append(nil)
        defer { for p in env { free(p) } }
        var p: pid_t = 0
        let r = posix_spawn(&p, "/bin/sh", &actions, &attr, &cargs, &env)
        guard r == 0 else { throw .spawnFailed(command, errno: r) }
        pid = p
    }

    /// Non-blocking check: has the program ended?
    @discardableResult
    package func poll() -> ProcessEnd? {
        if let end { return end }
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { end = Self.decode(status) }
        return end
    }

    /// Waits up to `millis` for the program to end.
    package func wait(millis: Int) -> ProcessEnd? {
        let deadline = Monotonic.now() + UInt64(millis) * 1_000_000
        while true {
            if let e = poll() { return e }
            if Monotonic.now() >= deadline { return nil }
            usleep(500)
        }
    }

    /// Kills the program (SIGKILL) and reaps it.
    package func kill() {
        guard poll() == nil else { return }
        Glibc.kill(pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if end == nil { end = .signaled(SIGKILL) }
    }

    /// Resident memory in kB from /proc/PID/status (nil when unavailable).
    package func residentKB() -> Int? {
        guard end == nil, let f = fopen("/proc/\(pid)/status", "r") else { return nil }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, 256, f) != nil {
            let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if s.hasPrefix("VmRSS:") {
                return Int(s.dropFirst(6).filter { $0.isNumber })
            }
        }
        return nil
    }

    /// The last `limit` bytes the program wrote to stderr.
    package func stderrTail(limit: Int = 600) -> String {
        guard let path = stderrPath, let f = fopen(path, "r") else { return "" }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
            if out.count > 1 << 20 { out.removeFirst(out.count - limit) }
        }
        return String(decoding: out.suffix(limit), as: UTF8.self)
    }

    static func decode(_ status: Int32) -> ProcessEnd {
        let sig = status & 0x7f
        if sig == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(sig)
    }

    /// Runs a shell command to completion (a `--reset-cmd`); returns its end.
    package static func run(_ command: String, timeoutMillis: Int = 30_000) -> ProcessEnd? {
        guard let p = try? TargetProcess(command: command, stderrPath: nil) else { return nil }
        if let e = p.wait(millis: timeoutMillis) { return e }
        p.kill()
        return nil
    }

    deinit { kill() }
}

/// Why the target could not be started or reached.
package enum TargetError: Error, Equatable, CustomStringConvertible {
    case spawnFailed(String, errno: Int32)
    case notReady(String)
    case connectFailed(String)
    case serial(String)
    case badTemplate(String)
    case missingBinary(String)

    package var description: String {
        switch self {
        case let .spawnFailed(c, e): return "cannot start '\(c)': \(String(cString: strerror(e)))"
        case .notReady(let s): return s
        case .connectFailed(let s): return "cannot connect to \(s)"
        case .serial(let s): return s
        case .badTemplate(let s): return s
        case .missingBinary(let s): return s
        }
    }
}

/// Where the running msgfuzz executable lives (/proc/self/exe), to find `urpc-sim` beside it.
package enum ExecutableLocation {
    package static func directory() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        var path: String
        if n > 0 {
            path = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        } else {
            path = CommandLine.arguments.first ?? ""
        }
        guard let slash = path.lastIndex(of: "/") else { return nil }
        return String(path[..<slash])
    }

    /// `urpc-sim` next to the running executable, if it is there and executable.
    package static func sibling(_ name: String) -> String? {
        guard let d = directory() else { return nil }
        let p = d + "/" + name
        return access(p, X_OK) == 0 ? p : nil
    }
}
