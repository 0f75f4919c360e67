import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Capture

/// Buffered standard output: one `fwrite` per 64 KiB, so printing a million lines costs little.
struct OutputSink {
    private var buffer = ""
    private let limit = 1 << 16

    init() { buffer.reserveCapacity(limit + 4096) }

    mutating func write(_ s: String) {
        buffer += s
        if buffer.utf8.count >= limit { flush() }
    }

    mutating func append(_ body: (inout String) -> Void) {
        body(&buffer)
        if buffer.utf8.count >= limit { flush() }
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        var b = buffer
        b.withUTF8 { p in FDIO.writeAll(1, UnsafeRawBufferPointer(p)) }
        buffer.removeAll(keepingCapacity: true)
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
