import ArgumentParser
import Capture
import Lifecycle
import URPC

/// `-i IFACE` and `-f BPF` of the default command.
struct LiveCaptureOptions: ParsableArguments {
    @Option(name: .customShort("i"), help: ArgumentHelp("Capture live on this interface (e.g. lo) instead of reading a file; needs root or cap_net_raw.", valueName: "iface"))
    var interface: String?

    @Option(name: .customShort("f"), help: ArgumentHelp("A BPF capture filter for -i (e.g. 'host 10.0.0.7'); --port N adds 'tcp port N'.", valueName: "bpf"))
    var filter: String?
}

/// Saving, stopping and leak tracking, shared by live capture, taps and sniffers.
struct LiveRunOptions: ParsableArguments {
    @Option(name: .customShort("w"), help: ArgumentHelp("Save the traffic to this capture file while dissecting (flushed as it goes: valid even after Ctrl-C).", valueName: "file"))
    var write: String?

    @Option(name: .long, help: "Format of -w: pcap or pcapng (default: from the extension, pcapng unless it ends in .pcap).")
    var format: String?

    @Option(name: .customShort("c"), help: ArgumentHelp("Stop after this many urpc MESSAGES were printed (messages, not frames as in tshark's -c; with filters only kept ones count; with --quiet all count).", valueName: "count"))
    var count: Int?

    @Option(name: .long, help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    @Flag(name: .long, help: "Track proxy lifecycles live and print the leak report on exit.")
    var leaks = false

    @Option(name: .long, help: ArgumentHelp("With --leaks, also print the leak report every N seconds.", valueName: "seconds"))
    var every: Double?

    var isUsed: Bool { write != nil || count != nil || duration != nil || leaks || every != nil }

    func validate() throws {
        if let f = format, CaptureFileFormat(rawValue: f) == nil { throw ValidationError("--format must be pcap or pcapng") }
        if let c = count, c <= 0 { throw ValidationError("-c must be positive") }
        if let d = duration, d <= 0 { throw ValidationError("--duration must be positive") }
        if let e = every, e <= 0 { throw ValidationError("--every must be positive") }
        if every != nil && !leaks { throw ValidationError("--every needs --leaks") }
    }

    /// The format of the -w file.
    var saveFormat: CaptureFileFormat {
        if let f = format, let v = CaptureFileFormat(rawValue: f) { return v }
        return write?.lowercased().hasSuffix(".pcap") == true ? .pcap : .pcapng
    }
}

/// The state of one live run: the dissection, the stop conditions, the leak tracking and the
/// closing summary. Sources call `consume` with segments and `idle` whenever they wake up.
final class LiveRun {
    var session: DissectSession
    let options: LiveRunOptions
    let stop: LiveStop
    let started = Timestamp.now()
    private var nextReport: Double
    private var observed: [Message] = []
    private(set) var messages = 0
    private(set) var stopReason = "interrupted"
    /// A write to the -w file failed during the run (the exit status is then 1).
    private(set) var reportedSaveError = false

    init(view: ViewOptions, options: LiveRunOptions) {
        session = DissectSession(view: view)
        session.limit = options.count
        self.options = options
        stop = LiveStop()
        stop.installSignalHandlers()
        nextReport = options.every ?? .infinity
    }

    func consume(_ segments: [StreamSegment]) {
        // After -c was reached nothing more is dissected (what is already dissected is printed).
        if let c = options.count, (session.view.quiet ? messages : session.shown) >= c { return }
        for s in segments { record(session.consume(s)) }
        session.out.flush()
        if let c = options.count, (session.view.quiet ? messages : session.shown) >= c {
            end("count of \(c) messages reached")
        }
    }

    /// Checks the duration and prints the periodic leak report.
    func idle() {
        let elapsed = Timestamp.now().since(started)
        if let d = options.duration, elapsed >= d { end("duration of \(d) s reached") }
        if options.leaks, elapsed >= nextReport {
            nextReport += options.every ?? .infinity
            session.out.write("--- leak report after \(Int(elapsed)) s ---\n" + leakReport() + "---\n")
            session.out.flush()
        }
    }

    /// A write to the saved file failed: say so once; the relay and the dissection go on.
    func saveFailed(_ e: CaptureError?) {
        guard let e, !reportedSaveError else { return }
        reportedSaveError = true
        printError("\(e.description); the file keeps what was written before, dissection continues")
    }

    func end(_ reason: String) {
        if !stop.isRequested { stopReason = reason }
        stop.request()
    }

    private func record(_ ms: [Message]) {
        messages += ms.count
        if options.leaks { observed += ms }
    }

    private func leakReport() -> String {
        let tracker = ProxyTracker()
        for m in observed { tracker.observe(m) }
        return tracker.finish(endFrame: nil, endTime: Timestamp.now()).text()
    }

    /// Ends the dissection, prints the leak report and a summary line on standard error.
    func finish(summary: String) {
        record(session.finish())
        if options.leaks {
            session.out.write(leakReport())
            session.out.flush()
        }
        printError("stopped (\(stopReason)): \(summary), \(messages) urpc messages")
    }
}
