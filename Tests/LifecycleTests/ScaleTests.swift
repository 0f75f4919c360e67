import Lifecycle
import MessagePack
import Testing
import URPC

/// 100,000 proxies through the dissector and the tracker: the result must be exact (the time it
/// takes is shown by the benchmark, not asserted here).
@Suite struct ScaleTests {
    static let count: UInt32 = 100_000

    @Test func hundredThousandProxies() throws {
        var s = Session()
        s.ver()
        s.im("factory", 1)
        for i in 2...(Self.count + 1) {
            s.call(["cm", Session.proxy(1), "make", [], .map([])], Session.proxy(i))
            if i % 3 == 0 { s.call(["_s", Session.proxy(i)], "obj") }
            if i % 2 == 0 { s.drop(i) }
        }
        let (r, _) = track(s.segments)
        let c = try #require(r.connections.first)
        let n = Int(Self.count)
        #expect(c.born.count == n + 1)
        #expect(c.released.count == n / 2)
        #expect(c.released.allSatisfy { $0.processedByServer })
        #expect(c.leakedAtEnd.count == n / 2 + 1)
        #expect(c.leakedAtEnd.first == 1 && c.leakedAtEnd.last == Self.count + 1)
        #expect(c.used.count == n + (n + 1) / 3)     // every cm uses P1, every third id one _s
        #expect(c.doubleReleases.isEmpty)
        #expect(c.unknownIDs.isEmpty)
        #expect(c.usesAfterRelease.isEmpty)
        let sum = r.summary
        #expect(sum.leaked == n / 2 + 1 && sum.released == n / 2 && sum.leakGroups == 2)
        #expect(r.anomalies.count == n / 2 + 1 && r.anomalies.allSatisfy { $0.kind == "leaked" })
        let groups = r.leakGroups
        #expect(groups.map(\.creator) == ["cm P1.make()", "im factory"])
        #expect(groups.first?.members.count == n / 2)
        let text = r.text()
        #expect(text.contains("50000 proxies leaked, created by cm P1.make() at frames"))
        // One line per proxy (JSON validity is checked on the captures: parsing 100k here is slow).
        let json = r.json()
        #expect(json.split(separator: "\n").filter { $0.hasPrefix("{\"id\":") }.count == n + 1)
        #expect(json.contains("\"leaked_at_end\":[1,3,5,"))
        let html = r.html()
        #expect(html.contains("grouped by creating call"))
        #expect(html.utf8.count < 8_000_000)
    }
}
