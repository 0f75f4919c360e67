import Capture
import Foundation
import MessagePack
import Testing
import URPC

/// The death a legacy-* twin capture records in its ground truth (spec §7).
struct DeathTruth: Decodable {
    struct Later: Decodable { let index: Int; let cmd: String; let hex: String; let answered: Bool }
    let trigger: String
    let exception: String
    let failing_request: Int?
    let after_death: [Later]
}
struct LegacyTruth: Decodable { let scenario: String; let death: DeathTruth }

let legacyScenarios = ["legacy-eof", "legacy-short-read", "legacy-64bit", "legacy-deep", "legacy-arity",
                       "legacy-unknown-proxy", "legacy-not-callable", "legacy-memory"]

@Test("each spec §7 trigger: one traceback with its exception, the failing request named, later requests unanswered",
      arguments: legacyScenarios)
func legacyCaptureMatchesItsDeath(scenario: String) throws {
    let dir = packageRoot.appendingPathComponent("captures/sim")
    let truth = try JSONDecoder().decode(LegacyTruth.self, from: Data(contentsOf: dir.appendingPathComponent("\(scenario).truth.json")))
    let messages = try dissect(dir.appendingPathComponent("\(scenario).pcap").path)
    // As `msgdissect --json` prints them.
    let t0 = messages.first?.time ?? Timestamp(seconds: 0, nanoseconds: 0)
    let json: [[String: Any]] = try messages.filter { $0.index >= 0 }.map { m in
        var s = ""
        MessageJSON.write(m, relativeTo: t0, into: &s)
        return try #require(JSONSerialization.jsonObject(with: Data(s.utf8)) as? [String: Any])
    }
    let tracebacks = json.filter { $0["part"] as? String == "raw_traceback" }
    #expect(tracebacks.count == 1)
    let tb = try #require(tracebacks.first)
    #expect(tb["exception"] as? String == truth.death.exception)
    #expect(tb["trigger"] as? String == truth.death.trigger)
    #expect(!json.contains { ($0["anomalies"] as? [String])?.contains("unsolicited-reply") == true })
    let requests = json.filter { $0["dir"] as? String == "C>S" && ($0["kind"] as? String == "request" || $0["part"] as? String == "malformed") }
    if let f = truth.death.failing_request {
        let failing = try #require(requests.count > f ? requests[f] : nil)
        #expect(tb["reply_to_n"] as? Int == failing["n"] as? Int)
        if truth.death.trigger == "short-read" {
            #expect((failing["anomalies"] as? [String])?.contains("short-read") == true)
        }
    } else {
        #expect(truth.death.trigger == "eof")
        #expect(tb["reply_to_n"] == nil)
    }
    for later in truth.death.after_death {
        let m = try #require(requests.count > later.index ? requests[later.index] : nil)
        #expect(m["cmd"] as? String == later.cmd)
        #expect(m["hex"] as? String == later.hex)
        #expect((m["anomalies"] as? [String])?.contains("server-dead") == true)
    }
    // Every request is one message: exactly the ground truth's count of client messages.
    let before = truth.death.failing_request.map { $0 + 1 } ?? requests.count
    #expect(requests.count == before + truth.death.after_death.count)
}
