import ArgumentParser
import Capture

/// `msgdissect -i IFACE [-f BPF] [--port N]`: live capture through libpcap, dissected as frames arrive.
enum LiveCommand {
    static func run(interface: String, options: LiveCaptureOptions, run runOptions: LiveRunOptions, view: ViewOptions) throws {
        var filter = options.filter
        if let port = view.port {
            filter = filter.map { "(\($0)) and tcp port \(port)" } ?? "tcp port \(port)"
        }
        let capture: LiveCapture
        do {
            capture = try LiveCapture(options: .init(interface: interface, filter: filter))
            if let path = runOptions.write { try capture.save(to: path, format: runOptions.saveFormat) }
        } catch let e as CaptureError {
            printError(e.description)
            throw ExitCode(2)
        }
        let live = LiveRun(view: view, options: runOptions)
        printError("capturing on \(interface)" + (filter.map { " (filter: \($0))" } ?? "")
                   + (runOptions.write.map { ", saving to \($0)" } ?? ""))
        var failure: CaptureError?
        while !live.stop.isRequested {
            do {
                if let (_, segments) = try capture.next(stopFD: live.stop.fd) { live.consume(segments) }
            } catch let e as CaptureError {
                if case .write = e { live.saveFailed(e); continue }
                failure = e
                live.end("capture failed")
                break
            }
            live.idle()
        }
        let counters = capture.kernelCounters()
        var rest: [StreamSegment] = []
        do { rest = try capture.finish() } catch let e as CaptureError { live.saveFailed(e) }
        live.consume(rest)
        var summary = "\(capture.framesCaptured) frames"
        if let k = counters, k.dropped > 0 { summary += " (\(k.dropped) dropped by the kernel)" }
        if let path = runOptions.write { summary += ", saved \(capture.framesSaved) to \(path)" }
        live.finish(summary: summary)
        if let failure {
            printError(failure.description)
            throw ExitCode(1)
        }
        if live.reportedSaveError { throw ExitCode(1) }
    }
}
