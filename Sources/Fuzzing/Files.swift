#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a corpus or findings file operation failed.
package enum FileError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, errno: Int32)
    case cannotWrite(path: String, errno: Int32)
    case cannotRename(from: String, to: String, errno: Int32)
    case notADirectory(String)

    package var description: String {
        switch self {
        case let .cannotOpen(p, e): return "cannot open \(p): \(String(cString: strerror(e)))"
        case let .cannotWrite(p, e): return "cannot write \(p): \(String(cString: strerror(e)))"
        case let .cannotRename(a, b, e): return "cannot rename \(a) to \(b): \(String(cString: strerror(e)))"
        case let .notADirectory(p): return "\(p) is not a directory"
        }
    }
}

/// Plain POSIX file helpers (no Foundation in the engine).
package enum Files {
    /// Writes `bytes` to `path` so that a reader never sees a partial file and the data is on disk
    /// before the name appears: write a temporary file, fsync it, rename it over `path`.
    /// `durable: false` skips the fsync (corpus entries: losing one at a power cut costs nothing).
    package static func writeAtomically(_ bytes: [UInt8], to path: String, durable: Bool = true) throws(FileError) {
        let tmp = path + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: tmp, errno: errno) }
        var written = 0
        let ok = bytes.withUnsafeBytes { p -> Bool in
            while written < p.count {
                let n = write(fd, p.baseAddress! + written, p.count - written)
                if n <= 0 { if errno == EINTR { continue }; return false }
                written += n
            }
            return true
        }
        let e = errno
        if durable { fsync(fd) }
        close(fd)
        guard ok else { unlink(tmp); throw .cannotWrite(path: tmp, errno: e) }
        guard rename(tmp, path) == 0 else { let e = errno; unlink(tmp); throw .cannotRename(from: tmp, to: path, errno: e) }
    }

    /// Reads a whole file (at most `limit` bytes).
    package static func read(_ path: String, limit: Int = 64 << 20) throws(FileError) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while out.count < limit {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, min($0.count, limit - out.count)) }
            if n < 0 { if errno == EINTR { continue }; throw .cannotOpen(path: path, errno: errno) }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<n])
        }
        return out
    }

    package static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    package static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// Creates a directory and its parents.
    package static func makeDirectory(_ path: String) throws(FileError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if !isDirectory(prefix), mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw .cannotOpen(path: prefix, errno: errno)
            }
        }
        guard isDirectory(path) else { throw .notADirectory(path) }
    }

    /// Names of the regular, non-hidden files in a directory, sorted (so loading is deterministic).
    package static func list(_ dir: String) throws(FileError) -> [String] {
        guard let d = opendir(dir) else { throw .cannotOpen(path: dir, errno: errno) }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name.hasPrefix(".") { continue }
            let full = dir + "/" + name
            var st = stat()
            if stat(full, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { names.append(name) }
        }
        return names.sorted()
    }

    /// Monotonic seconds.
    @inline(__always)
    package static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Writes a string to stderr.
    package static func printError(_ s: String) {
        var s = s
        s.withUTF8 { p in _ = write(2, p.baseAddress, p.count) }
    }
}

/// Removes a file, ignoring a missing one.
package func removeFile(_ path: String) { unlink(path) }
