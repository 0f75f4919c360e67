import Capture
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Fuzzing a urpc client: msgfuzz plays the server, answers the client's requests with an honest
/// server model (the device twin, supplied by the caller) and mutates some replies. One case is
/// one run of the client program; oracles watch the program (signal, unexpected exit status,
/// no progress within the timeout, memory).
package final class ClientFuzzer {
    /// A fresh honest server session: request bytes in, reply bytes out.
    package typealias HonestServer = () -> ([UInt8]) -> [UInt8]

    package enum Endpoint: Sendable {
        /// A command template with `{port}` (msgfuzz listens there) or `{pty}`.
        case spawn(String)
        /// Wait for an external client on this loopback port.
        case listen(port: UInt16)
    }

    package struct Outcome: Sendable {
        package var verdict: Verdict?
        /// The replies sent, by index: only the mutated ones are kept for the reproducer.
        package var mutated: [Int: [UInt8]]
        /// The reply operations that made them.
        package var operations: [String]
        package var replies: Int
        package var transcript: Transcript
    }

    package let endpoint: Endpoint
    package let config: SessionConfig
    /// Exit statuses of a client that gave up cleanly (not findings).
    package var acceptedStatuses: Set<Int32> = [0, 1]
    /// Percentage of replies mutated.
    package var mutationPercent = 25
    private let makeServer: HonestServer
    private var ctx: MutationContext
    private var book: FindingBook
    private var listenFD: Int32 = -1
    package private(set) var port: UInt16 = 0
    private var pty: PseudoTerminal?
    private var runs = 0
    package var log: (String) -> Void = { Files.printError($0 + "\n") }
    private var start: UInt64 = 0

    package init(endpoint: Endpoint, config: SessionConfig, server: @escaping HonestServer) throws {
        self.endpoint = endpoint
        self.config = config
        self.makeServer = server
        self.ctx = MutationContext(seed: config.seed, maxLength: 1 << 22)
        try Files.makeDirectory(config.findingsDirectory)
        self.book = FindingBook(directory: config.findingsDirectory)
    }

    /// The run's summary (the one schema of every target).
    package var summary: RunSummary {
        var s = RunSummary(target: "client", execs: runs, seconds: elapsed, findings: book.findings)
        s.seed = config.seed
        s.endpoint = description
        return s
    }

    var hangNanos: UInt64 { UInt64(max(config.timeout, 0.05) * 1e9) }
    var elapsed: Double { Double(Monotonic.now() - start) / 1e9 }

    package var description: String {
        switch endpoint {
        case .spawn(let t): return "client '\(t)'"
        case .listen(let p): return "clients connecting to 127.0.0.1:\(p)"
        }
    }

    func prepare() throws(TargetError) {
        switch endpoint {
        case .spawn(let t):
            if t.contains("{pty}") {
                do { pty = try PseudoTerminal() } catch { throw .serial("\(error)") }
            } else if t.contains("{port}") {
                guard let (fd, p) = Loopback.listen() else { throw .notReady("cannot listen on 127.0.0.1") }
                listenFD = fd; port = p
            } else {
                throw .badTemplate("the --spawn command must contain {port} (msgfuzz listens there) or {pty} (a pseudo-terminal)")
            }
        case .listen(let p):
            guard let (fd, bound) = Loopback.listen(port: p) else { throw .notReady("cannot listen on 127.0.0.1:\(p)") }
            listenFD = fd; port = bound
        }
    }

    /// Runs the client once; `plan` fixes the reply for some indices (replay and minimisation),
    /// otherwise replies are mutated at random when `explore` is set.
    func runOnce(plan: [Int: [UInt8]], explore: Bool, record: Bool) throws(TargetError) -> Outcome {
        var process: TargetProcess?
        var channel: ByteChannel
        switch endpoint {
        case .spawn(let t):
            var cmd = t.replacingOccurrences(of: "{port}", with: String(port))
            if let p = pty { cmd = cmd.replacingOccurrences(of: "{pty}", with: p.slavePath); ByteChannel(fd: p.masterFD, isSocket: false).drain(quietMillis: 1) }
            process = try TargetProcess(command: cmd, stderrPath: config.targetStderrPath)
            if let p = pty {
                channel = ByteChannel(fd: p.masterFD, isSocket: false)
            } else {
                guard let fd = Loopback.accept(listenFD, deadline: Monotonic.now() + 10_000_000_000) else {
                    process?.kill()
                    let e = process?.poll()
                    throw .notReady("the client '\(cmd)' did not connect to 127.0.0.1:\(port) within 10 s\(e.map { " (\($0))" } ?? "")")
                }
                channel = ByteChannel(fd: fd, isSocket: true)
            }
        case .listen:
            guard let fd = Loopback.accept(listenFD, deadline: Monotonic.now() + 60_000_000_000) else {
                throw .notReady("no client connected to 127.0.0.1:\(port) within 60 s")
            }
            channel = ByteChannel(fd: fd, isSocket: true)
        }
        defer { if channel.isSocket { channel.close() }; process?.kill() }
        let server = makeServer()
        var transcript = Transcript()
        var mutated: [Int: [UInt8]] = [:]
        var operations: [String] = []
        var replies = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var verdict: Verdict?
        var lastProgress = Monotonic.now()
        while true {
            var n = 0
            let r = channel.read(into: &buffer, count: &n, deadline: Monotonic.now() + 50_000_000)
            switch r {
            case .data:
                lastProgress = Monotonic.now()
                let request = Array(buffer[0..<n])
                if record { transcript.add(.client, request[...]) }
                let honest = server(request)
                // A request split over reads gets its reply with the read that completes it.
                if honest.isEmpty && plan[replies] == nil { continue }
                var reply = honest
                if let planned = plan[replies] {
                    reply = planned
                    mutated[replies] = planned
                } else if explore && ctx.random.chance(mutationPercent) {
                    let i = ReplyMutation.operations.pick(&ctx.random)
                    reply = ReplyMutation.operations.entries[i](honest, &ctx)
                    operations.append(ReplyMutation.operations.names[i])
                    mutated[replies] = reply
                }
                replies += 1
                if record { transcript.add(.server, reply[...]) }
                if !channel.writeAll(reply) { break }
                continue
            case .timeout:
                if let e = process?.poll() { verdict = judge(e, process!) ; break }
                if Monotonic.now() - lastProgress > hangNanos {
                    verdict = Verdict(oracle: .hang, detail: "the client sent nothing and did not exit within \(config.timeout) s after reply \(replies)")
                    break
                }
                if let kb = process?.residentKB(), kb > config.rssGrowthMB * 1024 + 64 * 1024 {
                    verdict = Verdict(oracle: .memory, detail: "the client's resident memory reached \(kb / 1024) MB")
                    break
                }
                continue
            case .endOfStream, .failed:
                if let p = process {
                    if let e = p.wait(millis: Int(max(config.timeout, 2) * 1000)) { verdict = judge(e, p) } else {
                        verdict = Verdict(oracle: .hang, detail: "the client closed the connection but did not exit")
                    }
                }
                break
            }
            break
        }
        return Outcome(verdict: verdict, mutated: mutated, operations: operations, replies: replies, transcript: transcript)
    }

    func judge(_ e: ProcessEnd, _ p: TargetProcess) -> Verdict? {
        let out = SessionJudge.essentialOutput(p.stderrTail(limit: 1 << 16))
        switch e {
        case .signaled: return Verdict(oracle: .signal, end: e, detail: "the client died of \(e)" + (out.isEmpty ? "" : ": " + out))
        case .exited(let s) where !acceptedStatuses.contains(s):
            return Verdict(oracle: .exit, end: e, detail: "the client ended with \(e)" + (out.isEmpty ? "" : ": " + out))
        default: return nil
        }
    }

    /// Fuzzes until `runs` client runs, `maxTime` or `stopOnFirst`.
    package func run() throws(TargetError) {
        start = Monotonic.now()
        try prepare()
        defer { if listenFD >= 0 { close(listenFD) }; if var p = pty { p.close() } }
        var nextStats = config.statsInterval > 0 ? config.statsInterval : .infinity
        while true {
            if let r = config.runs, runs >= r { break }
            if let m = config.maxTime, elapsed >= m { break }
            if StopRequest.isRequested { break }
            if config.stopOnFirst && book.count > 0 { break }
            let o = try runOnce(plan: [:], explore: true, record: false)
            runs += 1
            if let v = o.verdict { record(v, o) }
            if elapsed >= nextStats {
                log(RunSummary.statusLine(final: false, execs: runs, seconds: elapsed, ["findings": book.count]))
                nextStats = elapsed + config.statsInterval
            }
        }
        log(RunSummary.statusLine(final: true, execs: runs, seconds: elapsed, ["findings": book.count]))
    }

    /// The reproducer of a client finding: the mutated replies by index (the rest honest).
    static func sidecar(_ mutated: [Int: [UInt8]], verdict: Verdict, signature: String, operations: [String]) -> Sidecar {
        var s = Sidecar(target: "client", verdict: verdict, signature: signature)
        s.replies = mutated.keys.sorted().map { Sidecar.Reply(index: $0, hex: HexText.string(mutated[$0]!)) }
        s.mutations = operations
        return s
    }

    /// Loads a client reproducer's plan.
    package static func loadPlan(_ path: String) -> [Int: [UInt8]]? {
        guard let rs = Sidecar.load(path)?.replies else { return nil }
        var plan: [Int: [UInt8]] = [:]
        for r in rs { if let b = HexText.bytes(r.hex) { plan[r.index] = b } }
        return plan
    }

    private func record(_ v: Verdict, _ o: Outcome) {
        // Signed by the class: the end and the hostile feature of the culprit reply.
        let pre = ReplyCulprit.signature(v, o.mutated)
        let blob = Self.sidecar(o.mutated, verdict: v, signature: pre, operations: o.operations).bytes
        // The reproducer first (atomically), before anything else can go wrong.
        let path = (try? book.write("crash-" + SHA1.hex(blob) + ".json", blob)) ?? book.directory
        if book.hit(pre) { return }
        log("FINDING \(v.oracle) [\(pre)] after \(runs) runs, \(format1(elapsed)) s: \(v.detail.prefix(160)) -> \(path)")
        // Minimise: keep only the mutated replies the failure needs.
        let deadline = Monotonic.now() + UInt64(config.minimizeSeconds * 1e9)
        var last: Transcript?
        let keys = Minimizer.ddmin(o.mutated.keys.sorted(), budget: { Monotonic.now() < deadline && !StopRequest.isRequested }) { ks in
            let plan = Dictionary(uniqueKeysWithValues: ks.map { ($0, o.mutated[$0]!) })
            guard let r = try? runOnce(plan: plan, explore: false, record: true), let got = r.verdict, got.kind == v.kind else { return false }
            last = r.transcript
            return true
        }
        let plan = Dictionary(uniqueKeysWithValues: keys.map { ($0, o.mutated[$0]!) })
        if last == nil || keys.count == o.mutated.count, let r = try? runOnce(plan: plan, explore: false, record: true), r.verdict?.kind == v.kind {
            last = r.transcript
        }
        var f = Finding(signature: pre, oracle: v.oracle, detail: v.detail, firstFoundSeconds: elapsed, inputPath: path,
                        size: o.mutated.values.reduce(0) { $0 + $1.count }, mutations: o.operations)
        f.status = v.end?.key
        f.firstExec = runs
        f.messages = o.mutated.count
        f.minimizedMessages = keys.count
        f.minimizedSize = plan.values.reduce(0) { $0 + $1.count }
        let minBlob = Self.sidecar(plan, verdict: v, signature: pre, operations: o.operations).bytes
        let name = "min-" + SHA1.hex(minBlob)
        f.minimized = try? book.write(name + ".json", minBlob)
        if let t = last, !t.events.isEmpty {
            f.capture = try? FindingBook.writeCapture(t, path: book.directory + "/" + name + ".pcap", serverPort: port,
                                                      serialLine: pty == nil ? nil : "urpc")
        }
        log("  minimised to \(keys.count) mutated repl\(keys.count == 1 ? "y" : "ies") -> \(f.minimized ?? name)")
        book.add(f)
    }

    /// Replays a reproducer once; returns the verdict (nil: the client behaved).
    package func replay(plan: [Int: [UInt8]], capture: String?) throws(TargetError) -> Verdict? {
        start = Monotonic.now()
        try prepare()
        defer { if listenFD >= 0 { close(listenFD) }; if var p = pty { p.close() } }
        let o = try runOnce(plan: plan, explore: false, record: capture != nil)
        if let c = capture, !o.transcript.events.isEmpty {
            _ = try? FindingBook.writeCapture(o.transcript, path: c, serverPort: port, serialLine: pty == nil ? nil : "urpc")
        }
        return o.verdict
    }
}
