import ArgumentParser
import Capture

/// `msgdissect sniff serial`: passive listening on a UART with two receive-only ports.
struct SniffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sniff",
        abstract: "Listen passively to a link (nothing is written to it).",
        subcommands: [SniffSerialCommand.self]
    )
}

struct SniffSerialCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serial",
        abstract: "Sniff a UART with two receive-only ports, one on each line, merged by time.",
        discussion: """
            Wire the RX pin of one adapter to the host's TX line (--tx: host → device) and the RX pin \
            of the other to the host's RX line (--rx: device → host), grounds common. Both ports are \
            set to the same line settings; nothing is ever written to them.
            """
    )

    @Option(help: ArgumentHelp("Port listening to the line the host receives on (device → host).", valueName: "path"))
    var rx: String

    @Option(help: ArgumentHelp("Port listening to the line the host transmits on (host → device).", valueName: "path"))
    var tx: String

    @OptionGroup var serial: SerialRunOptions

    func run() throws {
        let sniffer = try opened { try SerialSniffer(rx: rx, tx: tx, settings: serial.line.settings) }
        try Self.serve(lineName: "\(tx)+\(rx)", announce: "sniffing tx \(tx) and rx \(rx) at \(serial.line.baud) baud",
                       serial, source: sniffer.run)
    }

    /// One live serial run, sniffer or tap: chunks into the session (and the saved capture) and the
    /// view until stopped or the line fails, then the summary. Exit status 1 when the line failed or
    /// saving did.
    static func serve(lineName: String, announce: String, _ o: SerialRunOptions,
                      source: (LiveStop, () -> Void, (LiveChunk) -> Void) -> CaptureError?) throws {
        let live = LiveRun(view: o.view, options: o.liveRun)
        let session = SerialSession(lineName: lineName, saveTo: o.liveRun.write, format: o.liveRun.saveFormat)
        live.saveFailed(session.saveError)
        printError(announce)
        let failure = source(live.stop, live.idle) { chunk in
            live.consume(session.chunk(chunk))
            live.saveFailed(session.saveError)
        }
        session.close()
        if failure != nil { live.end("device failed") }
        Self.finish(live, session, failure)
        if failure != nil || live.reportedSaveError { throw ExitCode(1) }
    }

    static func finish(_ live: LiveRun, _ session: SerialSession, _ failure: CaptureError?) {
        live.saveFailed(session.saveError)
        var summary = "\(session.chunks) chunks, \(session.bytes[.a] ?? 0) bytes host→device, "
            + "\(session.bytes[.b] ?? 0) bytes device→host"
        if let p = session.path, session.saveError == nil { summary += ", saved to \(p)" }
        live.finish(summary: summary)
        if let failure { printError(failure.description) }
    }
}

/// What every live serial command takes: the line settings, the view and the live-run options.
struct SerialRunOptions: ParsableArguments {
    @OptionGroup var line: SerialLineOptions
    @OptionGroup var view: ViewOptions
    @OptionGroup var liveRun: LiveRunOptions
}
