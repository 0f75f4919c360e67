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

    @Test(arguments: [([0xc6, 0xff, 0xff, 0xff, 0xff, 0, 0] as [UInt8], Int32(71)), ([0xdf, 0x20, 0, 0, 0], Int32(75))])
    func childProcessExitsWithTheFaultStatus(input: [UInt8], status: Int32) throws {
        let child = try SimulatorChild(["--listen", "127.0.0.1:0", "--device-faults"])
        defer { child.stop() }
        let link = try ClientLink.tcp(LoopbackAddress(host: "127.0.0.1", port: try child.listeningPort()))
        defer { link.close() }
        try link.write([0x91, 0xa3, 0x76, 0x65, 0x72])
        #expect(try link.readReply().value == "V1")
        try link.write(input)
        #expect(child.exitStatus(within: 30) == status)
        let stderr = String(decoding: child.err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("device fault"))
    }
}
