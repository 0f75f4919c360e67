import ArgumentParser
import Capture
import URPC

/// `msgdissect diff A B`: where the server's replies of two captures of the same client session
/// differ (a capture and its replay), request by request.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare the server replies of two captures of the same requests, message by message.",
        discussion: """
            Connections are paired in order, requests in order within a connection; the replies to \
            request n (every server message the dissector pairs with it: console output, the value \
            or exception, ri parts) are compared byte for byte. Exit status 0 when nothing differs \
            ("no difference"), 1 when something does, 2 for an unreadable capture.
            """
    )

    @Argument(help: "The expected capture (pcap or pcapng, TCP or serial).")
    var expected: String

    @Argument(help: "The capture to compare with it.")
    var got: String

    @Option(name: .long, help: "The server's TCP port (default: found from the content).")
    var port: UInt16?

    @Flag(name: .customLong("ignore-addresses"), help: "Compare replies as text with hex addresses (0x…, as in object reprs) masked, instead of byte for byte.")
    var ignoreAddresses = false

    @Option(name: .long, help: "Report at most this many differences.")
    var limit: Int = 50

    func run() throws {
        let a = try Self.read(expected, port: port)
        let b = try Self.read(got, port: port)
        var lines: [String] = []
        var differences = 0
        func report(_ s: String) {
            differences += 1
            if differences <= limit { lines.append(s) }
        }
        if a.count != b.count { report("connections: expected \(a.count), got \(b.count)") }
        for c in 0..<min(a.count, b.count) {
            let x = a[c], y = b[c]
            if x.count != y.count { report("connection \(c + 1): expected \(x.count) requests, got \(y.count)") }
            for n in 0..<min(x.count, y.count) {
                let e = x[n], g = y[n]
                let what = "connection \(c + 1), request \(n + 1) (\(e.command))"
                if e.request != g.request { report("\(what): the requests differ: expected \(e.requestText), got \(g.requestText)") }
                let differ = ignoreAddresses ? e.maskedReplies != g.maskedReplies : e.replyBytes != g.replyBytes
                if differ { report("\(what):\n  expected: \(e.replyText)\n  got:      \(g.replyText)") }
            }
        }
        if differences == 0 {
            print("no difference\(ignoreAddresses ? " (addresses ignored)" : "") (\(a.count) connection(s), \(a.reduce(0) { $0 + $1.count }) request(s))")
            return
        }
        for l in lines { print(l) }
        if differences > limit { print("… \(differences - limit) more") }
        print("\(differences) difference(s)")
        throw ExitCode(1)
    }

    /// One request and what the server answered to it.
    struct Exchange {
        var command: String
        var request: [UInt8]
        var requestText: String
        var replies: [Message] = []
        var replyBytes: [UInt8] { replies.flatMap { Array($0.bytes) } }
        /// The replies' summaries without latencies, hex addresses masked.
        var maskedReplies: [String] { replies.map { DiffCommand.masked(MessageText.summary($0)) } }
        var replyText: String {
            replies.isEmpty ? "(no reply)" : replies.map { MessageText.summary($0) }.joined(separator: " | ")
        }
    }

    /// `s` without a trailing latency (` (1.2 ms)`) and with `0x` + hex digits as `0x…`.
    static func masked(_ s: String) -> String {
        var t = Substring(s)
        if t.hasSuffix(" ms)"), let open = t.lastIndex(of: "(") { t = t[..<open] }
        var out = ""
        var i = t.startIndex
        while i < t.endIndex {
            if t[i...].hasPrefix("0x") {
                var j = t.index(i, offsetBy: 2)
                while j < t.endIndex, t[j].isHexDigit { j = t.index(after: j) }
                if j > t.index(i, offsetBy: 2) { out += "0x…"; i = j; continue }
            }
            out.append(t[i])
            i = t.index(after: i)
        }
        return out.trimmingSuffixSpaces
    }

    /// The exchanges of each connection, in order.
    static func read(_ path: String, port: UInt16?) throws -> [[Exchange]] {
        let source: CaptureSource
        do { source = try CaptureSource.open(path: path) } catch {
            printError("\(error)"); throw ExitCode(2)
        }
        let dissector = Dissector(options: DissectorOptions(serverPort: port, lint: false))
        var messages: [Message] = []
        do {
            while let seg = try source.nextSegment() { dissector.consume(seg, into: &messages) }
        } catch {
            printError("\(path): \(error)"); throw ExitCode(2)
        }
        messages += dissector.finish()
        var streams: [Int] = []
        var byStream: [Int: [Exchange]] = [:]
        var requestAt: [Int: [Int: Int]] = [:]  // stream → message index → exchange
        for m in messages where m.direction == .clientToServer {
            if byStream[m.stream] == nil { streams.append(m.stream); byStream[m.stream] = [] }
            requestAt[m.stream, default: [:]][m.index] = byStream[m.stream]!.count
            byStream[m.stream]!.append(Exchange(command: m.command ?? m.kind.rawValue, request: Array(m.bytes),
                                                requestText: MessageText.summary(m)))
        }
        for m in messages where m.direction == .serverToClient {
            if let r = m.replyTo, let k = requestAt[m.stream]?[r] { byStream[m.stream]![k].replies.append(m) }
        }
        return streams.map { byStream[$0]! }
    }
}

private extension String {
    var trimmingSuffixSpaces: String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
