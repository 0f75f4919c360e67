import Capture
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import URPC

/// The server under test and the byte stream to it: a spawned program on a free loopback port
/// or a pseudo-terminal (restarted when it dies), an already running server on loopback, or a
/// serial device (reset with a command after a crash or hang).
package final class ServerTarget {
    package enum Mode: Sendable, Equatable {
        /// A command template with `{port}` or `{pty}`.
        case spawn(String)
        case connect(host: String, port: UInt16)
        case serial(path: String, baud: Int)
    }

    package let mode: Mode
    package let resetCommand: String?
    /// Where a spawned program's stderr goes.
    package let stderrPath: String?
    package private(set) var process: TargetProcess?
    package private(set) var channel: ByteChannel?
    /// The loopback port a spawned program listens on (or the `--connect` port).
    package private(set) var port: UInt16 = 0
    private var pty: PseudoTerminal?
    private var serialPort: SerialPort?
    package private(set) var spawns = 0
    package private(set) var resets = 0
    /// Spawn ahead (a `{port}` program): the next process is started while the current one
    /// serves, so bringing the target back costs a connect, not a start-up.
    package var spawnAhead = true
    /// Processes started ahead (deaths can come back to back, as during minimisation).
    package var spawnAheadCount = 3
    private var standbys: [(process: TargetProcess, port: UInt16)] = []
    private var standbyNumber = 0
    /// Learnt at the first fresh session: does closing the connection end the program?
    private var reconnectKills: Bool?
    /// Time spent bringing the target back after the first start (respawns, resets), in ns.
    package private(set) var restartNanos: UInt64 = 0
    /// Lives of the target used: processes started and resets run.
    package var livesUsed: Int { spawns + resets }
    /// How long a write may make no progress before the target counts as gone (its channels').
    package var stallNanos: UInt64 = 1_000_000_000 {
        didSet { channel?.stallNanos = stallNanos }
    }
    /// Called whenever the server session starts afresh (connect, reconnect, respawn, reset).
    package var onFreshSession: (() -> Void)?

    package init(mode: Mode, resetCommand: String? = nil, stderrPath: String? = nil) {
        self.mode = mode
        self.resetCommand = resetCommand
        self.stderrPath = stderrPath
    }

    /// The endpoint for captures and reports.
    package var description: String {
        switch mode {
        case .spawn(let t): return "spawned '\(t)'" + (port != 0 ? " on 127.0.0.1:\(port)" : "")
        case let .connect(h, p): return "\(h):\(p)"
        case let .serial(path, baud): return "\(path) at \(baud) baud"
        }
    }

    package var isSerial: Bool {
        switch mode {
        case .serial: return true
        case .spawn(let t): return t.contains("{pty}")
        default: return false
        }
    }

    /// Starts the target (spawn) and opens the stream.
    package func start() throws(TargetError) {
        defer { onFreshSession?() }
        switch mode {
        case .spawn: try spawn()
        case let .connect(h, p):
            port = p
            guard let fd = Loopback.connect(host: h, port: p) else { throw .connectFailed("\(h):\(p) (is the server running?)") }
            channel = ByteChannel(fd: fd, isSocket: true, stallNanos: stallNanos)
        case let .serial(path, baud):
            do {
                let sp = try SerialPort(path: path, settings: SerialSettings(baud: baud, stopBits: 1))
                serialPort = sp
                channel = ByteChannel(fd: sp.fd, isSocket: false, stallNanos: stallNanos)
                channel?.drain()
            } catch { throw .serial("\(error)") }
        }
    }

    private func spawn() throws(TargetError) {
        guard case .spawn(let template) = mode else { return }
        let began = Monotonic.now()
        defer { if spawns > 1 { restartNanos += Monotonic.now() - began } }
        process?.kill()
        process = nil
        if channel?.isSocket == true { channel?.close() }
        channel = nil
        var command = template
        if template.contains("{pty}") {
            if pty == nil {
                do { pty = try PseudoTerminal() } catch { throw .serial("\(error)") }
            }
            command = command.replacingOccurrences(of: "{pty}", with: pty!.slavePath)
            // What was written to a dead program is still queued for the slave: the next one must
            // not read it as its first requests.
            if pty!.slaveFD >= 0 { _ = tcflush(pty!.slaveFD, TCIOFLUSH) }
        }
        while template.contains("{port}"), spawnAhead, !standbys.isEmpty {
            let s = standbys.removeFirst()
            if s.process.poll() == nil {
                process = s.process
                port = s.port
                spawns += 1
                try connectSpawned(s.process, s.process.command)
                startStandby(template)
                return
            }
        }
        if template.contains("{port}") {
            guard let p = Loopback.freePort() else { throw .notReady("no free loopback port") }
            port = p
            command = command.replacingOccurrences(of: "{port}", with: String(p))
        }
        guard template.contains("{port}") || template.contains("{pty}") else {
            throw .badTemplate("the --spawn command must contain {port} (a loopback port to listen on) or {pty} (a pseudo-terminal to serve on)")
        }
        let p = try TargetProcess(command: command, stderrPath: stderrPath)
        process = p
        spawns += 1
        let deadline = Monotonic.now() + 10_000_000_000
        if template.contains("{port}") {
            try connectSpawned(p, command)
            startStandby(template)
        } else {
            let ch = ByteChannel(fd: pty!.masterFD, isSocket: false, stallNanos: stallNanos)
            channel = ch
            // Ready when the probe is answered.
            while Monotonic.now() < deadline && !StopRequest.isRequested {
                ch.drain(quietMillis: 1)
                _ = ch.writeAll(WireForm.versionRequest)
                var buf = [UInt8](repeating: 0, count: 256)
                var n = 0
                let until = Monotonic.now() + 200_000_000
                while case .data = ch.read(into: &buf, count: &n, deadline: until) {
                    if n >= 3 && buf[(n - 3)..<n].elementsEqual(WireForm.versionReply) { ch.drain(); return }
                }
                if let e = p.poll() { throw .notReady("'\(command)' ended before serving (\(e)): \(p.stderrTail())") }
            }
            throw .notReady("'\(command)' did not answer [\"ver\"] on \(pty!.slavePath) within 10 s")
        }
    }

    /// Connects to a spawned program's port (it may still be starting).
    private func connectSpawned(_ p: TargetProcess, _ command: String) throws(TargetError) {
        let deadline = Monotonic.now() + 10_000_000_000
        while !StopRequest.isRequested {
            if let fd = Loopback.connect(host: "127.0.0.1", port: port) { channel = ByteChannel(fd: fd, isSocket: true, stallNanos: stallNanos); return }
            if let e = p.poll() { throw .notReady("'\(command)' ended before listening (\(e)): \(p.stderrTail())") }
            if Monotonic.now() > deadline { p.kill(); throw .notReady("'\(command)' did not listen on 127.0.0.1:\(port) within 10 s") }
            usleep(1_000)
        }
        throw .notReady("stopped")
    }

    /// Starts the next process on a port of its own (its stderr in a file of its own: the one
    /// serving keeps its output).
    private func startStandby(_ template: String) {
        while spawnAhead, standbys.count < spawnAheadCount, let p = Loopback.freePort() {
            standbyNumber += 1
            let err = stderrPath.map { $0 + ".\(standbyNumber % (spawnAheadCount + 2))" }
            let command = template.replacingOccurrences(of: "{port}", with: String(p))
            guard let proc = try? TargetProcess(command: command, stderrPath: err) else { return }
            standbys.append((proc, p))
        }
    }

    /// Has the spawned program ended? (Waits up to `millis` for a dying one.)
    package func processEnd(waitMillis: Int = 0) -> ProcessEnd? {
        guard let p = process else { return nil }
        return waitMillis > 0 ? p.wait(millis: waitMillis) : p.poll()
    }

    /// A fresh server session: a new connection (the device twin boots a session per
    /// connection), a respawn when the program died, the reset command on a serial line.
    package func freshSession() throws(TargetError) {
        defer { onFreshSession?() }
        if let p = process, p.poll() != nil { try spawn(); return }
        switch mode {
        case .spawn(let t) where t.contains("{port}"):
            channel?.close()
            channel = nil
            // A program whose RPC task dies of the client's EOF (a host build of the published
            // server, `urpc-sim --exit-on-death`) needs a new life for every fresh session.
            if reconnectKills == nil, let p = process { reconnectKills = p.wait(millis: 50) != nil }
            if reconnectKills == true { try spawn(); return }
            guard let fd = Loopback.connect(host: "127.0.0.1", port: port) else { try spawn(); return }
            channel = ByteChannel(fd: fd, isSocket: true, stallNanos: stallNanos)
        case let .connect(h, p):
            channel?.close()
            channel = nil
            // A server that went away may come back (a supervisor restarting it).
            let deadline = Monotonic.now() + 5_000_000_000
            while Monotonic.now() < deadline {
                if let fd = Loopback.connect(host: h, port: p) { channel = ByteChannel(fd: fd, isSocket: true, stallNanos: stallNanos); return }
                usleep(20_000)
            }
            throw .connectFailed("\(h):\(p) (the server did not come back)")
        default:
            if let r = resetCommand { resets += 1; _ = TargetProcess.run(r) }
            channel?.drain()
        }
    }

    /// After a crash or hang: kill and respawn the program, or run the reset command.
    package func restart() throws(TargetError) {
        defer { onFreshSession?() }
        if case .spawn = mode { try spawn(); return }
        let began = Monotonic.now()
        defer { restartNanos += Monotonic.now() - began }
        if let r = resetCommand { resets += 1; _ = TargetProcess.run(r) }
        try freshSession()
    }

    package func stop() {
        if channel?.isSocket == true { channel?.close() }
        channel = nil
        process?.kill()
        process = nil
        for s in standbys { s.process.kill() }
        standbys.removeAll()
        if var p = pty { p.close(); pty = nil }
        serialPort?.close()
        serialPort = nil
    }

    deinit { stop() }
}
