import ArgumentParser
import Capture
import Fuzzing

/// Options of `--target server` and `--target client` (where the program under test is and how
/// to reach it). Wiring only: the work is in Fuzzing/Server and Fuzzing/Client.
struct StatefulTargetOptions: ParsableArguments {
    @Option(help: "server: fuzz the server already running at this loopback address (HOST:PORT).")
    var connect: String?

    // Deliberately alike: option declarations (argument parsing, alike in shape only).
    @Option(help: "Program under test, restarted when it dies; {port} becomes a free loopback port, {pty} a pseudo-terminal path. Default for server: urpc-sim (beside msgfuzz) on {port}.")
    var spawn: String?

    @Option(help: "server: fuzz a server on this serial device (e.g. /dev/ttyUSB0).")
    var serial: String?

    @Option(help: "Baud rate for --serial.")
    var baud: Int = 230_400

    @Option(name: .customLong("reset-cmd"), help: "Command run after a crash or hang to reset hardware (with --serial or --connect).")
    var resetCmd: String?

    @Option(name: .customLong("sim-args"), help: "Extra arguments for the default urpc-sim server (write --sim-args=\"--crlf\").")
    var simArgs: String = ""

    @Flag(name: .customLong("legacy-errors"), help: "server: run the default urpc-sim with the published server's broken error path; with --spawn/--serial, the in-process twin that guides an expensive target models it.")
    var legacyErrors = false

    @Flag(name: .customLong("device-faults"), help: "server: run the default urpc-sim crashing like the 32-bit device on its fatal inputs (spec §2); with --spawn/--serial, the twin models it.")
    var deviceFaults = false

    // Deliberately alike: option declarations (argument parsing, alike in shape only).
    @Option(name: .customLong("reply-timeout"), help: "server/client: seconds without a reply before a case counts as unanswered.")
    var replyTimeout: Double = 0.25

    @Option(name: .customLong("target-rss-growth-mb"), help: "server/client: growth of the spawned program's resident memory (MB) that is a finding.")
    var rssGrowthMB: Int = 256

    @Option(name: .customLong("minimize-time"), help: "server/client: seconds spent minimising one finding.")
    var minimizeTime: Double = 30

    @Option(name: .customLong("audit-every"), help: "server: cases between registry audits ([\"re\"], the leak oracle).")
    var auditEvery: Int = 4096

    @Option(help: "client: wait for a client program started by hand to connect to this loopback address (HOST:PORT).")
    var listen: String?

    @Flag(help: "client: serve the client on a pseudo-terminal ({pty} in --spawn; appended when missing).")
    var pty = false

    @Option(name: .customLong("client-timeout"), help: "client: seconds the client may go without a request or exiting before it is a hang.")
    var clientTimeout: Double = 3

    @Option(name: .customLong("life-cost-ms"), help: "server: what one life of the target costs (a restart, a reset and boot), in ms; with it (or --serial, --reset-cmd) cases are tried on the device twin first and those it predicts to die of a known class are not sent. --legacy-errors and --device-faults set up the twin.")
    var lifeCostMs: Int?
    @Option(help: "server: cases pipelined per round trip, each with its own probe (1: one case per round trip).")
    var batch: Int = 32

    @Option(name: .customLong("capture"), help: "replay: write the replayed session to this capture file.")
    var capture: String?

    /// The server to fuzz, from the options.
    func serverTarget(config: SessionConfig) throws -> ServerTarget {
        let given = [connect != nil, spawn != nil, serial != nil].filter { $0 }.count
        guard given <= 1 else { throw ValidationError("give at most one of --connect, --spawn, --serial") }
        if let c = connect {
            do {
                let a = try LoopbackAddress(parsing: c); let (h, p) = (a.host, a.port)
                return ServerTarget(mode: .connect(host: h, port: p), resetCommand: resetCmd)
            } catch { throw ValidationError("\(error)") }
        }
        if let s = serial { return ServerTarget(mode: .serial(path: s, baud: baud), resetCommand: resetCmd) }
        let stderrPath = config.targetStderrPath
        if let t = spawn { return ServerTarget(mode: .spawn(t), resetCommand: resetCmd, stderrPath: stderrPath) }
        guard let sim = ExecutableLocation.sibling("urpc-sim") else {
            throw ValidationError("urpc-sim was not found beside msgfuzz: build it (swift build --product urpc-sim) or give --connect/--spawn/--serial")
        }
        var extra = simArgs.isEmpty ? "" : " " + simArgs
        if legacyErrors { extra += " --legacy-errors" }
        if deviceFaults { extra += " --device-faults" }
        return ServerTarget(mode: .spawn("\(sim) server --listen 127.0.0.1:{port}\(extra)"), resetCommand: resetCmd, stderrPath: stderrPath)
    }

    func config(seed: UInt64, runs: Int?, maxTime: Double?, findings: String, summaryJSON: String?, worker: Int? = nil) -> SessionConfig {
        var c = SessionConfig()
        c.worker = worker
        c.seed = seed
        c.runs = runs
        c.maxTime = maxTime
        c.findingsDirectory = findings
        c.summaryJSON = summaryJSON
        c.timeout = replyTimeout
        c.rssGrowthMB = rssGrowthMB
        c.minimizeSeconds = minimizeTime
        c.auditEvery = max(1, auditEvery)
        c.batch = max(1, batch)
        // A serial device or one with a reset command pays a reset and a boot per life.
        c.lifeCostMillis = lifeCostMs ?? (serial != nil || resetCmd != nil ? 2000 : nil)
        return c
    }
}
