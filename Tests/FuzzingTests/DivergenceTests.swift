import Foundation
import Testing
@testable import Fuzzing

/// Twin-guided runs against stand-ins that disagree with the twin in one way each (issue 13):
/// each disagreement is exactly one `divergence` finding, carrying both outcomes.
@Suite struct DivergenceTests {
    func run(_ spawnArgs: String, _ twinArgs: [String], seed: String) throws -> [[String: Any]] {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"))
        let sim = try #require(ServerTestSupport.binary("urpc-sim"))
        let dir = TestSupport.temporaryDirectory("divergence")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TestSupport.run(exe, ["--target", "server", "--spawn", "\(sim) server --listen 127.0.0.1:{port}\(spawnArgs)"] + twinArgs
                                + ["--life-cost-ms", "5", "--max-time", "10", "--minimize-time", "2", "--seed", seed,
                                   "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"])
        let s = try ServerTestSupport.summary(dir + "/s.json")
        #expect((s["lives_used"] as? Int ?? 0) >= 1)
        return ServerTestSupport.findings(s).filter { ($0["oracle"] as? String) == "divergence" }
    }

    /// The twin crashes on the device's fatal headers; the stand-in answers them.
    @Test func aTargetThatAnswersWhereTheTwinDies() throws {
        let d = try run("", ["--device-faults"], seed: "3")
        #expect(d.count == 1, "\(d.map { $0["signature"] ?? "" })")
        #expect(d.first?["signature"] as? String == "divergence|real-answered")
        let detail = (d.first?["detail"] as? String) ?? ""
        #expect(detail.contains("the twin dies of"))
    }

    /// The stand-in crashes on them; the twin answers.
    @Test func aTargetThatDiesWhereTheTwinAnswers() throws {
        let d = try run(" --device-faults", [], seed: "3")
        #expect(d.count == 1, "\(d.map { $0["signature"] ?? "" })")
        #expect(d.first?["signature"] as? String == "divergence|twin-answered")
        let detail = (d.first?["detail"] as? String) ?? ""
        #expect(detail.contains("where the twin answers"))
    }
}
