import Foundation
import MsgscopeTestSupport
import Testing

/// The plugin's own MessagePack reader (contrib/wireshark/urpc/msgpack.lua) reads every format as
/// msgscope's codec does: every seed of corpus/codec (each format, the device dialect's cases,
/// timestamps 32/64/96, ext, the device's crash inputs) and corpus/urpc decodes to the same values
/// as `msgdissect decode --json`, and where msgdissect stops with an error the reader refuses too.
/// So do 150 damaged copies of them. Fixtures/plugin-decode.lua runs the reader inside tshark and prints msgdissect's JSON mapping.
@Suite(.enabled(if: PluginRun.tshark != nil, "tshark is not installed (scripts/setup.sh installs it)"),
       .enabled(if: PluginRun.msgdissect != nil, "msgdissect is not built next to the tests"))
struct WiresharkDecodeTests {
    static func seeds() throws -> [String] {
        var out: [String] = []
        for dir in ["corpus/codec", "corpus/urpc"] {
            let path = PluginRun.root + "/" + dir
            out += try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { path + "/" + $0 }
        }
        return out
    }

    /// What the plugin's reader makes of each file: its objects (JSON) and "ok" or why it stopped.
    static func pluginDecode(_ files: [String]) throws -> [String: (objects: [Any], status: String)] {
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("urpc-decode-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: list) }
        try files.joined(separator: "\n").write(toFile: list, atomically: true, encoding: .utf8)
        var env = ProcessInfo.processInfo.environment
        env["URPC_LIB"] = PluginRun.root + "/contrib/wireshark/urpc/"
        env["URPC_DECODE_LIST"] = list
        let (_, data) = try runToEnd(PluginRun.tshark!, [
            "-X", "lua_script:" + PluginRun.root + "/Tests/URPCTests/Fixtures/plugin-decode.lua",
            "-r", PluginRun.root + "/captures/sim/errors.pcap", "-c", "1", "-T", "fields", "-e", "frame.number"], environment: env)
        var result: [String: (objects: [Any], status: String)] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("URPCDECODE\t") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count == 4 else { continue }
            let objects = try f[2].split(separator: "\u{1}").map {
                try JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed])
            }
            result[String(f[1])] = (objects, String(f[3]))
        }
        return result
    }

    /// The seeds with a few bytes replaced (seeded): lengths that lie, cut objects, c1, 64-bit formats.
    static func damagedSeeds(_ seeds: [String], count: Int, into dir: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var rng: UInt64 = 0x1234_5678_9abc_def1
        func next() -> UInt64 { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng }
        let picks: [UInt8] = [0xc1, 0xcb, 0xcf, 0xd3, 0xd7, 0xc7, 0xd9, 0xdc, 0xde, 0xff, 0x00, 0x7f, 0x80]
        return try (0..<count).map { i in
            var b = [UInt8](try Data(contentsOf: URL(fileURLWithPath: seeds[Int(next() % UInt64(seeds.count))])))
            for _ in 0..<(1 + Int(next() % 3)) where !b.isEmpty {
                let at = Int(next() % UInt64(b.count))
                switch next() % 3 {
                case 0: b[at] = picks[Int(next() % UInt64(picks.count))]
                case 1: b[at] = UInt8(truncatingIfNeeded: next())
                default: b = Array(b.prefix(at))
                }
            }
            let path = dir + "/damaged-\(i)"
            try Data(b).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    @Test func everySeedDecodesAsTheCodecDoes() throws {
        let seeds = try Self.seeds()
        #expect(seeds.count > 100)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("urpc-damaged-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = seeds + (try Self.damagedSeeds(seeds, count: 150, into: dir))
        let plugin = try Self.pluginDecode(files)
        #expect(plugin.count == files.count, "the reader reported \(plugin.count) of \(files.count) files")
        var refused = 0
        for file in files {
            let (status, data) = try runToEnd(PluginRun.msgdissect!, ["decode", "--json", file])
            let want = try String(decoding: data, as: UTF8.self).split(separator: "\n").map {
                try JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed])
            }
            guard let got = plugin[file] else { continue }
            let name = URL(fileURLWithPath: file).lastPathComponent
            #expect(NSArray(array: got.objects).isEqual(to: want), "\(name): the plugin reads \(got.objects), msgdissect \(want)")
            if status == 0 {
                #expect(got.status == "ok", "\(name): msgdissect decodes it, the plugin stops (\(got.status))")
            } else {
                refused += 1
                #expect(got.status != "ok", "\(name): msgdissect refuses it, the plugin reads it")
            }
        }
        #expect(refused > 0)
    }
}
