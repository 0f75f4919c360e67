import ArgumentParser
import Capture
import Lifecycle
import MessagePack
import URPC

/// `msgdissect FILE` / `msgdissect -i IFACE`: the urpc conversation in a capture file, or live from
/// an interface (`LiveCommand`), one line per message.
struct DissectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dissect",
        abstract: "Dissect the urpc conversation in a pcap or pcapng capture, or live with -i IFACE (the default command).",
        discussion: """
            One line per urpc message: frame (where the message ends), time relative to the first \
            frame, stream index, direction, and a summary (`cm P2.add(5, 7)`, `↳ P1 (0.3 ms)`). \
            A damaged capture is dissected up to the damage, then the damage is named (frame and \
            file offset) and the exit status is 2.
            """
    )

    @Argument(help: "The capture file (pcap or pcapng: TCP over Ethernet, SLL, SLL2, NULL/LOOP, raw IP; or a msgscope serial capture). Not with -i.")
    var file: String?

    @OptionGroup var view: ViewOptions

    @OptionGroup(title: "Live capture") var live: LiveCaptureOptions

    @OptionGroup(title: "Live capture, taps and sniffers") var liveRun: LiveRunOptions

    func validate() throws {
        if file != nil && live.interface != nil { throw ValidationError("give a capture FILE or -i IFACE, not both") }
        if file == nil && live.interface == nil { throw ValidationError("give a capture FILE, or -i IFACE to capture live") }
        if file != nil && liveRun.isUsed { throw ValidationError("-w, -c, --duration, --leaks and --every are for live capture (-i) and taps") }
    }

    func run() throws {
        if let interface = live.interface {
            return try LiveCommand.run(interface: interface, options: live, run: liveRun, view: view)
        }
        guard let file else { throw ValidationError("give a capture FILE") }
        var session = DissectSession(view: view)
        let source = try opened { try CaptureSource.open(path: file) }
        var damage: CaptureError?
        do {
            while let seg = try source.nextSegment() { session.consume(seg) }
        } catch let e as CaptureError {
            damage = e
        }
        session.finish()
        if let damage {
            printError(damage.description)
            throw ExitCode(2)
        }
    }
}

/// Options shared by every command that shows a conversation (offline and live).
struct ViewOptions: ParsableArguments {
    @Option(name: .long, help: "The server's TCP port (default: found from the content).")
    var port: UInt16?

    @Flag(name: .customShort("V"), help: "Add the decoded tree of each message: stream offsets, wire formats, header bytes.")
    var verbose = false

    @Flag(name: .long, help: "Print NDJSON, one object per urpc message (fields in the README).")
    var json = false

    @Flag(name: .long, help: "Print statistics at the end: counts per command, latency percentiles, bytes, errors, anomalies.")
    var stats = false

    @Option(name: .long, parsing: .singleValue, help: "Keep only this command (repeatable): its requests and their replies.")
    var cmd: [String] = []

    @Option(name: .long, parsing: .singleValue, help: "Keep only messages that carry this proxy id (repeatable).")
    var proxy: [UInt32] = []

    @Option(name: .long, help: "Keep only this stream index.")
    var stream: Int?

    @Flag(name: .long, help: "Do not run the device lint on requests.")
    var noLint = false

    @Flag(name: .long, help: "Print only the statistics (with --stats), not the messages.")
    var quiet = false
}

/// The view options as plain values (the parser's property wrappers are slow to read in a loop).
struct ViewConfig {
    var port: UInt16?
    var verbose: Bool
    var json: Bool
    var stats: Bool
    var cmd: Set<String>
    var proxy: Set<UInt32>
    var stream: Int?
    var noLint: Bool
    var quiet: Bool

    init(_ o: ViewOptions) {
        port = o.port; verbose = o.verbose; json = o.json; stats = o.stats; cmd = Set(o.cmd)
        proxy = Set(o.proxy); stream = o.stream; noLint = o.noLint; quiet = o.quiet
    }
}

/// The wiring of one dissection: segments in, lines out.
struct DissectSession: ~Copyable {
    let view: ViewConfig
    var batch: [Message] = []
    let dissector: Dissector
    var out = OutputSink()
    /// The summary's value formatter, read once (not per message).
    let formatter = Proxy.formatter
    var stats = ConversationStats()
    /// With --stats, the proxy tracker whose leak summary ends the statistics.
    let tracker: ProxyTracker?
    var lastFrame = 0
    var lastTime: Timestamp?
    var t0: Timestamp?
    /// Frames of requests kept by a command filter, so their replies are kept too.
    var keptRequests = Set<Int>()

    init(view options: ViewOptions) {
        let view = ViewConfig(options)
        self.view = view
        dissector = Dissector(options: DissectorOptions(serverPort: view.port, lint: !view.noLint, keepsNodes: view.verbose))
        tracker = view.stats ? ProxyTracker(keepsHistory: false) : nil
    }

    /// Messages printed so far (after the filters).
    var shown = 0
    /// Print at most this many messages (live `-c`).
    var limit: Int?

    /// Returns the messages the segment completed (for live consumers: counts, leak tracking).
    @discardableResult
    mutating func consume(_ seg: StreamSegment) -> [Message] {
        if t0 == nil { t0 = seg.time }
        lastFrame = max(lastFrame, seg.frame)
        lastTime = seg.time
        // The batch leaves the session's state while it is printed, so that each message is
        // read in place (no copy) by the mutating printers.
        var ms: [Message] = []
        swap(&ms, &batch)
        ms.removeAll(keepingCapacity: true)
        dissector.consume(seg, into: &ms)
        // A segment that completes no message (a first byte sent alone) costs no consumer call.
        if !ms.isEmpty {
            emitAll(ms)
            tracker?.observe(ms)
        }
        swap(&ms, &batch)
        return batch
    }

    @discardableResult
    mutating func finish() -> [Message] {
        let ms = dissector.finish()
        emitAll(ms)
        if view.stats { out.write(stats.render()) }
        if let tracker {
            tracker.observe(ms)
            tracker.describe(dissector.streamInfos)
            let report = tracker.finish(endFrame: lastFrame, endTime: lastTime)
            out.write("\n=== proxy leaks ===\n" + report.text(perGroup: 5))
        }
        out.flush()
        return ms
    }

    /// Counts and prints a batch. `--stats --quiet` only counts: one tight loop.
    private mutating func emitAll(_ ms: [Message]) {
        if view.quiet {
            if view.stats { stats.add(ms) }
            return
        }
        let p = ms.span
        for i in p.indices { emit(p[i]) }
    }

    private mutating func keep(_ m: borrowing Message) -> Bool {
        if let s = view.stream, m.stream != s { return false }
        if !view.cmd.isEmpty {
            if m.kind == .request {
                guard let c = m.command, view.cmd.contains(c) else { return false }
                keptRequests.insert(m.frame)
            } else {
                guard let r = m.replyToFrame, keptRequests.contains(r) else { return false }
            }
        }
        if !view.proxy.isEmpty {
            var ids: [UInt32] = []
            if let v = m.value { Proxy.ids(in: v, into: &ids) }
            if case .release(let id)? = m.request { ids.append(id) }
            if !ids.contains(where: view.proxy.contains) && !m.anomalies.contains(where: { $0.proxy.map(view.proxy.contains) ?? false }) {
                return false
            }
        }
        return true
    }

    /// Not inlined, so a profile shows the output's cost on its own line.
    @inline(never)
    mutating func emit(_ m: borrowing Message) {
        if view.stats { stats.add(m) }
        guard !view.quiet, keep(m) else { return }
        if let limit, shown >= limit { return }
        shown += 1
        let base = t0 ?? m.time
        if view.json {
            MessageJSON.write(m, relativeTo: base, into: &out.buffer)
        } else {
            out.buffer.decimal(m.frame, width: 6)
            out.buffer.literal("  ")
            out.buffer.fixed(m.time.since(base), 6)
            out.buffer.literal("  ")
            out.buffer.decimal(m.stream)
            switch m.direction {
            case .clientToServer: out.buffer.literal("  C>S  ")
            case .serverToClient: out.buffer.literal("  S>C  ")
            }
            MessageText.writeSummary(m, formatter: formatter, into: &out.buffer)
            if !m.anomalies.isEmpty {
                out.buffer.literal("  [")
                for (i, a) in m.anomalies.enumerated() {
                    if i > 0 { out.buffer.literal(", ") }
                    out.buffer.text(a.kind)
                }
                out.buffer.byte(0x5d)
            }
            out.buffer.byte(0x0a)
            if view.verbose { MessageTree.write(m, into: &out.buffer) }
        }
        out.flushIfFull()
    }
}
