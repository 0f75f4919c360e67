import Foundation
import Testing

/// The plugin on damaged traffic: shipped captures with random bytes of their TCP payloads
/// replaced (format bytes, c1, huge length headers, 'T' …) dissect without a Lua error, and
/// tshark with the plugin still agrees with msgdissect message by message (desync, malformed
/// requests, lengths beyond the limit, invalid UTF-8 commands), but for what msgdissect completes
/// only at the end of the capture (a dissector has no end-of-capture hook).
@Suite(.enabled(if: PluginRun.tshark != nil, "tshark is not installed (scripts/setup.sh installs it)"),
       .enabled(if: PluginRun.msgdissect != nil, "msgdissect is not built next to the tests"))
struct WiresharkPluginMutationTests {
    /// A copy of a classic pcap (Ethernet, IPv4, TCP) with about 3% of its TCP payload bytes replaced.
    static func mutated(_ capture: String, seed: UInt64) throws -> String {
        var d = [UInt8](try Data(contentsOf: URL(fileURLWithPath: capture)))
        var rng = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            return rng
        }
        let picks: [UInt8] = [0xc1, 0xdb, 0xdd, 0x91, 0x54, 0xd6, 0xc7, 0xff, 0xcb, 0xa3]
        func le32(_ o: Int) -> Int { Int(d[o]) | Int(d[o + 1]) << 8 | Int(d[o + 2]) << 16 | Int(d[o + 3]) << 24 }
        #expect(le32(20) == 1, "Ethernet captures only")
        var off = 24
        while off + 16 <= d.count {
            let incl = le32(off + 8)
            let pk = off + 16
            let ip = pk + 14
            if ip < d.count, d[ip] >> 4 == 4, pk + incl <= d.count {
                let tcp = ip + Int(d[ip] & 15) * 4
                let payload = tcp + Int(d[tcp + 12] >> 4) * 4
                if payload < pk + incl {
                    for i in payload..<(pk + incl) where next() % 100 < 3 {
                        let r = next()
                        d[i] = r % 2 == 0 ? UInt8(truncatingIfNeeded: r >> 8) : picks[Int(r >> 8) % picks.count]
                    }
                }
            }
            off = pk + incl
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("urpc-mutated-\(UUID().uuidString).pcap").path
        try Data(d).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: ["sim/readinto.pcap", "sim/sockets.pcap", "sim/legacy-short-read.pcap", "sim/basic.pcap"], [UInt64(1), 2, 3])
    func damagedCaptureAgrees(capture: String, seed: UInt64) throws {
        let path = try Self.mutated(PluginRun.root + "/captures/" + capture, seed: seed)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let verbose = try PluginRun.run(PluginRun.tshark!, ["-2", "-X", "lua_script:" + PluginRun.plugin, "-o", "tcp.check_checksum:FALSE",
                                                            "-r", path, "-V"])
        #expect(!verbose.contains("Lua Error"), "\(capture) seed \(seed): a Lua error")
        let want = try WiresharkPluginTests.reference(path, withoutTail: true)
        let got = try WiresharkPluginTests.plugin(path)
        #expect(want.count > 10)
        #expect(want != (try WiresharkPluginTests.reference(PluginRun.root + "/captures/" + capture)), "the damage changes nothing")
        #expect(got.count == want.count, "\(capture) seed \(seed): \(got.count) messages from the plugin, \(want.count) from msgdissect")
        for (g, w) in zip(got, want) where g != w {
            Issue.record("\(capture) seed \(seed):\n  msgdissect \(w)\n  plugin     \(g)")
            break
        }
    }
}
