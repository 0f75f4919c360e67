import Foundation
import Testing
import MessagePack
@testable import Simulator

/// Every trigger of the published server's error path (spec §7) over a real loopback socket:
/// the exact bytes on the wire, then silence for a later request.
@Suite struct LegacyTriggerTests {
    static let ver: [UInt8] = [0x91, 0xa3, 0x76, 0x65, 0x72]
    /// `["im", "rpc_test"]`, `["cm", P1, "RPC_Test", ["t"], {}]` and their replies P1, P2.
    static let setup: [UInt8] = [0x92, 0xa2, 0x69, 0x6d, 0xa8] + Array("rpc_test".utf8)
        + [0x95, 0xa2, 0x63, 0x6d, 0xd6, 0x01, 0, 0, 0, 1, 0xa8] + Array("RPC_Test".utf8) + [0x91, 0xa1, 0x74, 0x80]
    static let setupReplies: [UInt8] = [0xa2, 0x56, 0x31, 0xd6, 0x01, 0, 0, 0, 1, 0xd6, 0x01, 0, 0, 0, 2]
    /// `["cm", P2, "add", ` …
    static let callAdd: [UInt8] = [0x95, 0xa2, 0x63, 0x6d, 0xd6, 0x01, 0, 0, 0, 2, 0xa3, 0x61, 0x64, 0x64]

    static func traceback(_ frames: [(Int, String)], _ last: String) -> [UInt8] {
        var s = "Traceback (most recent call last):\n"
        for (line, fn) in frames { s += "  File \"lib/urpc_server/async_server.py\", line \(line), in \(fn)\n" }
        return Array((s + last + "\n").utf8)
    }

    static let read = (117, "async_serve"), call = (118, "async_serve")

    /// (name, request bytes, expected traceback)
    static let requestTriggers: [(String, [UInt8], [UInt8])] = [
        ("64-bit", callAdd + [0x92, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x02, 0x80],
         traceback([read], "NotImplementedError: 64 bit types")),
        ("64-bit int in a map", [0x92, 0xa2, 0x5f, 0x73, 0x81, 0x01, 0xd3, 0, 0, 0, 0, 0, 0, 0, 7],
         traceback([read], "NotImplementedError: 64 bit types")),
        ("deep", [0x92, 0xa2, 0x5f, 0x73] + [UInt8](repeating: 0x91, count: 1998) + [0x90],
         traceback([call, (82, "_s")], "RuntimeError: maximum recursion depth exceeded")),
        ("arity", [0x94, 0xa2, 0x63, 0x6d, 0xd6, 0x01, 0, 0, 0, 2, 0xa3, 0x61, 0x64, 0x64, 0x92, 0x01, 0x02],
         traceback([call, (45, "cm")], "IndexError: tuple index out of range")),
        ("unknown proxy", [0x93, 0xa2, 0x67, 0x70, 0xd6, 0x01, 0, 0, 0, 99, 0xa4] + Array("name".utf8),
         traceback([call, (51, "gp")], "AttributeError: 'NoneType' object has no attribute 'name'")),
        ("not callable", [0x91, 0xa4] + Array("nope".utf8),
         traceback([call], "TypeError: 'NoneType' object isn't callable")),
        ("memory", callAdd + [0x92, 0xc6, 0x7f, 0xff, 0xff, 0xff],
         traceback([read], "MemoryError: memory allocation failed, allocating 2147483648 bytes")),
    ]

    /// A legacy server on a free loopback port, and a client socket connected to it.
    static func connect(_ configure: (inout SimulatorOptions) -> Void = { _ in }) throws -> (SimulatorServer, Int32) {
        var o = SimulatorOptions(errorMode: .legacy)
        configure(&o)
        let server = try SimulatorServer(address: LoopbackAddress(host: "127.0.0.1", port: 0), options: o)
        server.start()
        return (server, try LoopbackAddress(host: "127.0.0.1", port: server.port).connect())
    }

    /// Everything that arrives until `quiet` seconds pass without a byte (or the peer closes).
    static func readUntilQuiet(_ fd: Int32, quiet: Double = 0.4) -> [UInt8] {
        var out: [UInt8] = [], buffer = [UInt8](repeating: 0, count: 65536)
        while FDIO.waitReadable(fd, timeoutMs: Int32(quiet * 1000)) {
            let n = FDIO.readSome(fd, into: &buffer)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return out
    }

    @Test(arguments: requestTriggers)
    func requestTriggerBytesOnTheWire(name: String, request: [UInt8], expected: [UInt8]) throws {
        let (server, fd) = try Self.connect()
        defer { close(fd); server.stop() }
        #expect(FDIO.writeAll(fd, Self.ver + Self.setup))
        #expect(Self.readUntilQuiet(fd, quiet: 0.3) == Self.setupReplies)
        #expect(FDIO.writeAll(fd, request))
        let out = Self.readUntilQuiet(fd)
        #expect(String(decoding: out, as: UTF8.self) == String(decoding: expected, as: UTF8.self), "\(name)")
        // The RPC task is dead: a later request is never answered (the NameError is not written).
        #expect(FDIO.writeAll(fd, Self.ver))
        #expect(Self.readUntilQuiet(fd, quiet: 0.3).isEmpty, "\(name)")
    }

    @Test func sixtyFourBitWaitsForTheWholeRequest() throws {
        let (server, fd) = try Self.connect()
        defer { close(fd); server.stop() }
        // The cb arrives first; the traceback only once the request's last byte is there.
        #expect(FDIO.writeAll(fd, [0x93, 0xa2, 0x5f, 0x73, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0]))
        #expect(Self.readUntilQuiet(fd, quiet: 0.3).isEmpty)
        #expect(FDIO.writeAll(fd, [0xa1]))
        #expect(Self.readUntilQuiet(fd, quiet: 0.3).isEmpty)
        #expect(FDIO.writeAll(fd, [0x78]))
        #expect(Self.readUntilQuiet(fd) == Self.traceback([Self.read], "NotImplementedError: 64 bit types"))
    }

    @Test func endOfStreamAfterTheLastReply() throws {
        let (server, fd) = try Self.connect()
        defer { close(fd); server.stop() }
        #expect(FDIO.writeAll(fd, Self.ver))
        #expect(Self.readUntilQuiet(fd, quiet: 0.3) == [0xa2, 0x56, 0x31])
        shutdown(fd, Int32(SHUT_WR))
        // "EOFError: " (with its space), then the server closes the connection.
        #expect(Self.readUntilQuiet(fd) == Self.traceback([Self.read], "EOFError: "))
        var b: [UInt8] = [0]
        #expect(FDIO.readSome(fd, into: &b) == 0)
    }

    /// The read timeout inside a request: `--short-reads` with `--read-timeout-ms`.
    @Test(arguments: [
        // cut inside the payload of "hello world": part of that read arrived
        ([0x92, 0xa2, 0x5f, 0x73, 0xab] + Array("hel".utf8), "ValueError: short read"),
        // cut after a str header: the payload's read got nothing
        ([0x92, 0xa2, 0x5f, 0x73, 0xab], "OSError: [Errno 11] EAGAIN"),
        // cut between elements: the next first byte's read got nothing
        ([0x92, 0xa2, 0x5f, 0x73], "OSError: [Errno 11] EAGAIN"),
        // cut inside a str32 header's length
        ([0x92, 0xa2, 0x5f, 0x73, 0xdb, 0x00], "ValueError: short read"),
    ] as [([UInt8], String)])
    func readTimeoutInsideARequest(partial: [UInt8], exception: String) throws {
        let timeout = 150
        let (server, fd) = try Self.connect { $0.shortReads = true; $0.readTimeoutMs = timeout }
        defer { close(fd); server.stop() }
        let start = ContinuousClock.now
        #expect(FDIO.writeAll(fd, partial))
        #expect(FDIO.waitReadable(fd, timeoutMs: 3000))
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(timeout - 5), "the traceback came after \(waited)")
        #expect(Self.readUntilQuiet(fd) == Self.traceback([Self.read], exception))
        #expect(FDIO.writeAll(fd, Self.ver))
        #expect(Self.readUntilQuiet(fd, quiet: 0.3).isEmpty)
    }

    @Test func aPauseShorterThanTheReadTimeoutIsReassembled() throws {
        let (server, fd) = try Self.connect { $0.shortReads = true; $0.readTimeoutMs = 2000 }
        defer { close(fd); server.stop() }
        #expect(FDIO.writeAll(fd, [0x92, 0xa2, 0x5f, 0x73, 0xab] + Array("hel".utf8)))
        usleep(300_000)   // longer than the published server's 300 ms, shorter than the knob
        #expect(FDIO.writeAll(fd, Array("lo world".utf8)))
        #expect(Self.readUntilQuiet(fd) == [0xab] + Array("hello world".utf8))
    }

    @Test func withoutShortReadsAnIncompleteRequestWaits() throws {
        let (server, fd) = try Self.connect { $0.readTimeoutMs = 50 }
        defer { close(fd); server.stop() }
        #expect(FDIO.writeAll(fd, [0x92, 0xa2, 0x5f, 0x73, 0xab] + Array("hel".utf8)))
        #expect(Self.readUntilQuiet(fd, quiet: 0.3).isEmpty)
        #expect(FDIO.writeAll(fd, Array("lo world".utf8)))
        #expect(Self.readUntilQuiet(fd) == [0xab] + Array("hello world".utf8))
    }
}
