import Capture
import Lifecycle
import MessagePack
import Testing
import URPC

/// Lifecycle events follow the server's processing order, and a registry dump is the server's own
/// word on what is live (issue: pipelined releases, captures that start mid-session).
@Suite struct ServerOrderTests {
    @Test func pipelinedReleaseBeforeTheBirthReplyIsARelease() throws {
        var s = Session()
        s.ver()
        s.im("io", 3)
        // cm P3.BytesIO(b"abcd"), ri P4 4 and _d P4 in one write, before the reply that issues P4.
        let e = Encoder(dialect: .device)
        var write: [UInt8] = []
        write += try e.encode(["cm", Session.proxy(3), "BytesIO", .array([.binary([1, 2, 3, 4])]), .map([])])
        write += try e.encode(["ri", Session.proxy(4), 4])
        write += try e.encode(Session.release(4))
        s.bytes(write, clientToServer: true)
        s.reply(Session.proxy(4))
        s.bytes([0x04, 1, 2, 3, 4, 0xc0], clientToServer: false)   // ri: count 4, raw bytes, nil
        s.reply(.nil)                                             // the _d's answer
        let (r, _) = track(s.segments)
        let p4 = try #require(r.records.first { $0.id == 4 })
        #expect(p4.fate == .released)
        #expect(p4.release?.answered == true)
        let c = try #require(r.connections.first)
        #expect(c.released.map(\.id) == [4])
        #expect(c.released.first?.processedByServer == true)
        #expect(!c.leakedAtEnd.contains(4))
        let aboutP4 = r.anomalies.filter { $0.proxy == 4 }
        #expect(!aboutP4.isEmpty)
        #expect(aboutP4.allSatisfy { $0.severity <= .note }, "\(aboutP4)")
        #expect(!r.anomalies.contains { $0.is(.leaked) && $0.proxy == 4 })
    }

    @Test func registryDumpSettlesProxiesBornBeforeTheCapture() throws {
        var s = Session()   // no ver: the capture starts inside a session
        s.cm(7, "read", returns: "data")
        s.drop(8)
        s.re([7, 9])
        let (r, _) = track(s.segments)
        func record(_ id: UInt32) throws -> ProxyRecord { try #require(r.records.first { $0.id == id }) }
        #expect(try record(7).fate == .leaked && record(7).bornBeforeCapture)
        #expect(try record(9).fate == .leaked && record(9).bornBeforeCapture)
        #expect(try record(8).fate == .released && record(8).bornBeforeCapture)
        #expect(!r.anomalies.contains { $0.is(.registryMismatch) })
        #expect(!r.anomalies.contains { $0.is(.unknownID) })
        #expect(Set(r.anomalies.filter { $0.is(.leaked) }.compactMap(\.proxy)) == [7, 9])
        #expect(r.connections.first?.leakedAtEnd == [7, 9])
        let json = r.json()
        #expect(json.contains("\"born_before_capture\":true"))
        #expect(r.text().contains("born before the capture began"))
    }

    @Test func aReleaseAfterTheDumpIsStillARelease() throws {
        var s = Session()
        s.cm(7, "read", returns: "data")
        s.re([7])
        s.drop(7)
        let (r, _) = track(s.segments)
        let p7 = try #require(r.records.first { $0.id == 7 })
        #expect(p7.fate == .released && p7.bornBeforeCapture)
        #expect(!r.anomalies.contains { $0.is(.leaked) })
    }
}
