import Capture
import Foundation
import Lifecycle
import Testing
import URPC

/// The project's own captures (captures/sim, recorded by scripts/record-captures.sh): the leak
/// report matches the ground truth the scenario wrote beside each one.
enum SimCaptures {
    static let folder = SharedFiles.packageRoot.appendingPathComponent("captures/sim")

    static var scenarios: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".truth.json") }.map { String($0.dropLast(".truth.json".count)) }.sorted()
    }

    struct Truth: Decodable {
        struct Proxy: Decodable { let id: UInt32; let fate: String }
        struct Anomaly: Decodable { let kind: String; let id: UInt32? }
        let proxies: [Proxy]
        let leaked: [UInt32]
        let released: [UInt32]
        let anomalies: [Anomaly]
    }

    /// The scenario's names for what the dissector reports under a stable anomaly name.
    static let dissectorName = ["raw-traceback": "legacy-error-path"]

    /// Twin captures whose traceback comes while no complete request is outstanding (after the
    /// last reply, inside an incomplete request, after a too-deep one): the dissector does not
    /// recognise it there yet (issue 12) and shows fixints. Remove each once it does.
}

@Test("the project's captures: every scenario is there")
func simCapturesPresent() {
    #expect(Set(SimCaptures.scenarios).isSuperset(of: ["basic", "sockets", "leaky", "readinto", "errors", "stress"]))
}

@Test("leak report = the scenario's ground truth", arguments: SimCaptures.scenarios)
func simCaptureMatchesTruth(_ scenario: String) throws {
    let truthData = try Data(contentsOf: SimCaptures.folder.appendingPathComponent("\(scenario).truth.json"))
    let truth = try JSONDecoder().decode(SimCaptures.Truth.self, from: truthData)
    let source = try CaptureSource.open(path: SimCaptures.folder.appendingPathComponent("\(scenario).pcap").path)
    let dissector = Dissector()
    let tracker = ProxyTracker()
    var messageAnomalies: [String] = []
    while let seg = try source.nextSegment() {
        let ms = dissector.consume(seg)
        for m in ms { messageAnomalies += m.anomalies.map(\.kind) }
        tracker.observe(ms)
    }
    let tail = dissector.finish()
    for m in tail { messageAnomalies += m.anomalies.map(\.kind) }
    tracker.observe(tail)
    let report = tracker.finish()

    #expect(report.records.map(\.id).sorted() == truth.proxies.map(\.id).sorted())
    #expect(report.records.filter { $0.fate == .leaked }.map(\.id).sorted() == truth.leaked.sorted())
    #expect(report.records.filter { $0.fate == .released }.map(\.id).sorted() == truth.released.sorted())
    // Lifecycle anomalies (with a proxy) must be exactly the truth's; the others show on messages.
    let lifecycle = report.anomalies.filter { $0.kind != "leaked" }.map { "\($0.kind) \($0.proxy.map(String.init) ?? "-")" }.sorted()
    let expected = truth.anomalies.filter { $0.id != nil }.map { "\($0.kind) \($0.id!)" }.sorted()
    #expect(lifecycle == expected)
    for a in truth.anomalies where a.id == nil {
        let name = SimCaptures.dissectorName[a.kind] ?? a.kind
        #expect(messageAnomalies.contains(name), "\(a.kind) not reported")
    }
}
