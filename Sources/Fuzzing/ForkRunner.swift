#if canImport(Glibc)
import Glibc
#endif

/// How one execution in a child process ended.
package enum ChildOutcome: Sendable, Equatable {
    case verdict(Verdict)
    /// Killed by a signal; `message` is the runtime's fatal-error line if it printed one.
    case trap(signal: Int32, message: String)
    case timeout

    /// The dedup key of this behaviour ("" for a pass).
    package var signature: String {
        switch self {
        case .verdict(let v): return v.isFinding ? v.signature : ""
        case let .trap(sig, message): return "trap:\(signalName(sig))" + (message.isEmpty ? "" : ":" + message)
        case .timeout: return "timeout"
        }
    }
}

package func signalName(_ s: Int32) -> String {
    switch s {
    case SIGILL: return "SIGILL"
    case SIGTRAP: return "SIGTRAP"
    case SIGSEGV: return "SIGSEGV"
    case SIGBUS: return "SIGBUS"
    case SIGABRT: return "SIGABRT"
    case SIGFPE: return "SIGFPE"
    case SIGKILL: return "SIGKILL"
    case SIGALRM: return "SIGALRM"
    default: return "signal \(s)"
    }
}

/// Runs one thorough execution of a target in a forked child, so a trapping input can be
/// examined (minimised, deduplicated, replayed) without killing the caller.
package enum ForkRunner {
    package static func run(_ kind: TargetKind, _ input: [UInt8], timeoutSeconds: UInt32 = 10) -> ChildOutcome {
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0]
        guard pipe(&out) == 0, pipe(&err) == 0 else { return .verdict(.pass) }
        let pid = fork()
        if pid == 0 {
            for s in CrashGuard.signals { signal(s, SIG_DFL) }
            close(out[0]); close(err[0])
            dup2(err[1], 2)
            alarm(timeoutSeconds)
            var target = kind.make()
            var features = FeatureSet()
            features.begin()
            let v = target.execute(input, thorough: true, features: &features)
            var line = v.isFinding ? "finding\t\(v.oracle)\t\(v.signature)\t\(v.detail.replacingTabs)\n" : "pass\n"
            line.withUTF8 { p in _ = write(out[1], p.baseAddress, p.count) }
            _exit(0)
        }
        close(out[1]); close(err[1])
        let o = readAll(out[0]), e = readAll(err[0])
        close(out[0]); close(err[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let termsig = status & 0x7f
        if termsig != 0 {
            if termsig == SIGALRM { return .timeout }
            return .trap(signal: termsig, message: fatalLine(String(decoding: e, as: UTF8.self)))
        }
        let fields = String(decoding: o, as: UTF8.self).split(separator: "\t", omittingEmptySubsequences: false)
        if fields.first == "finding", fields.count >= 4 {
            return .verdict(.finding(oracle: String(fields[1]), signature: String(fields[2]),
                                     detail: String(fields[3]).trimmingSuffixNewline))
        }
        return .verdict(.pass)
    }

    static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            out.append(contentsOf: buf[0..<n])
        }
        return out
    }

    /// The runtime's "Fatal error: …" text without file/line details that vary between builds.
    static func fatalLine(_ stderr: String) -> String {
        for line in stderr.split(separator: "\n") {
            if let r = line.firstRange(of: "Fatal error: ") ?? line.firstRange(of: "fatal error: ") {
                return String(line[r.upperBound...])
            }
        }
        return ""
    }
}

extension String {
    var replacingTabs: String { String(map { $0 == "\t" || $0 == "\n" ? " " : $0 }) }
    var trimmingSuffixNewline: String { hasSuffix("\n") ? String(dropLast()) : self }
}
