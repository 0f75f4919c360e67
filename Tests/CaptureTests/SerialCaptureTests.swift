import Foundation
import Testing
@testable import Capture

/// The serial capture encoding (link type 252, exported-PDU tags) written and read back.
@Suite struct SerialCaptureTests {
    static let chunks: [(StreamSide, [UInt8])] = [
        (.a, [0x91]), (.a, [0xA3, 0x76, 0x65, 0x72]), (.b, [0xA2, 0x56, 0x31]),
        (.a, [0x92, 0xA2, 0x69, 0x6D, 0xA2, 0x69, 0x6F]), (.b, [0xD6, 0x01, 0x00, 0x00, 0x00, 0x01]),
    ]

    func write(_ format: CaptureFileFormat, name: String = "/dev/ttyUSB0") throws -> String {
        let path = temporaryPath("serial.\(format.rawValue)")
        let writer = try SerialCaptureWriter(path: path, lineName: name, format: format)
        for (i, c) in Self.chunks.enumerated() { try writer.append(c.1, direction: c.0, time: ts(1_700_000_000, UInt32(i) * 1000)) }
        try writer.close()
        return path
    }

    @Test func recordLayoutIsExact() {
        let record = SerialRecord(direction: .b, lineName: "u", bytes: [0xC0]).encoded()
        let expected: [UInt8] = [0, 12, 0, 8] + Array("msgpack".utf8) + [0]
            + [0, 35, 0, 4, 0, 0, 0, 1]
            + [0, 33, 0, 24] + Array("serial:u device>host".utf8) + [0, 0, 0, 0]
            + [0, 0, 0, 0] + [0xC0]
        #expect(record == expected)
        #expect(SerialRecord.decode(record) == .success(SerialRecord(direction: .b, lineName: "u", bytes: [0xC0])))
    }

    @Test func truncatedRecordsAreRejectedNotCrashed() {
        let record = SerialRecord(direction: .a, lineName: "/dev/ttyS0", bytes: [1, 2]).encoded()
        for n in 0..<44 {
            if case .success = SerialRecord.decode(Array(record.prefix(n))) { Issue.record("prefix \(n) accepted") }
        }
    }

    @Test(arguments: CaptureFileFormat.allCases)
    func serialCaptureReadsBackAsStreamZero(format: CaptureFileFormat) throws {
        let path = try write(format)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (segments, error, source) = try readSegments(path)
        #expect(error == nil)
        #expect(source.linkType == 252)
        let endpoint = Endpoint(address: "serial:/dev/ttyUSB0", port: 0)
        #expect(source.streams == [StreamInfo(index: 0, kind: .serial, a: endpoint, b: endpoint,
                                              startedMidStream: false, firstFrame: 1)])
        #expect(segments.first?.payload == .opened)
        #expect(view(segments, side: .a).bytes == Self.chunks.filter { $0.0 == .a }.flatMap(\.1))
        #expect(view(segments, side: .b).bytes == Self.chunks.filter { $0.0 == .b }.flatMap(\.1))
        let byteSegments = segments.filter { if case .bytes = $0.payload { return true } else { return false } }
        #expect(byteSegments.map(\.frame) == [1, 2, 3, 4, 5])
        #expect(byteSegments.map(\.side) == Self.chunks.map(\.0))
        #expect(byteSegments[2].time == ts(1_700_000_000, 2000))
        #expect(segments.allSatisfy { $0.stream == 0 && $0.source == endpoint })
    }

    @Test(arguments: CaptureFileFormat.allCases)
    func tsharkDecodesMessagePackAndDirection(format: CaptureFileFormat) throws {
        guard tsharkPath != nil else { return }
        let path = try write(format)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, out) = try runTShark(["-r", path, "-T", "fields", "-e", "frame.number", "-e", "exported_pdu.p2p_dir",
                                           "-e", "_ws.col.Protocol", "-e", "msgpack.string"])
        #expect(status == 0)
        let rows = out.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows.count == Self.chunks.count)
        #expect(rows.map { $0[1] } == ["0", "0", "1", "0", "1"])
        #expect(rows[0][2] == "serial:/dev/ttyUSB0 host>device")
        #expect(rows[2][2] == "serial:/dev/ttyUSB0 device>host")
        #expect(rows[2][3].split(separator: ",").first == "V1") // the msgpack dissector decoded the reply
        if format == .pcapng {
            // pcapng also carries the direction in the EPB flags and the line name in the IDB.
            let (_, flags) = try runTShark(["-r", path, "-T", "fields", "-e", "frame.packet_flags_direction",
                                            "-e", "frame.interface_name"])
            let rows = flags.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
            #expect(rows.map { $0.first } == ["0x00000002", "0x00000002", "0x00000001", "0x00000002", "0x00000001"])
            #expect(rows.first?.last == "/dev/ttyUSB0")
        }
        let (_, verbose) = try runTShark(["-r", path, "-V"])
        #expect(verbose.contains("P2P direction: Sent (0)"))
        #expect(verbose.contains("MsgPack"))
    }

    @Test func captureIsValidWhileTheWriterIsOpen() throws {
        let path = temporaryPath("live-serial.pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try SerialCaptureWriter(path: path, lineName: "pty")
        try writer.append([0x91, 0xA3, 0x76, 0x65, 0x72], direction: .a, time: ts(1))
        let (segments, error, _) = try readSegments(path)
        #expect(error == nil)
        #expect(view(segments, side: .a).bytes == [0x91, 0xA3, 0x76, 0x65, 0x72])
        try writer.append([0xA2, 0x56, 0x31], direction: .b, time: ts(2))
        try writer.close()
        #expect(view(try readSegments(path).segments, side: .b).bytes == [0xA2, 0x56, 0x31])
    }
}
