import Lifecycle
import Testing
import URPC

/// The renderers on a capture and on hand-built sessions.
@Suite struct RendererTests {
    static func basicSession() throws -> LeakReport {
        let file = try GroundTruthTests.file("urpc_a_basic_session.pcap")
        return track(try GroundTruthSegments.segments(file: file), endFrame: 222).report
    }

    @Test func htmlIsSelfContainedWithOneBarPerProxy() throws {
        let r = try Self.basicSession()
        let html = r.html(title: "urpc_a_basic_session.pcap")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<svg"))
        // No network: the only URL is the SVG namespace.
        #expect(html.components(separatedBy: "http").count - 1 == html.components(separatedBy: "http://www.w3.org/2000/svg").count - 1)
        #expect(!html.contains("<script src") && !html.contains("<link"))
        // One bar per proxy, coloured by fate, with details on hover.
        #expect(html.components(separatedBy: "fill=\"#d64541\"><title>").count - 1 == 4)   // leaked
        #expect(html.components(separatedBy: "fill=\"#3a9d5d\"><title>").count - 1 == 2)   // released
        #expect(html.contains("<title>P2: born frame 28 by cm P1.RPC_Test(), 15 uses (last frame 183); leaked</title>"))
        #expect(html.contains("<title>P5: born frame 150 by cm P1.RPC_Test(), 3 uses (last frame 199), _d at frame 207; released</title>"))
        #expect(!html.contains("grouped by creating call"))
    }

    @Test func htmlMarksAnomaliesAndEscapes() {
        var s = Session()
        s.ver()
        s.im("a<b>&\"c", 1)
        s.drop(1)
        s.drop(1)
        let html = track(s.segments).report.html()
        #expect(html.contains("im a&lt;b&gt;&amp;&quot;c"))
        #expect(!html.contains("a<b>"))
        #expect(html.contains("<title>double-release at frame 7: P1 is released again (first _d at frame 5)</title>"))
    }

    @Test func htmlGroupsBarsAboveTheLimit() {
        var s = Session()
        s.ver()
        s.im("factory", 1)
        let n = UInt32(LeakReport.htmlBarLimit + 50)
        for i in 2...n { s.cm(1, "make", returns: Session.proxy(i)) }
        let r = track(s.segments).report
        let html = r.html()
        #expect(html.contains("\(n) proxies are more than \(LeakReport.htmlBarLimit): bars are grouped by creating call"))
        // Two bands (cm P1.make(), im factory), sampled bars instead of one per proxy.
        #expect(html.components(separatedBy: "<polygon").count - 1 == 4)
        #expect(html.components(separatedBy: "<rect").count - 1 < 40)
        #expect(html.contains("Showing the first \(LeakReport.htmlTableLimit) of \(n) proxies"))
    }

    @Test func jsonHasTheIssueShapeAndTheManifestShape() throws {
        let r = try Self.basicSession()
        let o = try #require(try parseJSON(r.json()) as? [String: Any])
        #expect(Set(o.keys) == ["proxies", "anomalies", "summary", "connections"])
        let p = try #require((o["proxies"] as? [[String: Any]])?.first)
        for k in ["id", "born_frame", "born_by", "uses", "released_frame", "fate"] { #expect(p[k] != nil, "proxies[].\(k)") }
        #expect(p["born_by"] as? String == "im rpc_test")
        let a = try #require((o["anomalies"] as? [[String: Any]])?.first)
        for k in ["kind", "id", "frame", "detail"] { #expect(a[k] != nil, "anomalies[].\(k)") }
        let c = try #require((o["connections"] as? [[String: Any]])?.first)
        #expect(c["client"] as? String == "127.0.0.1:54188")
        #expect(c["server"] as? String == "127.0.0.1:7000")
        let proxies = try #require(c["proxies"] as? [String: Any])
        #expect(Set(proxies.keys) == ["born", "used", "released", "double_releases", "uses_after_release", "unknown_ids",
                                      "used_before_issued_on_wire", "leaked_at_end", "registry_snapshots"])
        let summary = try #require(o["summary"] as? [String: Any])
        #expect(summary["leaked"] as? Int == 4)
        #expect(summary["line"] as? String == r.summaryLine)
    }

    @Test func textListsOtherAnomaliesAndSummary() {
        var s = Session()
        s.ver()
        s.im("io", 1)
        s.drop(1)
        s.send(["_s", Session.proxy(1)])
        s.reply("None")
        let text = track(s.segments).report.text()
        #expect(!text.contains("leaked, created by"))
        #expect(text.contains("Other proxy anomalies (1):\n  use-after-release at frame 7 P1: P1 is used by _s after its release (_d at frame 5)"))
        #expect(text.hasSuffix("SUMMARY: ProxyLeakSanitizer: 1 proxy: 1 released, 0 leaked (0 groups); other anomalies: 1 use-after-release\n"))
    }
}

@Suite struct EmptyReportTests {
    @Test func nothingTrackedRendersEverywhere() throws {
        let r = ProxyTracker().finish()
        #expect(r.text() == "SUMMARY: ProxyLeakSanitizer: 0 proxies: 0 released, 0 leaked (0 groups); other anomalies: none\n")
        #expect(try parseJSON(r.json()) is [String: Any])
        #expect(r.html().contains("<svg"))
        #expect(!r.has(kinds: ["all"]))
    }
}

@Suite struct FormatTests {
    @Test(arguments: LeakReportFormat.allCases)
    func renderPicksTheFormat(format: LeakReportFormat) throws {
        let r = try RendererTests.basicSession()
        let out = r.render(format, title: "a.pcap")
        switch format {
        case .text: #expect(out.hasPrefix("==proxies== ERROR"))
        case .json: #expect(out.hasPrefix("{\n\"proxies\":["))
        case .html: #expect(out.contains("<title>a.pcap</title>"))
        }
    }
}
