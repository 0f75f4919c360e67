import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Capture
import URPC

/// Buffered standard output: bytes gathered in one reused buffer and written 256 KiB at a time,
/// so printing a million lines costs a few hundred system calls. Numbers are formatted straight
/// into the buffer; text built as a `String` goes through one reused scratch string.
struct OutputSink {
    private(set) var bytes: [UInt8] = []
    private var scratch = ""
    private let limit = 1 << 18

    init() {
        bytes.reserveCapacity(limit + 65536)
        scratch.reserveCapacity(4096)
    }

    mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
        flushIfFull()
    }

    /// Text built by `body` into a scratch string, then copied into the buffer.
    mutating func append(_ body: (inout String) -> Void) {
        scratch.removeAll(keepingCapacity: true)
        body(&scratch)
        scratch.withUTF8 { bytes.append(contentsOf: $0) }
        flushIfFull()
    }

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    mutating func ascii(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A decimal integer, right-aligned in `width` columns.
    mutating func int(_ v: Int, width: Int = 0) {
        var n = v.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)   // 24 bytes of scratch, no heap
        let count = withUnsafeMutableBytes(of: &digits) { buf -> Int in
            var i = 24
            repeat {
                i -= 1
                buf[i] = UInt8(0x30 + n % 10)
                n /= 10
            } while n > 0
            if v < 0 { i -= 1; buf[i] = 0x2d }
            let k = 24 - i
            if k < width { for _ in 0..<(width - k) { bytes.append(0x20) } }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[i..<24]))
            return k
        }
        _ = count
    }

    /// Fixed-point decimal, byte for byte what `MessageText.appendFixed` writes.
    mutating func fixed(_ v: Double, _ digits: Int) {
        let done: Void? = MessageText.withFixed(v, digits) { bytes.append(contentsOf: $0) }
        if done == nil { write(String(v)) }
    }

    mutating func flushIfFull() {
        if bytes.count >= limit { flush() }
    }

    mutating func flush() {
        guard !bytes.isEmpty else { return }
        bytes.withUnsafeBytes { FDIO.writeAll(1, $0) }
        bytes.removeAll(keepingCapacity: true)
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
