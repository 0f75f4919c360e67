import Foundation
import Testing
import Capture
@testable import Simulator

/// `urpc-sim server --legacy-errors --exit-on-death --startup-delay-ms N` as a child process: the
/// stand-in for a real device (issue 13) over TCP and over a serial line (a pty).
@Suite(.serialized) struct DeathProcessTests {
    static let ver: [UInt8] = [0x91, 0xa3, 0x76, 0x65, 0x72]
    static let nope: [UInt8] = [0x91, 0xa4] + Array("nope".utf8)
    static let notCallable = LegacyTriggerTests.traceback([(118, "async_serve")], "TypeError: 'NoneType' object isn't callable")

    @Test func exitsWithStatus3WhenTheRPCTaskDiesOverTCP() throws {
        let child = try SimulatorChild(["--listen", "127.0.0.1:0", "--legacy-errors", "--exit-on-death"])
        defer { child.stop() }
        let fd = try LoopbackAddress(host: "127.0.0.1", port: try child.listeningPort()).connect()
        defer { close(fd) }
        #expect(FDIO.writeAll(fd, Self.ver))
        #expect(LegacyTriggerTests.readUntilQuiet(fd, quiet: 0.5) == [0xa2, 0x56, 0x31])
        #expect(FDIO.writeAll(fd, Self.nope))
        #expect(LegacyTriggerTests.readUntilQuiet(fd) == Self.notCallable)
        #expect(child.exitStatus(within: 5) == 3)
        let stderr = String(decoding: child.err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("the RPC task died"))
    }

    @Test func endOfStreamKillsTheTaskToo() throws {
        let child = try SimulatorChild(["--listen", "127.0.0.1:0", "--legacy-errors", "--exit-on-death", "--piecewise", "--nagle"])
        defer { child.stop() }
        let fd = try LoopbackAddress(host: "127.0.0.1", port: try child.listeningPort()).connect()
        defer { close(fd) }
        #expect(FDIO.writeAll(fd, Self.ver))
        #expect(LegacyTriggerTests.readUntilQuiet(fd, quiet: 0.5) == [0xa2, 0x56, 0x31])
        shutdown(fd, Int32(SHUT_WR))
        #expect(LegacyTriggerTests.readUntilQuiet(fd) == LegacyTriggerTests.traceback([(117, "async_serve")], "EOFError: "))
        #expect(child.exitStatus(within: 5) == 3)
    }

    @Test func withoutExitOnDeathTheProcessStaysUp() throws {
        let child = try SimulatorChild(["--listen", "127.0.0.1:0", "--legacy-errors"])
        defer { child.stop() }
        let fd = try LoopbackAddress(host: "127.0.0.1", port: try child.listeningPort()).connect()
        defer { close(fd) }
        #expect(FDIO.writeAll(fd, Self.nope))
        #expect(LegacyTriggerTests.readUntilQuiet(fd) == Self.notCallable)
        #expect(child.exitStatus(within: 0.5) == nil)
        // It still ends on SIGTERM, though the test runner's thread blocks that signal.
        child.process.terminate()
        #expect(child.exitStatus(within: 5) == 15)
    }

    @Test func exitsWithStatus3OverASerialLineAfterItsStartupDelay() throws {
        var pty = try PseudoTerminal()
        defer { pty.close() }
        let delay = 400
        let child = try SimulatorChild(["--serial", pty.slavePath, "--legacy-errors", "--exit-on-death", "--startup-delay-ms", "\(delay)"])
        defer { child.stop() }
        // Written at once: the twin answers only once it has booted.
        #expect(FDIO.writeAll(pty.masterFD, Self.ver))
        #expect(FDIO.waitReadable(pty.masterFD, timeoutMs: 5000))
        let answered = ContinuousClock.now - child.started
        #expect(answered >= .milliseconds(delay), "answered after \(answered)")
        #expect(LegacyTriggerTests.readUntilQuiet(pty.masterFD, quiet: 0.3) == [0xa2, 0x56, 0x31])
        #expect(FDIO.writeAll(pty.masterFD, Self.nope))
        #expect(LegacyTriggerTests.readUntilQuiet(pty.masterFD) == Self.notCallable)
        #expect(child.exitStatus(within: 5) == 3)
    }

    @Test func theTCPPortOpensOnlyAfterTheStartupDelay() throws {
        // A free port, chosen here so that the test can knock before the twin has booted.
        let probe = try SimulatorServer(address: LoopbackAddress(host: "127.0.0.1", port: 0))
        let port = probe.port
        probe.stop()
        usleep(50_000)
        let delay = 600
        let child = try SimulatorChild(["--listen", "127.0.0.1:\(port)", "--legacy-errors", "--startup-delay-ms", "\(delay)"])
        defer { child.stop() }
        usleep(150_000)
        #expect(throws: TransportError.self) { _ = try LoopbackAddress(host: "127.0.0.1", port: port).connect() }
        #expect(try child.listeningPort() == port)
        #expect(ContinuousClock.now - child.started >= .milliseconds(delay))
        let fd = try LoopbackAddress(host: "127.0.0.1", port: port).connect()
        defer { close(fd) }
        #expect(FDIO.writeAll(fd, Self.ver))
        #expect(LegacyTriggerTests.readUntilQuiet(fd, quiet: 0.5) == [0xa2, 0x56, 0x31])
    }

    @Test func exitOnDeathNeedsTheLegacyErrorPath() throws {
        let child = try SimulatorChild(["--listen", "127.0.0.1:0", "--exit-on-death"])
        defer { child.stop() }
        #expect(child.exitStatus(within: 10) == 64)
    }
}
