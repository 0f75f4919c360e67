import Testing
import Foundation
@testable import Fuzzing

/// msgfuzz --target client against a stand-in for the published 32-bit client
/// (`urpc-sim client --device-faults`): each fatal reply class is its own finding (issue 13).
@Suite(.serialized) struct ClientDeviceFaultTests {
    /// Runs msgfuzz's client target for `seconds` and returns its exit status and finding signatures.
    static func fuzz(seconds: Int, seed: Int, dir: String) throws -> (status: Int32, signatures: [String]) {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"))
        let sim = try #require(ServerTestSupport.binary("urpc-sim"))
        let r = try TestSupport.run(exe, ["--target", "client",
                                          "--spawn", "\(sim) client --connect 127.0.0.1:{port} --device-faults --quiet --timeout 0.5",
                                          "--max-time", String(seconds), "--seed", String(seed), "--client-timeout", "2", "--minimize-time", "1",
                                          "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"])
        let s = try ServerTestSupport.summary(dir + "/s.json")
        return (r.status, ServerTestSupport.findings(s).compactMap { $0["signature"] as? String })
    }

    @Test func strOrBinArrayAndMapOverflowsAreSeparateFindings() throws {
        let dir = TestSupport.temporaryDirectory("client-faults")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (status, signatures) = try Self.fuzz(seconds: 45, seed: 7, dir: dir)
        #expect(status == 1, "findings make msgfuzz exit 1")
        // The stand-in exits 71 (bin32), 72 (str32), 74 (array32), 75 (map32); the signature
        // names the end and the hostile feature of the culprit reply, never a reply's shape.
        let strOrBin = signatures.filter { $0 == "exit|exit:72|str32-length" || $0 == "exit|exit:71|bin32-length" }
        #expect(!strOrBin.isEmpty, "\(signatures)")
        #expect(signatures.filter { $0 == "exit|exit:74|array32-count" }.count == 1, "\(signatures)")
        #expect(signatures.filter { $0 == "exit|exit:75|map32-count" }.count == 1, "\(signatures)")
        // One finding per class: no signature twice, and every device-fault exit names its feature.
        #expect(Set(signatures).count == signatures.count, "\(signatures)")
        for s in signatures where s.hasPrefix("exit|exit:7") {
            #expect(["71": "bin32-length", "72": "str32-length", "73": "ext32-length", "74": "array32-count",
                     "75": "map32-count", "76": "nesting"][String(s.dropFirst("exit|exit:".count).prefix(2))]
                    == String(s.split(separator: "|").last ?? ""), "\(s)")
        }
    }
}
