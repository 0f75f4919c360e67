import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Capture
import MessagePack
import URPC

/// Buffered standard output: the printers write into one reused byte buffer, flushed 256 KiB at
/// a time, so printing a million lines costs a few hundred system calls and no `String`s.
struct OutputSink: ~Copyable {
    /// What the printers write into; `flushIfFull()` after each piece of output.
    var buffer: ByteWriter
    private let limit = 1 << 18

    init() {
        buffer = ByteWriter(capacity: limit + 65536)
    }

    mutating func write(_ s: String) {
        buffer.text(s)
        flushIfFull()
    }

    mutating func flushIfFull() {
        if buffer.count >= limit { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withBytes { FDIO.writeAll(1, $0) }
        buffer.removeAll()
    }
}

func printError(_ s: String) {
    var line = "msgdissect: " + s + "\n"
    line.withUTF8 { FDIO.writeAll(2, UnsafeRawBufferPointer($0)) }
}

/// Opens a source, or names why it cannot be opened on stderr and exits with status 2.
func opened<T>(_ open: () throws -> T) throws -> T {
    do { return try open() } catch { printError("\(error)"); throw ExitCode(2) }
}
