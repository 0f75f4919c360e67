import ArgumentParser
import Capture
import Lifecycle
import URPC

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `msgdissect leaks FILE`: proxy lifecycles and leaks, like LeakSanitizer for remote objects.
struct LeaksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaks",
        abstract: "Report the proxies a capture's client leaked on the server, and every lifecycle anomaly.",
        discussion: """
            Text (like LeakSanitizer: one block per group of leaked proxies, grouped by the call \
            that created them), JSON (the README's schema, including the per-connection facts) or a \
            self-contained HTML page with an SVG timeline. Exit status 1 with --fail-on when an \
            anomaly of the given kinds is found, 2 for a damaged or unreadable capture (the report \
            of what was read is still written).
            """
    )

    @Argument(help: "The capture file (pcap or pcapng, TCP or serial).")
    var file: String

    @Option(name: .long, help: "Report format: text, json or html.")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to this file instead of standard output.")
    var output: String?

    @Option(name: .long, help: "Exit with status 1 when any anomaly of these kinds is found (comma-separated, e.g. leaked,double-release; 'all' for any).")
    var failOn: String?

    @Option(name: .long, help: "The server's TCP port (default: found from the content).")
    var port: UInt16?

    @Option(name: .long, help: "Text format: proxies listed per leak group before '… and N more'.")
    var perGroup: Int = 10

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json, html
    }

    func validate() throws {
        if let failOn {
            let unknown = LeakReport.unknownKinds(in: failOn)
            if !unknown.isEmpty { throw ValidationError("unknown anomaly kind(s) for --fail-on: \(unknown.joined(separator: ", "))") }
        }
    }

    func run() throws {
        let source = try opened { try CaptureSource.open(path: file) }
        let dissector = Dissector(options: DissectorOptions(serverPort: port, keepsNodes: false))
        let tracker = ProxyTracker(keepsHistory: format != .text)
        var batch: [Message] = []
        var damage: CaptureError?
        var lastFrame = 0
        var lastTime: Timestamp?
        do {
            while let seg = try source.nextSegment() {
                lastFrame = max(lastFrame, seg.frame)
                lastTime = seg.time
                batch.removeAll(keepingCapacity: true)
                dissector.consume(seg, into: &batch)
                tracker.observe(batch)
            }
        } catch let e as CaptureError {
            damage = e
        }
        tracker.observe(dissector.finish())
        tracker.describe(dissector.streamInfos)
        let report = tracker.finish(endFrame: lastFrame, endTime: lastTime)
        let text: String
        switch format {
        case .text: text = report.text(perGroup: perGroup)
        case .json: text = report.json()
        case .html: text = report.html(title: "Proxy leaks: " + file)
        }
        if let output {
            guard let f = fopen(output, "w") else {
                printError("cannot write \(output): \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
            var t = text
            let ok = t.withUTF8 { fwrite($0.baseAddress, 1, $0.count, f) == $0.count }
            if fclose(f) != 0 || !ok {
                printError("cannot write \(output): \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
            var line = report.summaryLine + "\n"
            line.withUTF8 { FDIO.writeAll(2, UnsafeRawBufferPointer($0)) }
        } else {
            var sink = OutputSink()
            sink.write(text.hasSuffix("\n") ? text : text + "\n")
            sink.flush()
        }
        if let damage {
            printError(damage.description)
            throw ExitCode(2)
        }
        if let failOn, report.has(kinds: LeakReport.kinds(failOn)) {
            throw ExitCode(1)
        }
    }
}
