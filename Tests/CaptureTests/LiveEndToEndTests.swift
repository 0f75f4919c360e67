import Foundation
import Testing
@testable import Capture

/// End-to-end tests of `msgdissect -i`, `tap tcp`, `tap serial` and `sniff serial`: the built
/// binaries run as child processes (found next to the test bundle) with urpc-sim as the peer over
/// loopback TCP and pseudo-terminals. Each checks that the saved capture dissects to the same
/// conversation as the live output, and that tshark opens it.
@Suite("Live end to end", .serialized)
struct LiveEndToEndTests {
    /// The build products folder: where the test bundle is.
    static let binaries: URL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        ?? CommandLine.arguments[0]).deletingLastPathComponent()
    static let msgdissect = binaries.appendingPathComponent("msgdissect").path
    static let urpcSim = binaries.appendingPathComponent("urpc-sim").path
    static var haveBinaries: Bool {
        FileManager.default.isExecutableFile(atPath: msgdissect) && FileManager.default.isExecutableFile(atPath: urpcSim)
    }
    static let tshark = ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A child process with its output in files (so nothing blocks on a full pipe).
    final class Child {
        let process = Process()
        let out: String
        let err: String
        init(_ path: String, _ args: [String]) throws {
            out = temporaryPath("out.txt")
            err = temporaryPath("err.txt")
            FileManager.default.createFile(atPath: out, contents: nil)
            FileManager.default.createFile(atPath: err, contents: nil)
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = args
            process.standardOutput = FileHandle(forWritingAtPath: out)
            process.standardError = FileHandle(forWritingAtPath: err)
            try process.run()
        }
        var stdout: String { (try? String(contentsOfFile: out, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOfFile: err, encoding: .utf8)) ?? "" }
        /// Waits until `pattern` (a regex with one capture group) matches stdout or stderr; returns the group.
        func await(_ pattern: String, timeout: Double = 10) -> String? {
            let re = try! NSRegularExpression(pattern: pattern)
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                for text in [stdout, stderr] {
                    if let m = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)),
                       let r = Range(m.range(at: 1), in: text) { return String(text[r]) }
                }
                if !process.isRunning { return nil }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return nil
        }
        func signal(_ s: Int32) { kill(process.processIdentifier, s) }
        /// Waits for the exit (kills after `timeout`); returns the status.
        @discardableResult
        func wait(timeout: Double = 20) -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
            return process.terminationStatus
        }
        deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() } }
    }

    /// Runs a command to completion; returns status and stdout.
    static func run(_ path: String, _ args: [String]) throws -> (status: Int32, out: String, err: String) {
        let c = try Child(path, args)
        let status = c.wait(timeout: 60)
        return (status, c.stdout, c.stderr)
    }

    /// The dissection of a saved capture, as the offline command prints it.
    static func offline(_ path: String, _ extra: [String] = []) throws -> String {
        let r = try run(msgdissect, [path] + extra)
        #expect(r.status == 0, "offline dissection of \(path): \(r.err)")
        return r.out
    }

    /// tshark opens the file: returns the number of frames (nil when tshark is missing).
    static func tsharkFrames(_ path: String, filter: String? = nil) throws -> Int? {
        guard let tshark else { return nil }
        let r = try run(tshark, ["-r", path] + (filter.map { ["-Y", $0] } ?? []))
        #expect(r.status == 0, "tshark -r \(path): \(r.err)")
        return r.out.split(separator: "\n").count
    }

    /// The conversation without frame numbers and times: direction and summary of each line.
    static func conversation(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let cols = line.split(separator: " ", omittingEmptySubsequences: true)
            guard cols.count > 4, Int(cols[0]) != nil else { return nil }
            var text = cols.dropFirst(3).joined(separator: " ")
            // Reply latencies depend on how fast the bytes were played: not part of the conversation.
            if let r = text.range(of: #" \([0-9.]+ (ms|s)\)"#, options: .regularExpression) { text.removeSubrange(r) }
            return text
        }
    }

    static func startServer() throws -> (Child, String) {
        let server = try Child(urpcSim, ["server", "--listen", "127.0.0.1:0"])
        let address = try #require(server.await(#"listening on (127\.0\.0\.1:\d+)"#))
        return (server, address)
    }

    static func startTap(_ upstream: String, _ extra: [String]) throws -> (Child, String) {
        let tap = try Child(msgdissect, ["tap", "tcp", "--listen", "127.0.0.1:0", "--connect", upstream] + extra)
        let address = try #require(tap.await(#"tap listening on (127\.0\.0\.1:\d+)"#))
        return (tap, address)
    }

    @Test("tap tcp: live output = saved capture's dissection; tshark sees a clean TCP session",
          .enabled(if: haveBinaries, "msgdissect and urpc-sim are not built next to the tests"))
    func tapTCP() throws {
        let (server, upstream) = try Self.startServer()
        defer { server.signal(SIGKILL); server.wait() }
        let saved = temporaryPath("tap.pcapng")
        let (tap, address) = try Self.startTap(upstream, ["--once", "-w", saved])
        let client = try Self.run(Self.urpcSim, ["client", "--connect", address, "--scenario", "sockets", "--quiet"])
        #expect(client.status == 0, "\(client.err)")
        #expect(tap.wait() == 0)
        let live = tap.stdout
        #expect(live.contains("cm P2.bind") && live.contains("↳ \"V1\""))
        #expect(try Self.offline(saved) == live)
        #expect(tap.stderr.contains("stopped (connection ended)"))
        if let frames = try Self.tsharkFrames(saved) {
            #expect(frames > 10)
            #expect(try Self.tsharkFrames(saved, filter: "tcp.analysis.flags") == 0) // no retransmission, gap …
        }
    }

    @Test("SIGINT in the middle of a tap leaves a valid capture that dissects like the live output",
          .enabled(if: haveBinaries, "msgdissect and urpc-sim are not built next to the tests"))
    func sigintMidSession() throws {
        let (server, upstream) = try Self.startServer()
        defer { server.signal(SIGKILL); server.wait() }
        let saved = temporaryPath("interrupted.pcap")
        let (tap, address) = try Self.startTap(upstream, ["-w", saved, "--quiet", "--stats"])
        let client = try Child(Self.urpcSim, ["client", "--connect", address, "--scenario", "stress", "--count", "1000000", "--quiet"])
        _ = tap.await(#"(x)"#, timeout: 1.0) // let traffic flow for a second
        tap.signal(SIGINT)
        #expect(tap.wait() == 0)
        client.wait()
        #expect(tap.stderr.contains("stopped (interrupted)"))
        let source = try CaptureSource.open(path: saved)
        let (segments, error) = source.readAll()
        #expect(error == nil)
        #expect(segments.count > 100)
        #expect(try Self.offline(saved, ["--quiet", "--stats"]) == tap.stdout)
        if let frames = try Self.tsharkFrames(saved) { #expect(frames == source.framesRead) }
    }

    @Test("-c counts printed messages: the tap stops after exactly that many and the file stays valid",
          .enabled(if: haveBinaries, "msgdissect and urpc-sim are not built next to the tests"))
    func countLimit() throws {
        let (server, upstream) = try Self.startServer()
        defer { server.signal(SIGKILL); server.wait() }
        let saved = temporaryPath("count.pcapng")
        let (tap, address) = try Self.startTap(upstream, ["-c", "3", "-w", saved])
        _ = try Self.run(Self.urpcSim, ["client", "--connect", address, "--scenario", "basic", "--quiet", "--timeout", "1"])
        #expect(tap.wait() == 0)
        #expect(tap.stdout.split(separator: "\n").count == 3)
        #expect(tap.stderr.contains("count of 3 messages reached"))
        #expect(try CaptureSource.open(path: saved).readAll().error == nil)
    }

    @Test("tap tcp --leaks prints the leak report of a leaky client",
          .enabled(if: haveBinaries, "msgdissect and urpc-sim are not built next to the tests"))
    func tapLeaks() throws {
        let (server, upstream) = try Self.startServer()
        defer { server.signal(SIGKILL); server.wait() }
        let (tap, address) = try Self.startTap(upstream, ["--once", "--leaks", "--quiet"])
        let client = try Self.run(Self.urpcSim, ["client", "--connect", address, "--scenario", "leaky", "--quiet"])
        #expect(client.status == 0)
        #expect(tap.wait() == 0)
        #expect(tap.stdout.contains("ERROR: ProxyLeakSanitizer: detected"))
        #expect(tap.stdout.contains("SUMMARY: ProxyLeakSanitizer"))
    }

    @Test("--leaks --every N prints periodic reports while the connection is open",
          .enabled(if: haveBinaries, "msgdissect and urpc-sim are not built next to the tests"))
    func periodicLeaks() throws {
        let (server, upstream) = try Self.startServer()
        defer { server.signal(SIGKILL); server.wait() }
        let (tap, address) = try Self.startTap(upstream, ["--leaks", "--every", "0.3", "--quiet"])
        let client = try Self.run(Self.urpcSim, ["client", "--connect", address, "--scenario", "leaky", "--quiet"])
        #expect(client.status == 0)
        _ = tap.await(#"(leak report after \d+ s)"#, timeout: 3)
        tap.signal(SIGTERM)
        #expect(tap.wait() == 0)
        let reports = tap.stdout.components(separatedBy: "--- leak report after").count - 1
        #expect(reports >= 1)
        #expect(tap.stdout.components(separatedBy: "SUMMARY: ProxyLeakSanitizer").count - 1 == reports + 1)
    }

    @Test("tap serial: the device vanishing ends the run with a message, status 1 and a valid file",
          .enabled(if: haveBinaries, "msgdissect and urpc-sim are not built next to the tests"))
    func serialDeviceVanishes() throws {
        let device = try Child(Self.urpcSim, ["server", "--pty"])
        let devicePath = try #require(device.await(#"(/dev/pts/\d+)"#))
        let saved = temporaryPath("vanish.pcapng")
        let tap = try Child(Self.msgdissect, ["tap", "serial", "--device", devicePath, "-w", saved])
        let hostPath = try #require(tap.await(#"host side: (/dev/pts/\d+)"#))
        let client = try Self.run(Self.urpcSim, ["client", "--pty", hostPath, "--scenario", "basic", "--quiet"])
        #expect(client.status == 0)
        device.signal(SIGKILL)
        device.wait()
        #expect(tap.wait(timeout: 5) == 1)
        #expect(tap.stderr.contains("serial device \(devicePath) vanished"))
        #expect(tap.stderr.contains("stopped (device failed)"))
        #expect(try Self.offline(saved) == tap.stdout)
    }

    @Test("tap serial between urpc-sim on a pty and a client on the tap's pty; stopped with SIGTERM",
          .enabled(if: haveBinaries, "msgdissect and urpc-sim are not built next to the tests"))
    func tapSerial() throws {
        let device = try Child(Self.urpcSim, ["server", "--pty"])
        defer { device.signal(SIGKILL); device.wait() }
        let devicePath = try #require(device.await(#"(/dev/pts/\d+)"#))
        let saved = temporaryPath("serial.pcapng")
        let tap = try Child(Self.msgdissect, ["tap", "serial", "--device", devicePath, "--baud", "1000000",
                                               "--stop-bits", "2", "--rtscts", "-w", saved])
        let hostPath = try #require(tap.await(#"host side: (/dev/pts/\d+)"#))
        let client = try Self.run(Self.urpcSim, ["client", "--pty", hostPath, "--scenario", "basic", "--quiet"])
        #expect(client.status == 0, "\(client.err)")
        tap.signal(SIGTERM)
        #expect(tap.wait() == 0)
        let live = tap.stdout
        #expect(live.contains("C>S  ver"))
        #expect(try Self.offline(saved) == live)
        if let n = try Self.tsharkFrames(saved, filter: "exported_pdu.p2p_dir == 1") { #expect(n > 0) } // device → host records
    }

    @Test("sniff serial: two receive-only lines carrying a recorded conversation dissect to it",
          .enabled(if: haveBinaries, "msgdissect and urpc-sim are not built next to the tests"))
    func sniffSerial() throws {
        let reference = sharedCapture("urpc_a_basic_session.pcap")
        try #require(FileManager.default.fileExists(atPath: reference))
        var txLine = try PseudoTerminal()
        var rxLine = try PseudoTerminal()
        defer { txLine.close(); rxLine.close() }
        let saved = temporaryPath("sniff.pcapng")
        let sniffer = try Child(Self.msgdissect, ["sniff", "serial", "--rx", rxLine.slavePath, "--tx", txLine.slavePath,
                                                  "--baud", "230400", "-w", saved])
        _ = try #require(sniffer.await(#"(sniffing)"#))
        // Play the reference conversation onto the two lines, each direction on its own line. The
        // two lines are independent: only time orders them, so a turn goes out once the sniffer has
        // printed the message of the turn before (a fixed pause is not enough on a busy machine).
        var lastSide: StreamSide?
        for seg in try CaptureSource.open(path: reference).readAll().segments where seg.stream == 0 {
            guard case let .bytes(b) = seg.payload else { continue }
            if seg.side != lastSide {
                let lines = sniffer.stdout.split(separator: "\n").count
                let deadline = Date().addingTimeInterval(lastSide == nil ? 0 : 3)
                while sniffer.stdout.split(separator: "\n").count <= lines, Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
                Thread.sleep(forTimeInterval: 0.02)
            }
            lastSide = seg.side
            let fd = seg.side == .a ? txLine.masterFD : rxLine.masterFD
            _ = b.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        Thread.sleep(forTimeInterval: 0.3)
        sniffer.signal(SIGINT)
        #expect(sniffer.wait() == 0)
        let expected = Self.conversation(try Self.offline(reference, ["--stream", "0"]))
        #expect(!expected.isEmpty)
        #expect(Self.conversation(sniffer.stdout) == expected)
        #expect(try Self.offline(saved) == sniffer.stdout)
    }

    static var canCaptureOnLoopback: Bool {
        (try? LiveCapture(options: .init(interface: "lo"))) != nil
    }

    @Test("msgdissect -i lo --port P: live output = saved capture's dissection",
          .enabled(if: haveBinaries && canCaptureOnLoopback, "binaries missing or capture on lo not permitted"))
    func liveLoopback() throws {
        let (server, upstream) = try Self.startServer()
        defer { server.signal(SIGKILL); server.wait() }
        let port = String(upstream.split(separator: ":").last!)
        let saved = temporaryPath("live.pcapng")
        let capture = try Child(Self.msgdissect, ["-i", "lo", "--port", port, "-w", saved])
        _ = try #require(capture.await(#"(capturing on lo)"#))
        let client = try Self.run(Self.urpcSim, ["client", "--connect", upstream, "--scenario", "readinto", "--quiet"])
        #expect(client.status == 0)
        Thread.sleep(forTimeInterval: 0.3)
        capture.signal(SIGINT)
        #expect(capture.wait() == 0)
        #expect(capture.stdout.contains("C>S  ver"))
        #expect(try Self.offline(saved, ["--port", port]) == capture.stdout)
        if let frames = try Self.tsharkFrames(saved) { #expect(frames > 10) }
    }

    @Test("msgdissect -i names a missing interface and exits 2",
          .enabled(if: haveBinaries, "msgdissect is not built next to the tests"))
    func missingInterface() throws {
        let r = try Self.run(Self.msgdissect, ["-i", "nosuchif0"])
        #expect(r.status == 2)
        #expect(r.err.contains("no such interface 'nosuchif0'"))
    }
}
