import Foundation
import Testing
@testable import URPC

@Test("every anomaly kind is registered once, with a meaning")
func anomalyKindsAreUnique() {
    let names = AnomalyRegistry.all.map(\.name)
    #expect(Set(names).count == names.count)
    #expect(AnomalyRegistry.all.allSatisfy { !$0.meaning.isEmpty && $0.name == $0.name.lowercased() })
    #expect(AnomalyRegistry.kind(named: "leaked") == .leaked)
    #expect(AnomalyRegistry.kind(named: "no-such-kind") == nil)
    #expect(AnomalyRegistry.unknownNames(in: ["leaked", "all", "desync", "bogus"]) == ["bogus"])
}

@Test("docs/anomalies.md holds the registry's table, exactly")
func anomalyDocsAgree() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let doc = try String(contentsOf: root.appendingPathComponent("docs/anomalies.md"), encoding: .utf8)
    let table = doc.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("|") }.joined(separator: "\n") + "\n"
    #expect(table == AnomalyRegistry.markdownTable())
}

@Test("a registered kind gives its severity unless the evidence overrides it")
func registeredSeverity() {
    #expect(Anomaly(.desync, detail: "x").severity == .error)
    #expect(Anomaly(.unknownID, severity: .error, detail: "x").severity == .error)
    #expect(Anomaly(.unknownID, detail: "x").is(.unknownID))
}
