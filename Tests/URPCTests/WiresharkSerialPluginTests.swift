import Capture
import Foundation
import Testing

/// The plugin also reads msgscope's serial captures (link type 252, exported PDUs tagged
/// "msgpack" with a direction): a shipped conversation written as a UART would deliver it, in
/// chunks of 1…7 bytes, gives the same messages in tshark with the plugin as in msgdissect.
@Suite(.enabled(if: PluginRun.tshark != nil, "tshark is not installed (scripts/setup.sh installs it)"),
       .enabled(if: PluginRun.msgdissect != nil, "msgdissect is not built next to the tests"))
struct WiresharkSerialPluginTests {
    static func serialCopy(of capture: String, format: CaptureFileFormat) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("urpc-serial-\(UUID().uuidString)").path
        let source = try CaptureSource.open(path: capture)
        let w = try SerialCaptureWriter(path: path, lineName: "/dev/ttyUSB0", format: format)
        var k = 0
        while let seg = try source.nextSegment() {
            guard case .bytes(let bytes) = seg.payload else { continue }
            var i = 0
            var t = seg.time
            while i < bytes.count {
                let n = min(1 + k % 7, bytes.count - i)
                try w.append(Array(bytes[i..<(i + n)]), direction: seg.side, time: t)
                t = t.adding(nanoseconds: 1000)
                i += n
                k += 1
            }
        }
        try w.close()
        return path
    }

    @Test(arguments: ["sim/readinto.pcap", "sim/errors.pcap", "sim/legacy-64bit.pcap", "shared/urpc_a_basic_session.pcap"],
          [CaptureFileFormat.pcap, .pcapng])
    func serialCaptureAgrees(capture: String, format: CaptureFileFormat) throws {
        let path = try Self.serialCopy(of: PluginRun.root + "/captures/" + capture, format: format)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let want = try WiresharkPluginTests.reference(path)
        let got = try WiresharkPluginTests.plugin(path)
        #expect(want.count > 8)
        #expect(got.count == want.count, "\(capture): \(got.count) messages from the plugin, \(want.count) from msgdissect")
        for (g, w) in zip(got, want) where g != w {
            Issue.record("\(capture) as a serial capture:\n  msgdissect \(w)\n  plugin     \(g)")
            break
        }
    }
}
