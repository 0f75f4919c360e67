#if canImport(Glibc)
import Glibc
#endif

// State the signal handler reads. Set once by `CrashGuard.install`, never freed while armed; the
// handler touches only these raw buffers and async-signal-safe calls (open, write, fsync, rename).
nonisolated(unsafe) private var recordBase: UnsafeMutablePointer<UInt8>? = nil
nonisolated(unsafe) private var recordCapacity = 0
nonisolated(unsafe) private var crashDir: UnsafeMutablePointer<CChar>? = nil
nonisolated(unsafe) private var crashDirLength = 0
nonisolated(unsafe) private var pathBuffer: UnsafeMutablePointer<CChar>? = nil
nonisolated(unsafe) private var tmpBuffer: UnsafeMutablePointer<CChar>? = nil
nonisolated(unsafe) private var digestBuffer: UnsafeMutablePointer<UInt8>? = nil
nonisolated(unsafe) private var shaScratch: UnsafeMutablePointer<UInt32>? = nil

/// Makes sure the input that kills the process is on disk.
///
/// Two layers, so a crash file survives whatever the death:
/// 1. Before every execution the input is copied into `findings/.current-<pid>`, a file mapped into
///    memory (a memcpy, no system call): the kernel keeps those pages even if the process is
///    killed outright (SIGKILL, OOM), and the next `msgfuzz` run or the `--jobs` parent turns a
///    dead process's record into a crash file (`recoverOrphans`).
/// 2. A handler for SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT and SIGFPE (on its own stack, so a
///    stack overflow is caught too) writes `crash-<sha1>` from that record — temp file, fsync,
///    rename — then restores the default action and re-raises, so the process still dies of its
///    signal.
package enum CrashGuard {
    static let headerSize = 16   // [length: UInt64][executing: UInt64]
    static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE]

    package static var recordPath: String? { installedRecordPath }
    nonisolated(unsafe) static var installedRecordPath: String? = nil

    /// Maps the record file and installs the handlers. `capacity` is the largest input recorded.
    package static func install(findingsDirectory dir: String, capacity: Int) throws(FileError) {
        try Files.makeDirectory(dir)
        let path = dir + "/.current-\(getpid())"
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        let size = headerSize + capacity
        guard ftruncate(fd, off_t(size)) == 0,
              let m = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), m != MAP_FAILED else {
            let e = errno; close(fd); throw .cannotWrite(path: path, errno: e)
        }
        close(fd)
        recordBase = m.assumingMemoryBound(to: UInt8.self)
        recordCapacity = capacity
        installedRecordPath = path
        let d = Array(dir.utf8CString)
        crashDir = .allocate(capacity: d.count)
        d.withUnsafeBufferPointer { crashDir!.initialize(from: $0.baseAddress!, count: d.count) }
        crashDirLength = d.count - 1
        pathBuffer = .allocate(capacity: crashDirLength + 64)
        tmpBuffer = .allocate(capacity: crashDirLength + 64)
        digestBuffer = .allocate(capacity: 20)
        shaScratch = .allocate(capacity: 80)

        // An alternate stack, so a stack overflow can still run the handler.
        let altSize = 1 << 16
        var ss = stack_t()
        ss.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: altSize, alignment: 16)
        ss.ss_size = altSize
        ss.ss_flags = 0
        sigaltstack(&ss, nil)
        for s in signals {
            var sa = sigaction()
            sa.__sigaction_handler.sa_handler = crashSignalHandler
            sa.sa_flags = Int32(SA_ONSTACK)
            sigemptyset(&sa.sa_mask)
            sigaction(s, &sa, nil)
        }
    }

    /// Records the input about to run (called before every execution).
    @inline(__always)
    package static func record(_ input: [UInt8]) {
        guard let base = recordBase else { return }
        let n = min(input.count, recordCapacity)
        input.withUnsafeBufferPointer { p in
            if n > 0 { (base + headerSize).update(from: p.baseAddress!, count: n) }
        }
        base.withMemoryRebound(to: UInt64.self, capacity: 2) { h in h[0] = UInt64(n); h[1] = 1 }
    }

    /// Marks that no execution is running (findings from oracles are written by the engine).
    @inline(__always)
    package static func idle() {
        recordBase?.withMemoryRebound(to: UInt64.self, capacity: 2) { $0[1] = 0 }
    }

    /// Removes the record file at a clean exit.
    package static func uninstall() {
        for s in signals { signal(s, SIG_DFL) }
        if let p = installedRecordPath { unlink(p) }
        installedRecordPath = nil
    }

    /// Turns the records of processes that died mid-execution into crash files. Returns their paths.
    package static func recoverOrphans(in dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
            if name.hasPrefix(".current-") { names.append(name) }
        }
        closedir(d)
        var out: [String] = []
        for name in names {
            guard let pid = Int32(name.dropFirst(".current-".count)), pid != getpid() else { continue }
            if kill(pid, 0) == 0 { continue }   // still running
            let path = dir + "/" + name
            guard let raw = try? Files.read(path), raw.count >= headerSize else { unlink(path); continue }
            let length = raw.withUnsafeBytes { Int($0.load(as: UInt64.self)) }
            let executing = raw.withUnsafeBytes { $0.load(fromByteOffset: 8, as: UInt64.self) }
            if executing == 1, length <= raw.count - headerSize {
                let input = Array(raw[headerSize..<(headerSize + length)])
                let crash = dir + "/crash-" + SHA1.hex(input)
                if !Files.exists(crash), (try? Files.writeAtomically(input, to: crash)) != nil { out.append(crash) }
            }
            unlink(path)
        }
        return out
    }
}

private func crashSignalHandler(_ sig: Int32) {
    if let base = recordBase, let dir = crashDir, let path = pathBuffer, let tmp = tmpBuffer,
       let digest = digestBuffer, let w = shaScratch {
        let n = base.withMemoryRebound(to: UInt64.self, capacity: 1) { Int($0[0]) }
        let data = base + CrashGuard.headerSize
        SHA1.hash(data, n, into: digest, scratch: w)
        // path = "<dir>/crash-<40 hex>", tmp = "<dir>/.crash-<40 hex>.tmp"
        func fill(_ out: UnsafeMutablePointer<CChar>, _ prefix: StaticString, _ suffix: StaticString) {
            var k = 0
            for i in 0..<crashDirLength { out[k] = dir[i]; k += 1 }
            prefix.withUTF8Buffer { for c in $0 { out[k] = CChar(bitPattern: c); k += 1 } }
            let hex: StaticString = "0123456789abcdef"
            hex.withUTF8Buffer { h in
                for i in 0..<20 {
                    out[k] = CChar(bitPattern: h[Int(digest[i] >> 4)]); out[k + 1] = CChar(bitPattern: h[Int(digest[i] & 15)]); k += 2
                }
            }
            suffix.withUTF8Buffer { for c in $0 { out[k] = CChar(bitPattern: c); k += 1 } }
            out[k] = 0
        }
        fill(path, "/crash-", "")
        fill(tmp, "/.crash-", ".tmp")
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if fd >= 0 {
            var off = 0
            while off < n {
                let r = write(fd, data + off, n - off)
                if r <= 0 { break }
                off += r
            }
            fsync(fd)
            close(fd)
            rename(tmp, path)
        }
        let msg: StaticString = "==msgfuzz== deadly signal; the input was written to "
        msg.withUTF8Buffer { _ = write(2, $0.baseAddress, $0.count) }
        _ = write(2, path, strlen(path))
        _ = write(2, "\n", 1)
        base.withMemoryRebound(to: UInt64.self, capacity: 2) { $0[1] = 0 }
    }
    signal(sig, SIG_DFL)
    raise(sig)
}
