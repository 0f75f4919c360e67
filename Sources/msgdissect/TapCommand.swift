import ArgumentParser
import Capture

/// `msgdissect tap tcp|serial`: relays that sit between a client and the device and dissect what
/// passes, without privileges.
// Deliberately alike: a command group declaration, as every executable has one.
struct TapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tap",
        abstract: "Relay between the client and the device, dissecting (and saving) what passes.",
        subcommands: [TapTCPCommand.self, TapSerialCommand.self]
    )
}

struct TapTCPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp",
        abstract: "A man-in-the-middle TCP relay: point the client at --listen, the tap connects to --connect.",
        discussion: """
            Both directions are forwarded unchanged; each read is timestamped, dissected and, with -w, \
            recorded as a TCP session (handshake, sequence numbers, ACKs, FIN) that reopens in msgdissect \
            and tshark. Connections are relayed one after another; with -w the first is saved to FILE and \
            the n-th to FILE with -n before the extension (capture-2.pcapng …). The live stream index is \
            the connection number; each saved file holds stream 0.
            """
    )

    @Option(help: ArgumentHelp("Address to accept the client on (HOST:PORT; port 0 picks a free one, printed on stderr).", valueName: "host:port"))
    var listen: String

    @Option(help: ArgumentHelp("The real server's address (HOST:PORT).", valueName: "host:port"))
    var connect: String

    @Flag(help: "Exit after the first connection ends.")
    var once = false

    @OptionGroup var view: ViewOptions
    @OptionGroup var liveRun: LiveRunOptions

    func run() throws {
        let tap = try opened { try TCPTap(listen: listen, connect: connect) }
        let live = LiveRun(view: view, options: liveRun)
        printError("tap listening on \(tap.listenAddress), relaying to \(tap.upstream)")
        var session: TCPTapSession?
        var saved: [String] = []
        tap.run(stop: live.stop, maxConnections: once ? 1 : nil, idle: live.idle) { event in
            switch event {
            case let .connected(n, client, server, time):
                let path = liveRun.write.map { Self.path($0, connection: n) }
                let s = TCPTapSession(stream: n, client: client, server: server, start: time,
                                      saveTo: path, format: liveRun.saveFormat)
                live.saveFailed(s.saveError)
                if let path, s.saveError == nil { saved.append(path) }
                session = s
                live.consume([s.openedSegment])
            case let .chunk(_, c):
                guard let s = session else { return }
                live.consume(s.chunk(c))
                live.saveFailed(s.saveError)
            case let .closed(_, reset, time):
                guard let s = session else { return }
                live.consume(s.close(time: time, reset: reset))
                live.saveFailed(s.saveError)
                session = nil
            case let .upstreamFailed(client, reason):
                printError("client \(client) dropped: \(reason)")
            }
        }
        if let s = session {
            // Stopped in the middle of a connection: close the saved session properly.
            live.consume(s.close(time: .now(), reset: false))
            live.saveFailed(s.saveError)
        }
        if once && !live.stop.isRequested { live.end("connection ended") }
        var summary = "\(tap.connectionsRelayed) connection\(tap.connectionsRelayed == 1 ? "" : "s"), "
            + "\(tap.bytesRelayed[.a] ?? 0) bytes client→server, \(tap.bytesRelayed[.b] ?? 0) bytes server→client"
        if !saved.isEmpty { summary += ", saved to \(saved.joined(separator: ", "))" }
        live.finish(summary: summary)
        if live.reportedSaveError { throw ExitCode(1) }
    }

    /// FILE for the first connection, FILE-n.ext for the n-th.
    static func path(_ base: String, connection n: Int) -> String {
        guard n > 0 else { return base }
        let name = base.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? base
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let ext = name[dot...]
            return String(base.dropLast(ext.count)) + "-\(n + 1)" + ext
        }
        return base + "-\(n + 1)"
    }
}

/// Serial line options shared by the serial tap and sniffer.
struct SerialLineOptions: ParsableArguments {
    @Option(help: "Baud rate: any standard or custom rate (230400, 1000000 …).")
    var baud: Int = 230_400

    @Option(help: "Stop bits: 1 or 2.")
    var stopBits: Int = 1

    @Flag(help: "RTS/CTS hardware flow control.")
    var rtscts = false

    func validate() throws {
        guard baud > 0 else { throw ValidationError("--baud must be positive") }
        guard stopBits == 1 || stopBits == 2 else { throw ValidationError("--stop-bits must be 1 or 2") }
    }

    var settings: SerialSettings { SerialSettings(baud: baud, stopBits: stopBits, rtsCts: rtscts) }
}

struct TapSerialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serial",
        abstract: "Open the serial device and give the host program a pseudo-terminal in its place; relay both ways.",
        discussion: """
            The pseudo-terminal's path is printed on stderr ("host side: /dev/pts/N"): open it in the \
            host program instead of the device. With -w the traffic is saved in the serial capture \
            encoding (one record per read, direction host>device or device>host).
            """
    )

    @Option(help: ArgumentHelp("The serial device (e.g. /dev/ttyUSB0).", valueName: "path"))
    var device: String

    @OptionGroup var serial: SerialRunOptions

    func run() throws {
        let tap = try opened { try SerialTap(device: device, settings: serial.line.settings) }
        try SniffSerialCommand.serve(lineName: device, announce: "host side: \(tap.hostPath) (open it instead of \(device)); \(serial.line.baud) baud",
                                     serial, source: tap.run)
    }
}
