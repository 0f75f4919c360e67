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

    @OptionGroup var line: SerialLineOptions
    @OptionGroup var view: ViewOptions
    @OptionGroup var liveRun: LiveRunOptions

    func run() throws {
        let sniffer: SerialSniffer
        do {
            sniffer = try SerialSniffer(rx: rx, tx: tx, settings: line.settings)
        } catch {
            printError("\(error)")
            throw ExitCode(2)
        }
        let live = LiveRun(view: view, options: liveRun)
        let session = SerialSession(lineName: "\(tx)+\(rx)", saveTo: liveRun.write, format: liveRun.saveFormat)
        live.saveFailed(session.saveError)
        printError("sniffing tx \(tx) and rx \(rx) at \(line.baud) baud")
        let failure = sniffer.run(stop: live.stop, idle: live.idle) { chunk in
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
