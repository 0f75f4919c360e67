import Lifecycle
import Testing
import URPC

/// Several connections to one server: each has its own manifest section; an id unknown on one
/// connection is traced to the other.
@Suite struct ConnectionTests {
    func twoConnections(restartBetween: Bool) -> LeakReport {
        var a = Session()
        a.ver()
        a.im("io", 1)
        a.im("math", 2)                 // frame 6
        var b = Session()
        b.stream = 1
        b.clientPort = 50001
        b.frame = a.frame
        b.ver()
        b.im("sys", restartBetween ? 1 : 3)   // a rebooted server starts again at 1
        b.cm(2, "sqrt", [2.0])          // frame 11: P2 was born on stream 0
        return track((a.segments + b.segments).sorted { $0.frame < $1.frame }).report
    }

    @Test func sharedRegistryAcrossConnections() throws {
        let r = twoConnections(restartBetween: false)
        #expect(r.connections.map(\.stream) == [0, 1])
        #expect(r.connections.map { $0.client?.port } == [50000, 50001])
        #expect(r.connections[0].leakedAtEnd == [1, 2])
        #expect(r.connections[1].born.map(\.id) == [3])
        #expect(r.connections[1].unknownIDs == [2])   // never issued on this connection
        let a = try #require(r.anomalies.first { $0.kind == "unknown-id" })
        #expect(a.severity == .note)
        #expect(a.detail.contains("issued on another connection to the same server (stream 0, frame 6)"))
        #expect(r.text().contains("(stream 1)"))
    }

    @Test func restartBetweenConnections() throws {
        let r = twoConnections(restartBetween: true)
        #expect(r.connections[1].unknownIDs == [2])
        #expect(!r.anomalies.contains { $0.kind == "unknown-id" })
        let a = try #require(r.anomalies.first { $0.kind == "id-restart" })
        #expect(a.stream == 1 && a.proxy == 2 && a.frame == 11)
        #expect(a.detail.contains("born on stream 0 (frame 6) before the server restarted"))
    }
}
