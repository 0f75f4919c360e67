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
        // A campaign has a time budget, and on a loaded machine it runs fewer cases: a campaign
        // that misses a class is run again with the next seed (at most three), and every
        // assertion below holds for the campaign that found them all.
        var status: Int32 = 0
        var signatures: [String] = []
        for seed in 7...9 {
            let attempt = dir + "/\(seed)"
            try FileManager.default.createDirectory(atPath: attempt, withIntermediateDirectories: true)
            (status, signatures) = try Self.fuzz(seconds: 45, seed: seed, dir: attempt)
            let found = Set(signatures)
            if found.contains("exit|exit:74|array32-count"), found.contains("exit|exit:75|map32-count"),
               found.contains("exit|exit:72|str32-length") || found.contains("exit|exit:71|bin32-length") { break }
        }
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

    /// Replays one reply, the client's first, to the stand-in; returns msgfuzz's status and output.
    static func replay(_ reply: [UInt8], dir: String) throws -> TestSupport.Result {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"))
        let sim = try #require(ServerTestSupport.binary("urpc-sim"))
        var sidecar = Sidecar(target: "client", verdict: nil, signature: nil)
        sidecar.replies = [Sidecar.Reply(index: 0, hex: HexText.string(reply))]
        let file = dir + "/reply.json"
        try Data(sidecar.bytes).write(to: URL(fileURLWithPath: file))
        return try TestSupport.run(exe, ["replay", "--target", "client", "--client-timeout", "2",
                                         "--spawn", "\(sim) client --connect 127.0.0.1:{port} --device-faults --quiet --timeout 0.5", file])
    }

    /// The stand-in dies only when data overruns the wrapped allocation (spec §7): a fatal header
    /// followed by a few hundred bytes kills it, the same header with a few bytes is a short read.
    @Test func theStandInDiesOnlyWhenTheDataOverrunsTheWrappedSize() throws {
        let dir = TestSupport.temporaryDirectory("client-fault-replay")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cases: [([UInt8], Int, String?)] = [
            ([0xdb, 0xff, 0xff, 0xff, 0xff], 600, "exit status 72"),
            ([0xdb, 0xff, 0xff, 0xff, 0xff], 16, nil),
            ([0xc6, 0xff, 0xff, 0xff, 0xff], 300, "exit status 71"),
            ([0xdd, 0x3f, 0xff, 0xff, 0xfe], 64, "exit status 74"),
            ([0xdd, 0x3f, 0xff, 0xff, 0xfe], 4, nil),
            ([0xdf, 0x20, 0x00, 0x00, 0x00], 64, "exit status 75"),
            // Not fatal on the device (a count it can refuse): never a crash, whatever follows.
            ([0xdd, 0x00, 0x01, 0x00, 0x00], 600, nil),
        ]
        for (header, filler, expected) in cases {
            let r = try Self.replay(header + Array(repeating: 0xc0, count: filler), dir: dir)
            let what = "\(HexText.string(header)) + \(filler): \(r.stdout) \(r.stderr)"
            if let expected {
                #expect(r.status == 1 && r.stdout.contains(expected), "\(what)")
            } else {
                #expect(r.status == 0 && r.stdout.contains("pass"), "\(what)")
            }
        }
    }
}
