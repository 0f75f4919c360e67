import Foundation
import Testing
@testable import Capture

/// Engine tests of the live sources with real loopback sockets, pseudo-terminals and libpcap.
@Suite("Live sources", .serialized)
struct LiveSourceTests {
    // MARK: helpers

    /// Hands a source to its background thread (used by one thread at a time).
    struct Handoff<T>: @unchecked Sendable { let value: T }

    /// A loopback server on a free port that answers each read with the bytes reversed, once per
    /// read, until the client closes.
    final class ReversingServer: @unchecked Sendable {
        let fd: Int32
        let port: UInt16
        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            let listening = rc == 0 && listen(fd, 4) == 0
            port = SocketAddress.of(fd, peer: false)?.port ?? 0
            try #require(listening)
            Thread.detachNewThread { [fd] in
                let c = accept(fd, nil, nil)
                guard c >= 0 else { return }
                var buf = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = read(c, &buf, buf.count)
                    if n <= 0 { break }
                    let reply = Array(buf[0..<n].reversed())
                    _ = reply.withUnsafeBytes { write(c, $0.baseAddress, $0.count) }
                }
                close(c)
            }
        }
        deinit { close(fd) }
    }

    static func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = port.bigEndian
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(rc == 0)
        return fd
    }

    /// Reads exactly `count` bytes (fails after 5 s).
    static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(5)
        while out.count < count && Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let n = read(fd, &buf, min(buf.count, count - out.count))
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return out
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Collects segments from a background source thread.
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [StreamSegment] = []
        func add(_ s: [StreamSegment]) { lock.lock(); items += s; lock.unlock() }
        var all: [StreamSegment] { lock.lock(); defer { lock.unlock() }; return items }
    }

    /// Segments without the fields a replay cannot know the same way (none: everything must match).
    static func bytes(_ segments: [StreamSegment], _ side: StreamSide) -> [UInt8] {
        segments.filter { $0.side == side }.flatMap { s -> [UInt8] in
            if case let .bytes(b) = s.payload { return b }
            return []
        }
    }

    // MARK: TCP tap

    @Test("TCP tap relays both directions unchanged and its recording replays to the same segments")
    func tcpTapRelaysAndRecords() throws {
        let server = try ReversingServer()
        let tap = try TCPTap(listen: "127.0.0.1:0", connect: "127.0.0.1:\(server.port)")
        let path = temporaryPath("tap.pcapng")
        let stop = LiveStop()
        let collected = Collected()
        let done = DispatchSemaphore(value: 0)
        let h = Handoff(value: tap)
        Thread.detachNewThread {
            let tap = h.value
            var session: TCPTapSession?
            tap.run(stop: stop, maxConnections: 1) { event in
                switch event {
                case let .connected(n, c, s, t):
                    session = TCPTapSession(stream: n, client: c, server: s, start: t, saveTo: path)
                    collected.add([session!.openedSegment])
                case let .chunk(_, c): collected.add(session!.chunk(c))
                case let .closed(_, reset, t): collected.add(session!.close(time: t, reset: reset))
                case .upstreamFailed: break
                }
            }
            done.signal()
        }
        let client = try Self.connect(port: tap.listenAddress.port)
        var sent: [UInt8] = []
        var received: [UInt8] = []
        for i in 0..<20 {
            let msg = (0..<(1 + i * 37)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i) }
            Self.send(client, msg)
            let reply = Self.readExactly(client, msg.count)
            #expect(reply == msg.reversed())
            sent += msg
            received += reply
        }
        close(client)
        #expect(done.wait(timeout: .now() + 5) == .success)
        let live = collected.all
        #expect(Self.bytes(live, .a) == sent)
        #expect(Self.bytes(live, .b) == received)
        #expect(tap.bytesRelayed[.a] == sent.count && tap.bytesRelayed[.b] == received.count)
        let replay = try readSegments(path)
        #expect(replay.error == nil)
        #expect(replay.segments == live)
        #expect(replay.source.streams.first?.b.port == server.port)
    }

    @Test("TCP tap reports an unreachable server and drops the client")
    func tcpTapUpstreamRefused() throws {
        // A port bound but not listening: connecting to it is refused.
        let bound = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(bound) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(bound, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let deadPort = try #require(SocketAddress.of(bound, peer: false)?.port)
        let tap = try TCPTap(listen: "127.0.0.1:0", connect: "127.0.0.1:\(deadPort)")
        let stop = LiveStop()
        nonisolated(unsafe) var reasons: [String] = []
        let done = DispatchSemaphore(value: 0)
        let h = Handoff(value: tap)
        Thread.detachNewThread {
            h.value.run(stop: stop) { event in
                if case let .upstreamFailed(_, reason) = event { reasons.append(reason); stop.request() }
            }
            done.signal()
        }
        let client = try Self.connect(port: tap.listenAddress.port)
        #expect(done.wait(timeout: .now() + 5) == .success)
        var b: UInt8 = 0
        #expect(read(client, &b, 1) == 0) // closed by the tap
        close(client)
        #expect(reasons.count == 1 && reasons[0].contains("cannot connect"))
    }

    // MARK: serial

    @Test("Serial tap relays between a pty device and the host pty, and its capture replays to the same segments")
    func serialTapRelays() throws {
        var device = try PseudoTerminal()      // the test plays the device on the master end
        defer { device.close() }
        let tap = try SerialTap(device: device.slavePath, settings: SerialSettings(baud: 1_000_000, stopBits: 2))
        let host = open(tap.hostPath, O_RDWR | O_NOCTTY)
        try #require(host >= 0)
        defer { close(host) }
        let path = temporaryPath("serial.pcapng")
        let session = SerialSession(lineName: device.slavePath, saveTo: path)
        let stop = LiveStop()
        let collected = Collected()
        let done = DispatchSemaphore(value: 0)
        let h = Handoff(value: (tap, session))
        Thread.detachNewThread {
            let (tap, session) = h.value
            _ = tap.run(stop: stop) { collected.add(session.chunk($0)) }
            session.close()
            done.signal()
        }
        var toDevice: [UInt8] = []
        var toHost: [UInt8] = []
        for i in 0..<10 {
            let request = (0..<(3 + i * 50)).map { UInt8(truncatingIfNeeded: $0 + i) }
            Self.send(host, request)
            #expect(Self.readExactly(device.masterFD, request.count) == request)
            let reply = Array(request.reversed().prefix(1 + i))
            Self.send(device.masterFD, reply)
            #expect(Self.readExactly(host, reply.count) == reply)
            toDevice += request
            toHost += reply
        }
        stop.request()
        #expect(done.wait(timeout: .now() + 5) == .success)
        let live = collected.all
        #expect(Self.bytes(live, .a) == toDevice)
        #expect(Self.bytes(live, .b) == toHost)
        let replay = try readSegments(path)
        #expect(replay.error == nil)
        #expect(replay.segments == live)
    }

    @Test("Serial tap names the device when it vanishes, and the capture keeps what was relayed")
    func serialTapDeviceVanishes() throws {
        var device = try PseudoTerminal()
        let tap = try SerialTap(device: device.slavePath, settings: SerialSettings(baud: 230_400))
        let path = temporaryPath("vanish.pcapng")
        let session = SerialSession(lineName: "dev", saveTo: path)
        let stop = LiveStop()
        nonisolated(unsafe) var failure: CaptureError?
        let done = DispatchSemaphore(value: 0)
        let h = Handoff(value: (tap, session))
        Thread.detachNewThread {
            let (tap, session) = h.value
            failure = tap.run(stop: stop) { _ = session.chunk($0) }
            session.close()
            done.signal()
        }
        Self.send(device.masterFD, [0xA2, 0x56, 0x31])
        Thread.sleep(forTimeInterval: 0.2)
        device.close()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(failure?.description.contains("vanished") == true)
        let replay = try readSegments(path)
        #expect(replay.error == nil)
        #expect(Self.bytes(replay.segments, .b) == [0xA2, 0x56, 0x31])
    }

    @Test("A stop request ends the serial tap even while the host is not reading")
    func stopWhileHostStalls() throws {
        var device = try PseudoTerminal()
        defer { device.close() }
        let tap = try SerialTap(device: device.slavePath, settings: SerialSettings(baud: 1_000_000))
        let stop = LiveStop()
        let done = DispatchSemaphore(value: 0)
        let h = Handoff(value: tap)
        Thread.detachNewThread {
            _ = h.value.run(stop: stop) { _ in }
            done.signal()
        }
        // Nobody opened the host side: the tap's writes to it fill the pty and would block.
        _ = fcntl(device.masterFD, F_SETFL, fcntl(device.masterFD, F_GETFL) | O_NONBLOCK)
        let block = [UInt8](repeating: 0x55, count: 4096)
        for _ in 0..<64 { _ = block.withUnsafeBytes { write(device.masterFD, $0.baseAddress, $0.count) } }
        Thread.sleep(forTimeInterval: 0.3)
        let asked = Date()
        stop.request()
        #expect(done.wait(timeout: .now() + 3) == .success)
        #expect(Date().timeIntervalSince(asked) < 1)
    }

    @Test("Serial sniffer reads both lines without writing, merged in time order")
    func serialSniffer() throws {
        var txLine = try PseudoTerminal()
        var rxLine = try PseudoTerminal()
        defer { txLine.close(); rxLine.close() }
        let sniffer = try SerialSniffer(rx: rxLine.slavePath, tx: txLine.slavePath, settings: SerialSettings(baud: 230_400))
        let session = SerialSession(lineName: "sniff")
        let stop = LiveStop()
        let collected = Collected()
        let done = DispatchSemaphore(value: 0)
        let h = Handoff(value: (sniffer, session))
        Thread.detachNewThread {
            let (sniffer, session) = h.value
            _ = sniffer.run(stop: stop) { collected.add(session.chunk($0)) }
            done.signal()
        }
        var expected: [(StreamSide, [UInt8])] = []
        for i in 0..<8 {
            let line = i % 2 == 0 ? txLine : rxLine
            let bytes = [UInt8](repeating: UInt8(i), count: 10 + i)
            Self.send(line.masterFD, bytes)
            expected.append((i % 2 == 0 ? .a : .b, bytes))
            // The next write goes out once this one has been read (a busy machine may take longer
            // than any fixed pause), so the true order of arrival is the order of the writes.
            let deadline = Date().addingTimeInterval(5)
            while collected.all.filter({ if case .bytes = $0.payload { return true } else { return false } }).count < i + 1,
                  Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        }
        Thread.sleep(forTimeInterval: 0.1)
        stop.request()
        #expect(done.wait(timeout: .now() + 5) == .success)
        let live = collected.all.filter { if case .bytes = $0.payload { return true } else { return false } }
        #expect(live.map(\.side) == expected.map(\.0))
        #expect(zip(live, expected).allSatisfy { $0.payload == .bytes($1.1) })
        #expect(zip(live, live.dropFirst()).allSatisfy { $0.time <= $1.time })
        // Nothing was written to either line.
        for line in [txLine, rxLine] {
            var p = pollfd(fd: line.masterFD, events: Int16(POLLIN), revents: 0)
            #expect(poll(&p, 1, 50) == 0)
        }
    }

    // MARK: libpcap

    @Test("Live capture names a missing interface")
    func missingInterface() {
        #expect {
            _ = try LiveCapture(options: .init(interface: "nosuchif0"))
        } throws: { ($0 as? CaptureError)?.description.contains("nosuchif0") == true }
    }

    static var canCaptureOnLoopback: Bool {
        (try? LiveCapture(options: .init(interface: "lo"))) != nil
    }

    @Test("Live capture on lo reassembles a loopback conversation and saves the same frames",
          .enabled(if: canCaptureOnLoopback, "capture on lo is not permitted here"))
    func liveCaptureOnLoopback() throws {
        // A capture point may drop packets when the machine is flooded (other tests push traffic
        // through lo at the same time, and libpcap's capture is best effort): a run whose kernel
        // counters or byte totals show a loss is tried again, up to three times; the third must pass.
        for attempt in 1...3 {
            let run = try loopbackRun()
            let complete = run.live.a == run.sent && run.live.b.count == run.sent.count
            if complete || attempt == 3 {
                #expect(run.live.a == run.sent)
                #expect(run.live.b.count == run.sent.count, "kernel counters: \(String(describing: run.counters))")
                #expect(run.replayError == nil)
                #expect(run.replayMatches)
                #expect(run.allSaved)
                return
            }
        }
    }

    private struct LoopbackRun {
        var sent: [UInt8]
        var live: (a: [UInt8], b: [UInt8])
        var counters: Any?
        var replayError: CaptureError?
        var replayMatches: Bool
        var allSaved: Bool
    }

    private func loopbackRun() throws -> LoopbackRun {
        let server = try ReversingServer()
        let capture = try LiveCapture(options: .init(interface: "lo", filter: "tcp port \(server.port)"))
        let path = temporaryPath("live.pcap")
        try capture.save(to: path, format: .pcap)
        let client = try Self.connect(port: server.port)
        var sent: [UInt8] = []
        for i in 0..<5 {
            let msg = [UInt8](repeating: UInt8(0x30 + i), count: 100 * (i + 1))
            Self.send(client, msg)
            _ = Self.readExactly(client, msg.count)
            sent += msg
        }
        close(client)
        var live: [StreamSegment] = []
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let (_, segs) = try capture.next() { live += segs }
            if live.filter({ if case .closed = $0.payload { return true } else { return false } }).count == 2 { break }
            if Self.bytes(live, .a).count == sent.count && Self.bytes(live, .b).count == sent.count {
                Thread.sleep(forTimeInterval: 0.2)   // let the closing packets in too
                if let (_, segs) = try capture.next() { live += segs }
                break
            }
        }
        let counters = capture.kernelCounters()
        live += try capture.finish()
        let replay = try readSegments(path)
        return LoopbackRun(sent: sent, live: (Self.bytes(live, .a), Self.bytes(live, .b)), counters: counters,
                           replayError: replay.error, replayMatches: replay.segments == live,
                           allSaved: capture.framesSaved == capture.framesCaptured)
    }
}
