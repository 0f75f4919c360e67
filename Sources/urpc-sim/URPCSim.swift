import ArgumentParser
import Capture
import Foundation
import Simulator
#if canImport(Glibc)
import Glibc
#endif

@main
// Deliberately alike: a command group declaration, as every executable has one.
struct URPCSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "urpc-sim",
        abstract: "A faithful software twin of the urpc V1 device: server and client.",
        subcommands: [ServerCommand.self, ClientCommand.self]
    )
}

struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the simulated esp32 urpc V1 server on loopback TCP, a pseudo-terminal or a serial port."
    )

    @Option(help: "Loopback address to listen on (HOST:PORT; port 0 picks a free one).")
    var listen: String = "127.0.0.1:7000"

    @Flag(help: "Serve on a new pseudo-terminal instead of TCP; its path is printed as a serial device would appear.")
    var pty = false

    @Option(help: "Serve on a real serial device (e.g. /dev/ttyUSB0) instead of TCP.")
    var serial: String?

    @Option(help: "Baud rate for --serial (230400 and 1000000 as in the spec, or any custom rate).")
    var baud: Int = 230_400

    // Deliberately alike: each command declares its own options (argument parsing, alike in shape only).
    @Option(help: "Stop bits for --serial (the server uses 2).")
    var stopBits: Int = 2

    @Flag(help: "RTS/CTS flow control for --serial (the 1 Mbaud Particle Argon link).")
    var rtscts = false

    @Flag(help: "Reproduce the published server's error path: raw ASCII traceback on the stream, then no more replies.")
    var legacyErrors = false

    @Flag(help: "Crash like the 32-bit device on its fatal inputs (bin32/str32/ext32 length, array32/map32 count, deep nesting): report to stderr and exit with a status per fault (71-76).")
    var deviceFaults = false

    @Flag(help: "Read like the real device: a request that stays incomplete for --read-timeout-ms fails with \"short read\" (or EAGAIN when nothing of that read arrived); default: wait and reassemble.")
    var shortReads = false

    @Option(help: "The device reader's timeout per read call inside a request, in ms (with --short-reads).")
    var readTimeoutMs: Int = 300

    @Flag(help: "Exit with status 3 when the RPC task dies on the legacy error path, as a host build of the published server does.")
    var exitOnDeath = false

    @Option(help: "Milliseconds from start to serving (a device's reset and boot; a host build takes about 11).")
    var startupDelayMs: Int = 0

    @Flag(help: "End console lines with \\r\\n as an esp32 build does (default \\n, as in the reference captures).")
    var crlf = false

    @Option(help: "Size of the server's readinto buffer (ri replies are at most this long).")
    var bufferSize: Int = 512

    @Flag(help: "Write replies piece by piece (one write per header and per payload) as the device does.")
    var piecewise = false

    @Flag(help: "Leave Nagle's algorithm on (no TCP_NODELAY), as the real server's socket has it.")
    var nagle = false

    @Flag(help: "Log connections and session ends to stderr.")
    var verbose = false

    func options() -> SimulatorOptions {
        var o = SimulatorOptions(errorMode: legacyErrors ? .legacy : .intended, deviceFaults: deviceFaults,
                                 lineEnding: crlf ? "\r\n" : "\n", bufferSize: max(1, bufferSize))
        o.shortReads = shortReads
        o.readTimeoutMs = max(1, readTimeoutMs)
        return o
    }

    func validate() throws {
        guard readTimeoutMs > 0 else { throw ValidationError("--read-timeout-ms must be positive") }
        guard startupDelayMs >= 0 else { throw ValidationError("--startup-delay-ms cannot be negative") }
        guard !exitOnDeath || legacyErrors else { throw ValidationError("--exit-on-death needs --legacy-errors (only the legacy error path kills the RPC task)") }
    }

    /// The exit status of a host build of the published server whose RPC task died.
    static let deathStatus: Int32 = 3

    static func died(_ state: DeviceSession.State) -> Never {
        FileHandle.standardError.write(Data("urpc-sim: the RPC task died: \(state)\n".utf8))
        Glibc.exit(deathStatus)
    }

    /// Waits out the simulated boot.
    func boot() {
        guard startupDelayMs > 0 else { return }
        usleep(useconds_t(min(startupDelayMs, 3_600_000)) * 1000)
    }

    static func crashed(_ crash: DeviceCrash) -> Never {
        FileHandle.standardError.write(Data("urpc-sim: \(crash)\n".utf8))
        Glibc.exit(crash.fault.exitStatus)
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        // A parent may have spawned us with signals blocked (threads of a test runner or fuzzer
        // do): a server must still end on SIGTERM and SIGINT.
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        let opts = options()
        if pty || serial != nil {
            let fd: Int32
            if pty {
                let p = try PseudoTerminal()
                FileHandle.standardOutput.write(Data((p.slavePath + "\n").utf8))
                fd = p.masterFD
            } else {
                let port = try SerialPort(path: serial!, settings: SerialSettings(baud: baud, stopBits: stopBits, rtsCts: rtscts))
                if verbose { FileHandle.standardError.write(Data("urpc-sim: serving on \(serial!) at \(baud) baud\n".utf8)) }
                fd = port.fd
            }
            boot()
            // One device session for the life of the line (a UART does not reboot between users).
            let session = DeviceSession(options: opts)
            session.recordsWrites = piecewise
            SimulatorServer.serve(fd: fd, session: session, onCrash: { Self.crashed($0) },
                                  onDeath: exitOnDeath ? { Self.died($0) } : nil)
            return
        }
        boot()
        let server = try SimulatorServer(address: try LoopbackAddress(parsing: listen), options: opts)
        server.onCrash = { Self.crashed($0) }
        if exitOnDeath { server.onDeath = { Self.died($0) } }
        server.piecewise = piecewise
        server.nagle = nagle
        if verbose {
            server.onSessionEnd = { state, n in
                FileHandle.standardError.write(Data("urpc-sim: session ended after \(n) requests: \(state)\n".utf8))
            }
        }
        FileHandle.standardOutput.write(Data("urpc-sim: listening on \(server.address)\n".utf8))
        server.run()
    }
}

struct ClientCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "client",
        abstract: "Play a realistic urpc V1 client session against a server.",
        discussion: "Scenarios:\n" + Scenario.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n")
    )

    // Deliberately alike: each command declares its own options (argument parsing, alike in shape only).
    @Option(help: "Loopback server address (HOST:PORT).")
    var connect: String?

    @Option(help: "Path of a tty to use instead of TCP (the slave of `urpc-sim server --pty`, or a serial device).")
    var pty: String?

    @Option(help: "Baud rate when --pty names a real serial device.")
    var baud: Int = 230_400

    @Option(help: "Scenario to play: \(Scenario.allCases.map(\.rawValue).joined(separator: ", ")).")
    var scenario: String = "basic"

    // Deliberately alike: each command declares its own options (argument parsing, alike in shape only).
    @Option(help: "Number of calls for the stress scenario.")
    var count: Int = 10_000

    @Flag(help: "Write each message piece by piece (one write per header and per payload), as the device codec does.")
    var piecewise = false

    @Flag(help: "Leave Nagle's algorithm on (no TCP_NODELAY), as the real client's socket has it.")
    var nagle = false

    @Flag(help: "Behave like the published client: never send _d (every proxy leaks).")
    var leaky = false

    @Option(help: "Write the scenario's ground truth (proxies, fates, anomalies) as JSON to this file.")
    var truth: String?

    @Option(help: "Seconds to wait for a reply before giving up.")
    var timeout: Double = 5

    @Flag(help: "Crash like the published 32-bit client, whose C codec wraps the allocation size of a reply's bin32/str32/ext32 length, array32/map32 count or deep nesting: when the data after such a header overruns it, report to stderr and exit with a status per fault (71-76).")
    var deviceFaults = false

    @Flag(help: "Print only the summary line.")
    var quiet = false

    func validate() throws {
        guard Scenario(rawValue: scenario) != nil else {
            throw ValidationError("unknown scenario '\(scenario)'; choose one of \(Scenario.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (connect == nil) != (pty == nil) else { throw ValidationError("give exactly one of --connect HOST:PORT or --pty PATH") }
        guard count > 0 else { throw ValidationError("--count must be positive") }
    }

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let sc = Scenario(rawValue: scenario)!
        let link: ClientLink
        do {
            link = try connect.map { try ClientLink.tcp(try LoopbackAddress(parsing: $0)) } ?? ClientLink.tty(path: pty!, baud: baud)
        } catch {
            FileHandle.standardError.write(Data("urpc-sim client: \(error)\n".utf8))
            throw ExitCode(2)
        }
        defer { link.close() }
        link.piecewise = piecewise
        link.timeout = timeout
        if nagle { link.setNagle(true) }
        if deviceFaults { link.onCrash = { ServerCommand.crashed($0) } }
        let client = ScenarioClient(link: link, scenario: sc.rawValue, leaky: leaky)
        if !quiet {
            client.onConsole = { FileHandle.standardOutput.write(Data("console: ".utf8) + Data($0) + Data("\n".utf8)) }
        }
        var failure: Error?
        var result: ScenarioResult
        do {
            result = try ScenarioRunner.run(sc, client: client, count: count)
        } catch {
            failure = error
            result = ScenarioResult(truth: client.truth)
        }
        if !quiet || sc == .stress { for l in result.lines where !quiet || l.contains("calls/s") { print(l) } }
        if let path = truth {
            try result.truth.json.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let t = result.truth
        print("scenario \(sc.rawValue): \(t.requests) requests, \(t.proxies.count) proxies, released \(t.released), leaked \(t.leaked), \(t.anomalies.count) anomalies")
        if let failure {
            FileHandle.standardError.write(Data("urpc-sim client: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }
}
