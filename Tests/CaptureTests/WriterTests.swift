import Foundation
import Testing
@testable import Capture

/// CaptureWriter output read back by libpcap (and tshark when installed).
@Suite struct WriterTests {
    static func packets() -> [(data: [UInt8], time: Timestamp)] {
        // Lengths 0...9 exercise every pcapng padding; the timestamps every nanosecond digit.
        (0..<10).map { (n: Int) -> (data: [UInt8], time: Timestamp) in
            let data: [UInt8] = (0..<n).map { (k: Int) -> UInt8 in UInt8((k * 31 + n) & 0xFF) }
            return (data, ts(1_600_000_000 + Int64(n), UInt32(n) * 111_111_111))
        }
    }

    @Test(arguments: CaptureFileFormat.allCases)
    func roundTripThroughLibpcap(format: CaptureFileFormat) throws {
        let path = temporaryPath("writer.\(format.rawValue)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CaptureWriter(path: path, format: format, linkType: 147, interfaceName: "test0") // USER0
        for p in Self.packets() { try writer.write(p.data, time: p.time, originalLength: p.data.count + 5) }
        try writer.close()
        #expect(throws: CaptureError.self) { try writer.write([1], time: ts(1)) }

        let reader = try PacketReader(path: path)
        #expect(reader.format == format)
        #expect(reader.linkType == 147)
        var frames: [RawFrame] = []
        while let f = try reader.next() { frames.append(f) }
        #expect(frames.map(\.data) == Self.packets().map(\.data))
        #expect(frames.map(\.time) == Self.packets().map(\.time))
        #expect(frames.map(\.originalLength) == Self.packets().map { $0.data.count + 5 })
        #expect(frames.map(\.number) == Array(1...10))
    }

    @Test(arguments: CaptureFileFormat.allCases)
    func tsharkReadsWrittenFiles(format: CaptureFileFormat) throws {
        guard tsharkPath != nil else { return }
        let path = temporaryPath("tshark.\(format.rawValue)")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CaptureWriter(path: path, format: format, linkType: LinkType.ethernet)
        for p in Self.packets() { try writer.write(p.data, time: p.time, direction: .inbound) }
        try writer.close()
        let (status, out) = try runTShark(["-r", path, "-T", "fields", "-e", "frame.number", "-e", "frame.len",
                                           "-e", "frame.time_epoch"])
        #expect(status == 0)
        let rows = out.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.count == 10)
        for (i, row) in rows.enumerated() {
            #expect(row[0] == "\(i + 1)")
            #expect(row[1] == "\(i)")
            #expect(row[2] == "\(1_600_000_000 + i).\(String(repeating: "\(i)", count: 9))" || i == 0)
        }
    }

    @Test func snapLengthCutsData() throws {
        let path = temporaryPath("snap.pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CaptureWriter(path: path, format: .pcapng, linkType: 147, snapLength: 4)
        try writer.write([1, 2, 3, 4, 5, 6], time: ts(1))
        try writer.close()
        let reader = try PacketReader(path: path)
        let f = try #require(try reader.next())
        #expect(f.data == [1, 2, 3, 4])
        #expect(f.originalLength == 6)
    }

    @Test func unwritablePathIsAWriteError() {
        #expect(throws: CaptureError.self) {
            try CaptureWriter(path: "/nonexistent-dir/x.pcap", format: .pcap, linkType: 1)
        }
    }

    @Test func fileIsReadableAfterFlushWhileOpen() throws {
        let path = temporaryPath("open.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CaptureWriter(path: path, format: .pcapng, linkType: 147)
        try writer.write([7, 7], time: ts(1))
        try writer.flush()
        let reader = try PacketReader(path: path)
        #expect(try reader.next()?.data == [7, 7])
        #expect(try reader.next() == nil)
        try writer.close()
    }
}

/// Damaged and foreign files.
@Suite struct DamageTests {
    /// Offsets of the records of a pcap file (24-byte header, 16-byte record headers).
    static func recordOffsets(_ bytes: [UInt8]) -> [Int] {
        var offsets: [Int] = []
        var p = 24
        while p + 16 <= bytes.count {
            offsets.append(p)
            let caplen = Int(bytes[p + 8]) | Int(bytes[p + 9]) << 8 | Int(bytes[p + 10]) << 16 | Int(bytes[p + 11]) << 24
            p += 16 + caplen
        }
        return offsets
    }

    static let original = try! [UInt8](Data(contentsOf: URL(fileURLWithPath: sharedCapture("urpc_a_basic_session.pcap"))))

    /// Cuts the shared capture inside record `frame` (`intoRecord` bytes after its start).
    @Test(arguments: [(100, 30), (100, 5), (7, 16 + 60), (222, 17), (1, 3)])
    func truncatedPcapDeliversEverythingBefore(frame: Int, intoRecord: Int) throws {
        let offsets = Self.recordOffsets(Self.original)
        #expect(offsets.count == 222)
        let cut = offsets[frame - 1] + intoRecord
        let path = temporaryPath("cut.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(Self.original[..<cut]).write(to: URL(fileURLWithPath: path))

        let (full, fullError, _) = try readSegments(sharedCapture("urpc_a_basic_session.pcap"))
        #expect(fullError == nil)
        let (segments, error, source) = try readSegments(path)
        guard case let .damaged(f, offset, reason)? = error else {
            Issue.record("expected damage, got \(String(describing: error))"); return
        }
        #expect(f == frame)
        #expect(offset == offsets[frame - 1])
        #expect(reason.contains("truncated"))
        #expect(source.framesRead == frame - 1)
        #expect(segments == full.filter { $0.frame < frame })
        // After the error the source stays finished.
        #expect(try source.nextSegment() == nil)
    }

    @Test func truncatedPcapngNamesTheFrame() throws {
        let path = temporaryPath("cut.pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let packets = TCPConversation().packets([.init(side: .a, bytes: Array(repeating: 0x41, count: 100), time: ts(5))])
        try TCPConversation.write(packets, to: path, format: .pcapng)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        // Find the 4th EPB: walk blocks (type, length) from the start.
        var p = 0, epbs: [Int] = []
        while p + 8 <= bytes.count {
            let type = bytes[p], length = Int(bytes[p + 4]) | Int(bytes[p + 5]) << 8
            if type == 6 { epbs.append(p) }
            p += length
        }
        #expect(epbs.count == packets.count)
        bytes = Array(bytes[..<(epbs[3] + 40)])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (segments, error, _) = try readSegments(path)
        guard case let .damaged(frame, offset, _)? = error else { Issue.record("no damage reported"); return }
        #expect(frame == 4)
        #expect(offset == epbs[3])
        #expect(segments.map(\.payload) == [.opened])
    }

    @Test func corruptRecordLength() throws {
        var bytes = Self.original
        let offsets = Self.recordOffsets(bytes)
        let p = offsets[49] // frame 50
        bytes[p + 8] = 0xF0; bytes[p + 9] = 0xFF; bytes[p + 10] = 0xFF; bytes[p + 11] = 0x7F
        let path = temporaryPath("corrupt.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (segments, error, _) = try readSegments(path)
        guard case let .damaged(frame, offset, _)? = error else { Issue.record("no damage reported"); return }
        #expect(frame == 50)
        #expect(offset == p)
        #expect(segments.allSatisfy { $0.frame < 50 })
        #expect(!segments.isEmpty)
    }

    @Test(arguments: [
        Array("this is a text file, not a capture\n".utf8),
        [],
        [0xD4, 0xC3],
        (0..<4096).map { UInt8(($0 * 7919) & 0xFF) },
        [0xD4, 0xC3, 0xB2, 0xA1, 2, 0], // pcap magic, header cut short
    ])
    func garbageIsNotACapture(bytes: [UInt8]) throws {
        let path = temporaryPath("garbage.bin")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try CaptureSource.open(path: path)
        } throws: { error in
            if case .notACapture(let p, _)? = error as? CaptureError { return p == path }
            return false
        }
    }

    @Test func missingFileIsNotACapture() {
        #expect(throws: CaptureError.self) { _ = try CaptureSource.open(path: "/nonexistent/file.pcap") }
    }

    @Test func headerOnlyCaptureIsEmpty() throws {
        let path = temporaryPath("empty.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(Self.original[..<24]).write(to: URL(fileURLWithPath: path))
        let (segments, error, source) = try readSegments(path)
        #expect(segments.isEmpty && error == nil && source.framesRead == 0)
    }
}

/// Sessions recorded packet by packet read back as the bytes that were appended.
@Suite struct SessionRecorderTests {
    @Test(arguments: [LinkEncapsulation.ethernet, .null, .loop])
    func recordedSessionReadsBack(link: LinkEncapsulation) throws {
        let path = temporaryPath("session.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recorder = try TCPSessionRecorder(path: path, link: link, start: ts(100), maximumSegmentSize: 3)
        try recorder.append([0x91, 0xA3, 0x76, 0x65, 0x72], from: .a, time: ts(101))
        // Valid while still recording.
        #expect(view(try readSegments(path).segments, side: .a).bytes == [0x91, 0xA3, 0x76, 0x65, 0x72])
        try recorder.append([0xA2, 0x56, 0x31], from: .b, time: ts(102))
        try recorder.finish(time: ts(103))
        let (segments, error, source) = try readSegments(path)
        #expect(error == nil)
        #expect(source.streams.first?.b.port == 7000)
        #expect(view(segments, side: .a).bytes == [0x91, 0xA3, 0x76, 0x65, 0x72])
        #expect(view(segments, side: .b).bytes == [0xA2, 0x56, 0x31])
        #expect(view(segments, side: .a).opened)
        #expect(view(segments, side: .a).closed == [false])
        #expect(view(segments, side: .b).closed == [false])
        #expect(throws: CaptureError.self) { try recorder.append([1], from: .a, time: ts(104)) }
    }
}

/// Byte order and timestamp precision variants of the container read the same.
@Suite struct ContainerVariantTests {
    /// The shared (little-endian, microsecond) capture rewritten big-endian.
    @Test func bigEndianPcapReadsTheSame() throws {
        var bytes = DamageTests.original
        func swap32(_ p: Int) { bytes[p..<(p + 4)].reverse() }
        func swap16(_ p: Int) { bytes[p..<(p + 2)].reverse() }
        let offsets = DamageTests.recordOffsets(bytes)
        swap32(0); swap16(4); swap16(6); swap32(8); swap32(12); swap32(16); swap32(20)
        for p in offsets { for k in 0..<4 { swap32(p + 4 * k) } }
        let path = temporaryPath("big-endian.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (theirs, error, _) = try readSegments(path)
        let (ours, _, _) = try readSegments(sharedCapture("urpc_a_basic_session.pcap"))
        #expect(error == nil)
        #expect(theirs == ours)
        #expect(ours.first?.time == Timestamp(seconds: 1_795_637_377, nanoseconds: 611_002_000))
    }
}

@Suite struct PcapngDamageTests {
    @Test func corruptBlockLengthIsDamageAtThatFrame() throws {
        let path = temporaryPath("corrupt.pcapng")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let packets = TCPConversation().packets(ReassemblyTests.chunks())
        try TCPConversation.write(packets, to: path, format: .pcapng)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var p = 0, epbs: [Int] = []
        while p + 8 <= bytes.count {
            if bytes[p] == 6 { epbs.append(p) }
            p += Int(bytes[p + 4]) | Int(bytes[p + 5]) << 8
        }
        bytes[epbs[5] + 4] = 0x07 // a block length that is not a multiple of 4
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let (segments, error, source) = try readSegments(path)
        guard case let .damaged(frame, offset, _)? = error else { Issue.record("no damage reported"); return }
        #expect(frame == 6)
        #expect(offset == epbs[5])
        #expect(source.framesRead == 5)
        #expect(segments.allSatisfy { $0.frame <= 5 })
        #expect(view(segments, side: .a).bytes == ReassemblyTests.request) // frame 4 carried it
    }

    @Test func snappedSerialRecordEndsWithAGap() throws {
        let path = temporaryPath("snapped-serial.pcap")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let record = SerialRecord(direction: .b, lineName: "tty", bytes: Array(repeating: 0xC0, count: 20)).encoded()
        let writer = try CaptureWriter(path: path, format: .pcap, linkType: SerialRecord.linkType, snapLength: record.count - 8)
        try writer.write(record, time: ts(1))
        try writer.close()
        let (segments, _, _) = try readSegments(path)
        let b = view(segments, side: .b)
        #expect(b.bytes == Array(repeating: 0xC0, count: 12))
        #expect(b.gaps == [8])
    }
}
