import Capture
import Foundation
import Lifecycle
import MessagePack
import Testing
import URPC

/// The tracker behind `msgdissect --stats` and `leaks` text keeps no use history and the dissector
/// keeps no node trees there: the text report must not change, and memory must not grow with uses.
@Suite struct CompactTrackerTests {
    static func report(_ segments: [StreamSegment], keepsNodes: Bool, keepsHistory: Bool) -> LeakReport {
        let d = Dissector(options: DissectorOptions(keepsNodes: keepsNodes))
        let t = ProxyTracker(keepsHistory: keepsHistory)
        for s in segments { t.observe(d.consume(s)) }
        t.observe(d.finish())
        t.describe(d.streamInfos)
        return t.finish()
    }

    @Test(arguments: ["basic", "leaky", "errors", "readinto", "sockets", "stress", "legacy-unknown-proxy"])
    func textReportIsTheSame(scenario: String) throws {
        let path = SimCaptures.folder.appendingPathComponent(scenario + ".pcap").path
        let (segments, error) = try CaptureSource.open(path: path).readAll()
        #expect(error == nil)
        let full = Self.report(segments, keepsNodes: true, keepsHistory: true)
        let compact = Self.report(segments, keepsNodes: false, keepsHistory: false)
        #expect(compact.text(perGroup: 5) == full.text(perGroup: 5))
        #expect(compact.text() == full.text())
        #expect(compact.summary.uses == full.summary.uses)
    }

    @Test func usesAreCountedNotKept() throws {
        var s = Session()
        s.ver()
        s.im("factory", 1)
        for _ in 0..<1000 { s.call(["cm", Session.proxy(1), "tick", [], .map([])], .nil) }
        let compact = Self.report(s.segments, keepsNodes: false, keepsHistory: false)
        let full = Self.report(s.segments, keepsNodes: true, keepsHistory: true)
        let c = try #require(compact.records.first { $0.id == 1 })
        let f = try #require(full.records.first { $0.id == 1 })
        #expect(c.useCount == 1000 && f.useCount == 1000)
        #expect(f.uses.count == 1000)
        #expect(c.uses.isEmpty)
        #expect(c.lastUse == f.lastUse && c.firstUse == f.firstUse)
        #expect(compact.connections.first?.used.isEmpty == true)
        #expect(compact.text() == full.text())
    }
}
