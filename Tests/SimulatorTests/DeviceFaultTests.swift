import Foundation
import Testing
import MessagePack
@testable import Simulator

/// `--device-faults`: the 32-bit device's fatal inputs (spec §2), detected with DeviceLint on the
/// incoming stream, even when the declared payload never arrives.
@Suite struct DeviceFaultTests {
    static let cases: [([UInt8], DeviceFault)] = [
        ([0xc6, 0xff, 0xff, 0xff, 0xff], .bin32LengthOverflow),
        ([0xdb, 0xff, 0xff, 0xff, 0xff], .str32LengthOverflow),
        ([0xc9, 0xff, 0xff, 0xff, 0xff, 0x01], .ext32LengthOverflow),
        ([0xdd, 0x40, 0x00, 0x00, 0x00], .array32CountOverflow),
        ([0x92, 0xa2, 0x63, 0x6d, 0xdd, 0x3f, 0xff, 0xff, 0xfe], .array32CountOverflow),
        ([0xdf, 0x20, 0x00, 0x00, 0x00], .map32CountOverflow),
        ([UInt8](repeating: 0x91, count: 310), .nestingOverflow),
    ]

    @Test(arguments: cases)
    func crashesOnTheHeaderAlone(input: [UInt8], fault: DeviceFault) {
        let s = DeviceSession(options: SimulatorOptions(deviceFaults: true))
        #expect(s.feed([0x91, 0xa3, 0x76, 0x65, 0x72]) == [0xa2, 0x56, 0x31])
        let out = s.feed(input)                   // no payload follows
        #expect(out.isEmpty)
        guard case .crashed(let c) = s.state else { Issue.record("no crash: \(s.state)"); return }
        #expect(c.fault == fault)
        #expect(s.feed([0x91, 0xa3, 0x76, 0x65, 0x72]).isEmpty)
    }

    @Test(arguments: cases)
    func withoutDeviceFaultsItIsACleanError(input: [UInt8], fault: DeviceFault) {
        let s = DeviceSession()
        _ = s.feed(input + [UInt8](repeating: 0xc0, count: 8))
        #expect(s.state == .serving)
        #expect(s.feed([0x91, 0xa3, 0x76, 0x65, 0x72]).suffix(3) == [0xa2, 0x56, 0x31])
    }

    @Test func pipelinedRequestBeforeTheFaultIsAnswered() {
        let s = DeviceSession(options: SimulatorOptions(deviceFaults: true))
        let out = s.feed([0x91, 0xa3, 0x76, 0x65, 0x72, 0xc6, 0xff, 0xff, 0xff, 0xff, 0x00])
        #expect(out == [0xa2, 0x56, 0x31])
        #expect(s.state == .crashed(DeviceCrash(fault: .bin32LengthOverflow, offset: 5)))
    }

    @Test func exitStatusesAreDistinct() {
        #expect(Set(DeviceFault.allCases.map(\.exitStatus)).count == DeviceFault.allCases.count)
    }

    /// The built `urpc-sim` next to the test bundle, if it was built.
    static var binary: URL? {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("urpc-sim")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    @Test(arguments: [([0xc6, 0xff, 0xff, 0xff, 0xff, 0, 0] as [UInt8], Int32(71)), ([0xdf, 0x20, 0, 0, 0], Int32(75))])
    func childProcessExitsWithTheFaultStatus(input: [UInt8], status: Int32) throws {
        guard let bin = Self.binary else {
            Issue.record("urpc-sim is not built next to the tests: run `swift build` first")
            return
        }
        let p = Process()
        p.executableURL = bin
        p.arguments = ["server", "--listen", "127.0.0.1:0", "--device-faults"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        // "urpc-sim: listening on 127.0.0.1:PORT"
        var line = Data()
        while !line.contains(0x0a) {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            line += d
        }
        let text = String(decoding: line, as: UTF8.self)
        let port = try #require(text.split(separator: ":").last.flatMap { UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        let link = try ClientLink.tcp(LoopbackAddress(host: "127.0.0.1", port: port))
        defer { link.close() }
        try link.write([0x91, 0xa3, 0x76, 0x65, 0x72])
        #expect(try link.readReply().value == "V1")
        try link.write(input)
        p.waitUntilExit()
        #expect(p.terminationStatus == status)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("device fault"))
    }
}
