import Lifecycle
import MessagePack
import Testing
import URPC

/// Each anomaly kind from hand-built byte streams (device encoder → segments → dissector → tracker).
@Suite struct AnomalyTests {
    func kinds(_ r: LeakReport) -> [String] { r.anomalies.map(\.kind) }

    @Test func leaksAreGroupedByCreatingCall() throws {
        var s = Session()
        s.ver()
        s.im("socket", 1)
        s.cm(1, "socket", returns: Session.proxy(2))   // frame 6
        s.cm(1, "socket", returns: Session.proxy(3))   // frame 8
        s.cm(1, "socket", returns: Session.proxy(4))   // frame 10
        s.drop(2)
        s.cm(3, "close")
        let (r, _) = track(s.segments)
        let c = try #require(r.connections.first)
        #expect(c.leakedAtEnd == [1, 3, 4])
        #expect(c.released.map(\.id) == [2])
        #expect(c.released.first?.processedByServer == true)
        #expect(r.records.map(\.fate) == [.leaked, .released, .leaked, .leaked])
        #expect(kinds(r) == ["leaked", "leaked", "leaked"])
        let groups = r.leakGroups
        #expect(groups.map(\.creator) == ["cm P1.socket()", "im socket"])
        #expect(groups.first?.members.count == 2)
        let text = r.text()
        #expect(text.contains("2 proxies leaked, created by cm P1.socket() at frames 8, 10"))
        #expect(text.contains("1 proxy leaked, created by im socket at frame 4"))
        #expect(text.contains("last use frame 13 (cm)"))
        #expect(r.summaryLine == "4 proxies: 1 released, 3 leaked (2 groups); other anomalies: none")
        #expect(r.has(kinds: ["leaked"]))
        #expect(!r.has(kinds: ["double-release"]))
    }

    @Test func doubleRelease() throws {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.drop(1)
        s.drop(1)   // frames 7, 8
        let (r, _) = track(s.segments)
        let c = try #require(r.connections.first)
        #expect(c.released.map(\.msg) == [4])
        #expect(c.doubleReleases.map { [$0.id, UInt32($0.msg), UInt32($0.frame)] } == [[1, 6, 7]])
        #expect(c.leakedAtEnd.isEmpty)
        #expect(kinds(r) == ["double-release"])
        #expect(r.anomalies.first?.frame == 7)
        #expect(r.has(kinds: ["double-release"]))
    }

    @Test func useAfterRelease() throws {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.drop(1)
        s.send(["_s", Session.proxy(1)])   // frame 7
        s.reply("None")
        let (r, _) = track(s.segments)
        let c = try #require(r.connections.first)
        #expect(c.usesAfterRelease.map { [$0.id, UInt32($0.msg), UInt32($0.frame)] } == [[1, 6, 7]])
        #expect(c.usesAfterRelease.first?.cmd == "_s")
        #expect(kinds(r) == ["use-after-release"])
        #expect(r.records.first?.fate == .released)
    }

    @Test func unknownIdBeforeTheCaptureBegan() throws {
        var s = Session()   // no ver: the capture started inside a session
        s.cm(7, "read")
        s.drop(8)
        let (r, _) = track(s.segments)
        let c = try #require(r.connections.first)
        #expect(c.unknownIDs == [7, 8])
        #expect(c.used.map(\.id) == [7])
        #expect(c.released.isEmpty)
        #expect(kinds(r) == ["unknown-id", "unknown-id"])
        #expect(r.anomalies.allSatisfy { $0.detail.contains("before the capture began") && $0.severity == .note })
        #expect(r.records.allSatisfy { $0.fate == .unknown })
    }

    @Test func unknownIdAfterTheHandshakeIsInvalid() throws {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.cm(9, "read")
        let (r, _) = track(s.segments)
        #expect(r.connections.first?.unknownIDs == [9])
        let a = try #require(r.anomalies.first { $0.kind == "unknown-id" })
        #expect(a.detail.contains("invalid"))
        #expect(a.severity == .error)
        #expect(a.frame == 5)
    }

    @Test func idRestartInTheMiddleOfACapture() throws {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.cm(1, "BytesIO", returns: Session.proxy(2))
        s.cm(2, "read")
        // The server reboots: the client says hello again and ids start at 1.
        s.ver()
        s.im("io", 1)            // frame 12: restart detected
        s.cm(2, "read")          // frame 13: stale P2 of the old boot
        s.cm(1, "BytesIO", returns: Session.proxy(2))
        s.cm(2, "read")          // the new P2: fine
        let (r, _) = track(s.segments)
        let c = try #require(r.connections.first)
        #expect(c.born.map(\.id) == [1, 2, 1, 2])
        #expect(c.leakedAtEnd == [1, 2])
        #expect(c.unknownIDs.isEmpty)
        #expect(r.records.map(\.fate) == [.lostInRestart, .lostInRestart, .leaked, .leaked])
        #expect(r.records.map(\.epoch) == [0, 0, 1, 1])
        let restarts = r.anomalies.filter { $0.kind == "id-restart" }
        #expect(restarts.map(\.frame) == [12, 13])
        #expect(restarts.map(\.proxy) == [nil, 2])
        #expect(kinds(r).filter { $0 == "leaked" }.count == 2)
        #expect(r.summary.lostInRestart == 2)
    }

    @Test func releaseThatOvertakesAReply() throws {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.cm(1, "BytesIO", returns: Session.proxy(2))
        // cm P1.BytesIO() is sent, the finaliser's _d P2 leaves before its reply.
        s.send(["cm", Session.proxy(1), "BytesIO", [], .map([])])   // frame 7
        s.send(Session.release(2))                                // frame 8
        s.reply(Session.proxy(3))                                 // frame 9: reply to the cm
        s.reply(.nil)                                             // frame 10: reply to the _d
        let (r, ms) = track(s.segments)
        let c = try #require(r.connections.first)
        #expect(c.born.last.map { [$0.id, UInt32($0.msg), UInt32($0.inReplyTo ?? -1)] } == [3, 8, 6])
        #expect(c.released.map { [$0.id, UInt32($0.msg), UInt32($0.frame)] } == [[2, 7, 8]])
        #expect(c.released.first?.processedByServer == true)
        #expect(c.leakedAtEnd == [1, 3])
        #expect(ms.first { $0.request == .release(id: 2) }?.outstanding == 1)
        let a = try #require(r.anomalies.first { $0.kind == "release-during-reply" })
        #expect(a.frame == 8 && a.proxy == 2)
        #expect(r.has(kinds: ["release-during-reply"]))
    }

    @Test func releaseWhileAReplyIsArriving() throws {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.send(["cm", Session.proxy(1), "BytesIO", [], .map([])])   // frame 5
        let reply = try Encoder(dialect: .device).encode(Session.proxy(2))
        s.bytes([reply[0]], clientToServer: false)              // frame 6: first byte of the reply
        s.send(Session.release(1))                              // frame 7: _d P1 mid-reply
        s.bytes(Array(reply[1...]), clientToServer: false)      // frame 8: rest of the reply
        s.reply(.nil)                                           // frame 9
        let (r, _) = track(s.segments)
        let c = try #require(r.connections.first)
        #expect(c.born.map { [$0.id, UInt32($0.msg), UInt32($0.frame)] } == [[1, 3, 4], [2, 5, 8]])
        #expect(c.released.map { [$0.id, UInt32($0.msg)] } == [[1, 6]])
        #expect(c.released.first?.processedByServer == true)
        #expect(c.leakedAtEnd == [2])
        #expect(r.anomalies.contains { $0.kind == "release-during-reply" && $0.frame == 7 })
    }

    @Test func unansweredReleaseStillLeaks() throws {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.send(Session.release(1))   // the capture ends before the nil
        let (r, _) = track(s.segments)
        let c = try #require(r.connections.first)
        #expect(c.released.map(\.processedByServer) == [false])
        #expect(c.leakedAtEnd == [1])
        #expect(r.records.first?.fate == .leaked)
        #expect(r.anomalies.first { $0.kind == "leaked" }?.detail.contains("never answered") == true)
    }

    @Test func registryMismatchNamesTheIds() throws {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.im("math", 2)
        s.re([1, 5])   // P2 missing, P5 unknown to the tracker
        let (r, _) = track(s.segments)
        let snap = try #require(r.connections.first?.registrySnapshots.first)
        #expect(snap.ids == [1, 5])
        #expect(!snap.matchesLifecycle)
        let a = try #require(r.anomalies.first { $0.kind == "registry-mismatch" })
        #expect(a.detail.contains("registered but not tracked as live: P5"))
        #expect(a.detail.contains("tracked as live but not registered: P2"))
        #expect(a.frame == 8)
    }

    @Test func releasesSentBeforeTheDumpCountReleasesAfterItDoNot() throws {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.im("math", 2)
        s.im("sys", 3)
        s.drop(3)
        s.send(["re"])               // the server dumps {1, 2}
        s.send(Session.release(2))   // sent before the dump arrives: processed after it
        s.reply(.map([(key: 1, value: "m"), (key: 2, value: "m")]))
        s.reply(.nil)
        s.re([1])
        let (r, _) = track(s.segments)
        let snaps = try #require(r.connections.first?.registrySnapshots)
        #expect(snaps.map(\.ids) == [[1, 2], [1]])
        #expect(snaps.map(\.matchesLifecycle) == [true, true])
        #expect(!r.has(kinds: ["registry-mismatch"]))
    }

    @Test func usedBeforeIssuedIsNotUnknown() throws {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.send(["cm", Session.proxy(1), "BytesIO", [], .map([])])   // frame 5
        s.send(["gp", Session.proxy(2), "closed"])              // frame 6: predicts P2
        s.reply(Session.proxy(2))                               // frame 7
        s.reply(false)                                          // frame 8
        let (r, _) = track(s.segments)
        let c = try #require(r.connections.first)
        #expect(c.unknownIDs.isEmpty)
        #expect(c.usedBeforeIssuedOnWire.map { [$0.id, UInt32($0.msg), UInt32($0.frame)] } == [[2, 5, 6]])
        #expect(c.used.map(\.id) == [1, 2])
        #expect(kinds(r).filter { $0 != "leaked" } == ["used-before-issued"])
        #expect(r.records.first { $0.id == 2 }?.fate == .leaked)
    }

    @Test func failOnKindLists() {
        #expect(LeakReport.kinds("leaked, double-release") == ["leaked", "double-release"])
        #expect(LeakReport.unknownKinds(in: "leaked,bogus") == ["bogus"])
        #expect(LeakReport.unknownKinds(in: "all").isEmpty)
    }
}
