import Foundation
import Lifecycle
import Testing
import URPC

/// Acceptance: on both shared captures the tracker's per-connection result equals the manifest's
/// `proxies` section exactly, and the report has no anomaly but the leaks the manifest lists.
@Suite struct GroundTruthTests {
    static let names = ["urpc_a_basic_session.pcap", "urpc_d_readinto_console.pcap"]

    static func file(_ name: String) throws -> [String: Any] {
        guard let f = try SharedFiles.files().first(where: { $0["file"] as? String == name }) else {
            throw ManifestError("\(name) is not in ground_truth.json")
        }
        return f
    }

    @Test(arguments: names)
    func proxiesSectionMatchesManifest(name: String) throws {
        let file = try Self.file(name)
        let segs = try GroundTruthSegments.segments(file: file)
        let (report, messages) = track(segs, endFrame: file["frames"] as? Int)
        let conns = try #require(file["connections"] as? [[String: Any]])
        #expect(report.connections.count == conns.count)
        for (i, c) in conns.enumerated() {
            // The dissector numbers messages as the manifest does.
            let expectedCount = (c["messages"] as? [Any])?.count
            #expect(messages.filter { $0.stream == i && $0.index >= 0 }.count == expectedCount)
            let ours = try #require(try parseJSON(report.connections[i].json()) as? [String: Any])
            #expect(ours["client_port"] as? Int == c["client_port"] as? Int)
            #expect(ours["server_port"] as? Int == c["server_port"] as? Int)
            let mine = try #require(ours["proxies"])
            let truth = try #require(c["proxies"])
            // Key by key first for readable failures, then the whole section.
            if let m = mine as? [String: Any], let t = truth as? [String: Any] {
                #expect(Set(m.keys) == Set(t.keys))
                for k in t.keys.sorted() {
                    #expect(try canonical(m[k] ?? NSNull()) == canonical(t[k]!), "\(name) proxies.\(k)")
                }
            }
            #expect(try canonical(mine) == canonical(truth))
        }
        // Anomalies: leaks only, one per leaked id.
        let leaked = conns.flatMap { ($0["proxies"] as? [String: Any])?["leaked_at_end"] as? [Int] ?? [] }
        #expect(report.anomalies.allSatisfy { $0.kind == "leaked" })
        #expect(report.anomalies.compactMap { $0.proxy.map(Int.init) }.sorted() == leaked.sorted())
        #expect(report.has(kinds: ["leaked"]) == !leaked.isEmpty)
        #expect(!report.has(kinds: AnomalyRegistry.lifecycleKinds.map(\.name).filter { $0 != "leaked" }))
    }

    @Test func basicSessionTextReport() throws {
        let file = try Self.file("urpc_a_basic_session.pcap")
        let (report, _) = track(try GroundTruthSegments.segments(file: file), endFrame: 222)
        let text = report.text()
        // P1, P3, P4 come from three different imports, P2 from the constructor call.
        #expect(text.contains("1 proxy leaked, created by cm P1.RPC_Test() at frame 28"))
        #expect(text.contains("1 proxy leaked, created by im rpc_test at frame 20"))
        #expect(text.contains("1 proxy leaked, created by im math at frame 134"))
        #expect(text.contains("SUMMARY: ProxyLeakSanitizer: 6 proxies: 2 released, 4 leaked (4 groups); other anomalies: none"))
        #expect(report.summary.released == 2)
        #expect(report.records.first { $0.id == 2 }?.uses.count == 15)
    }
}
