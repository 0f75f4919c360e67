#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        b.withUTF8 { p in writeAll(1, UnsafeRawBufferPointer(p)) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// Writes every byte to a file descriptor (retrying short writes and EINTR).
func writeAll(_ fd: Int32, _ p: UnsafeRawBufferPointer) {
    var off = 0
    while off < p.count {
        let n = write(fd, p.baseAddress! + off, p.count - off)
        if n > 0 { off += n } else if n < 0 && errno == EINTR { continue } else { return }
    }
}

func printError(_ s: String) {
    var line = "msgdissect: " + s + "\n"
    line.withUTF8 { writeAll(2, UnsafeRawBufferPointer($0)) }
}
