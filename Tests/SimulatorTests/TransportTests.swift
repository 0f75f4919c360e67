import Foundation
import Testing
import Capture
import MessagePack
@testable import Simulator

/// Server and client over real transports: loopback TCP and a pseudo-terminal pair (openpty).
@Suite struct TransportTests {
    /// Starts a session serving the master end of a new pty on a background thread.
    static func ptyServer(options: SimulatorOptions = SimulatorOptions()) throws -> PseudoTerminal {
        let pty = try PseudoTerminal()
        let master = pty.masterFD
        // The serving thread closes the master when the slave side is gone (EIO), so the
        // descriptor is never closed under it.
        let t = Thread {
            SimulatorServer.serve(fd: master, session: DeviceSession(options: options))
            close(master)
        }
        t.start()
        return pty
    }

    @Test func basicScenarioOverAPseudoTerminal() throws {
        var pty = try Self.ptyServer()
        defer { pty.closeSlave() }
        #expect(pty.slavePath.hasPrefix("/dev/pts/"))
        let link = try ClientLink.tty(path: pty.slavePath)
        defer { link.close() }
        let result = try ScenarioRunner.run(.basic, client: ScenarioClient(link: link, scenario: "basic"))
        #expect(result.truth.leaked == [1, 2, 3, 4])
        #expect(result.truth.released == [5, 6])
        #expect(result.lines.contains("sqrt(2) = 1.4142135f"))
    }

    @Test func piecewiseReadintoOverAPseudoTerminal() throws {
        var pty = try Self.ptyServer()
        defer { pty.closeSlave() }
        let link = try ClientLink.tty(path: pty.slavePath)
        defer { link.close() }
        link.piecewise = true
        let result = try ScenarioRunner.run(.readinto, client: ScenarioClient(link: link, scenario: "readinto"))
        #expect(result.lines.contains("ri 600 -> 512 bytes"))
        #expect(result.lines.contains("ri 600 -> 199 bytes"))
        #expect(result.truth.released == [2])
    }

    @Test(arguments: [230_400, 1_000_000, 250_000])
    func serialPortSettingsOnAPty(baud: Int) throws {
        var pty = try PseudoTerminal()
        defer { pty.close() }
        let port = try SerialPort(path: pty.slavePath, settings: SerialSettings(baud: baud, stopBits: 2))
        defer { port.close() }
        if let constant = SerialPort.speedConstant(baud) {
            #expect(port.currentOutputSpeed() == constant)
        }
    }

    @Test func missingSerialDeviceIsAClearError() {
        #expect(throws: SerialError.openFailed(path: "/dev/urpc-sim-missing", errno: ENOENT)) {
            _ = try SerialPort(path: "/dev/urpc-sim-missing")
        }
    }

    @Test func portInUseAndNonLoopbackAreRefused() throws {
        let a = try SimulatorServer(address: LoopbackAddress(host: "127.0.0.1", port: 0))
        defer { a.stop() }
        #expect(throws: TransportError.portInUse(host: "127.0.0.1", port: a.port)) {
            _ = try SimulatorServer(address: LoopbackAddress(host: "127.0.0.1", port: a.port))
        }
        #expect(throws: AddressError.notLoopback("192.168.1.10")) {
            _ = try LoopbackAddress(parsing: "192.168.1.10:7000")
        }
        #expect(try LoopbackAddress(parsing: "[::1]:7000").host == "::1")
    }

    @Test func piecewiseClientWritesAreHeaderAndPayloadPieces() {
        let msg: [UInt8] = [0x92, 0xa2, 0x69, 0x6d, 0xa8, 0x72, 0x70, 0x63, 0x5f, 0x74, 0x65, 0x73, 0x74]
        #expect(ClientLink.pieces(msg) == [[0x92], [0xa2], [0x69, 0x6d], [0xa8], Array("rpc_test".utf8)])
        #expect(ClientLink.pieces([0x92, 0xa2, 0x5f, 0x64, 0xc4, 0x04, 0, 0, 0, 6]) == [[0x92], [0xa2], [0x5f, 0x64], [0xc4], [0x04], [0, 0, 0, 6]])
    }
}

/// Every scenario against an in-process server over loopback TCP, with its ground truth.
@Suite struct ScenarioTests {
    static func play(_ s: Scenario, options: SimulatorOptions = SimulatorOptions(), leaky: Bool = false,
                     piecewise: Bool = false, count: Int = 200) throws -> ScenarioResult {
        let server = try SimulatorServer(address: LoopbackAddress(host: "127.0.0.1", port: 0), options: options)
        server.start()
        defer { server.stop() }
        let link = try ClientLink.tcp(LoopbackAddress(host: "127.0.0.1", port: server.port))
        defer { link.close() }
        link.piecewise = piecewise
        link.timeout = 2
        return try ScenarioRunner.run(s, client: ScenarioClient(link: link, scenario: s.rawValue, leaky: leaky), count: count)
    }

    @Test func basic() throws {
        let r = try Self.play(.basic, piecewise: true)
        #expect(r.truth.proxies.map(\.bornBy) == ["im rpc_test", "cm RPC_Test", "im math", "im io", "cm RPC_Test", "cm BytesIO"])
        #expect(r.truth.leaked == [1, 2, 3, 4])
        #expect(r.truth.released == [5, 6])
        #expect(r.truth.requests == 29)
        #expect(r.lines.last == "registry = {4: \"<module 'uio'>\", 1: \"<module 'rpc_test' from 'rpc_test.py'>\", 2: \"<RPC_Test object at 9759e10>\", 3: \"<module 'math'>\"}")
    }

    @Test func leakyClientNeverReleases() throws {
        let r = try Self.play(.leaky)
        #expect(r.truth.released.isEmpty)
        #expect(r.truth.leaked == Array(1...10))
        // The final registry dump lists every proxy ever issued.
        #expect(r.lines.last?.hasPrefix("registry = {10: ") == true)
    }

    @Test func socketsWithAReleaseDuringAReply() throws {
        let r = try Self.play(.sockets)
        #expect(r.truth.anomalies == [GroundTruth.Anomaly(kind: "release-during-reply", id: 4, detail: nil)])
        #expect(r.truth.proxies.first { $0.id == 4 }?.bornBy == "cm accept")
        #expect(r.truth.released == [2, 3, 4, 6])
        #expect(r.truth.leaked == [1, 5])
        #expect(r.lines.contains("recv -> bin(68656c6c6f)"))
        #expect(r.lines.contains("ri -> 70 6f 6e 67 21"))
    }

    @Test func errorsAreRepliedAndTheSessionGoesOn() throws {
        let r = try Self.play(.errors)
        #expect(r.truth.anomalies.map(\.kind) == Array(repeating: "error-reply", count: 6))
        #expect(r.lines.contains("ver after the errors -> \"V1\""))
    }

    @Test func legacyErrorsKillTheServer() throws {
        let r = try Self.play(.errors, options: SimulatorOptions(errorMode: .legacy))
        #expect(r.truth.anomalies.map(\.kind) == ["raw-traceback", "server-dead"])
    }

    @Test func stressCountsCalls() throws {
        let r = try Self.play(.stress, count: 300)
        #expect(r.truth.requests == 303)
        #expect((r.callsPerSecond ?? 0) > 0)
    }

    @Test func truthJSONHasTheDocumentedShape() throws {
        let r = try Self.play(.sockets)
        let obj = try JSONSerialization.jsonObject(with: Data(r.truth.json.utf8)) as! [String: Any]
        #expect(obj["scenario"] as? String == "sockets")
        let proxies = try #require(obj["proxies"] as? [[String: Any]])
        #expect(proxies.first?["id"] as? Int == 1)
        #expect(proxies.first?["born_by"] as? String == "im socket")
        #expect(proxies.first?["fate"] as? String == "leaked")
        #expect(proxies.first?["released"] as? Bool == false)
        #expect(obj["leaked"] as? [Int] == [1, 5])
        #expect(obj["released"] as? [Int] == [2, 3, 4, 6])
        let anomalies = try #require(obj["anomalies"] as? [[String: Any]])
        #expect(anomalies.first?["kind"] as? String == "release-during-reply")
        #expect(anomalies.first?["id"] as? Int == 4)
    }
}
