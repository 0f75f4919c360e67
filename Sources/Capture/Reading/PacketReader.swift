import CPcap
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads the records of a pcap or pcapng file through libpcap, one at a time (streaming: memory
/// does not grow with the file). Timestamps are read with nanosecond precision.
///
/// `next()` returns frames in file order, `nil` at the clean end of the file, and throws
/// `CaptureError.damaged` once when the file is cut short or corrupt; every frame before the damage
/// has been returned by then. After an error or the end, `next()` keeps returning `nil`.
package final class PacketReader {
    package let path: String
    /// libpcap's DLT value for the file's link type.
    package let linkType: Int32
    package let format: CaptureFileFormat
    /// Snapshot length from the file header.
    package let snapLength: Int

    private var handle: OpaquePointer?
    /// Where libpcap's callback leaves the record it read (see `nextView`).
    private let delivered = UnsafeMutablePointer<DeliveredRecord>.allocate(capacity: 1)
    private var framesRead = 0
    /// Tracked offset of the next record, used when the FILE position is unavailable.
    private var trackedOffset: Int
    private var finished = false
    /// Standard pcap: every record is a 16-byte header and its bytes, so the offset is counted
    /// instead of asked (`ftell` costs a system call per frame).
    private let countsOffsets: Bool

    package init(path: String) throws {
        self.path = path
        delivered.initialize(to: DeliveredRecord())
        self.format = try Self.sniffFormat(path: path)
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let h = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf) else {
            throw CaptureError.notACapture(path: path, reason: stringFromCBuffer(errbuf))
        }
        handle = h
        linkType = pcap_datalink(h)
        snapLength = Int(pcap_snapshot(h))
        trackedOffset = format == .pcap ? 24 : 0
        countsOffsets = format == .pcap && Self.hasStandardRecordHeaders(path: path)
        if let f = pcap_file(h) {
            // Only this reader touches the file: stdio need not lock it around each of libpcap's reads.
            msgscope_file_unlocked(f)
            if format == .pcapng { trackedOffset = Int(ftell(f)) }
        }
    }

    deinit {
        if let h = handle { pcap_close(h) }
        delivered.deinitialize(count: 1)
        delivered.deallocate()
    }

    /// Number of frames returned so far.
    package var frameCount: Int { framesRead }

    /// The next record, `nil` at the end of the file.
    package func next() throws -> RawFrame? {
        try nextView()?.copy(linkType: linkType)
    }

    /// The next record in place (its bytes stay valid until the next call), `nil` at the end of
    /// the file. Throws `CaptureError.damaged` as `next()` does.
    ///
    /// The record is taken with `pcap_dispatch` for one packet, which is `pcap_next_ex` without its
    /// wrapper around the same savefile read (the read, its errors and their messages are the same).
    package func nextView() throws -> FrameView? {
        guard !finished, let h = handle else { return nil }
        let offset = currentOffset(h)
        let rc = pcap_dispatch(h, 1, { user, header, data in
            guard let user, let header else { return }
            let record = UnsafeMutableRawPointer(user).assumingMemoryBound(to: DeliveredRecord.self)
            record.pointee = DeliveredRecord(header: header.pointee, data: data)
        }, UnsafeMutableRawPointer(delivered).assumingMemoryBound(to: UInt8.self))
        switch rc {
        case 1:
            guard let data = delivered.pointee.data else { return nil }
            let header = delivered.pointee.header
            framesRead += 1
            let caplen = Int(header.caplen)
            // With nanosecond precision libpcap stores nanoseconds in tv_usec.
            let ts = Timestamp(seconds: Int64(header.ts.tv_sec), nanoseconds: UInt32(clamping: header.ts.tv_usec))
            trackedOffset = offset + (format == .pcap ? 16 + caplen : 0)
            return FrameView(number: framesRead, time: ts, originalLength: Int(header.len),
                             bytes: UnsafeBufferPointer(start: data, count: caplen), fileOffset: offset)
        case 0, -2: // 0: the end of the file (-2, a break, is never asked for)
            finish()
            return nil
        default:
            let reason = String(cString: pcap_geterr(h))
            finish()
            throw CaptureError.damaged(frame: framesRead + 1, offset: offset, reason: reason)
        }
    }

    /// Releases the file early; later `next()` calls return `nil`.
    package func close() { finish() }

    private func finish() {
        finished = true
        if let h = handle { pcap_close(h) }
        handle = nil
    }

    private func currentOffset(_ h: OpaquePointer) -> Int {
        if countsOffsets { return trackedOffset }
        if let f = pcap_file(h) {
            let pos = ftell(f)
            if pos >= 0 { return Int(pos) }
        }
        return trackedOffset
    }

    /// Tells pcap from pcapng by the magic number, and rejects what is neither before libpcap sees
    /// it, so that "not a capture" is reported uniformly.
    /// A pcap file whose records have the 16-byte header (not Kuznetzov's modified format).
    static func hasStandardRecordHeaders(path: String) -> Bool {
        guard let f = fopen(path, "rb") else { return false }
        defer { fclose(f) }
        var magic = [UInt8](repeating: 0, count: 4)
        guard fread(&magic, 1, 4, f) == 4 else { return false }
        return magic != [0x34, 0xCD, 0xB2, 0xA1] && magic != [0xA1, 0xB2, 0xCD, 0x34]
    }

    static func sniffFormat(path: String) throws -> CaptureFileFormat {
        guard let f = fopen(path, "rb") else {
            throw CaptureError.notACapture(path: path, reason: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var magic = [UInt8](repeating: 0, count: 4)
        let n = fread(&magic, 1, 4, f)
        guard n == 4 else {
            throw CaptureError.notACapture(path: path, reason: "file too short (\(n) bytes) for a capture header")
        }
        switch magic {
        case [0x0A, 0x0D, 0x0D, 0x0A]:
            return .pcapng
        case [0xD4, 0xC3, 0xB2, 0xA1], [0xA1, 0xB2, 0xC3, 0xD4], // microseconds
             [0x4D, 0x3C, 0xB2, 0xA1], [0xA1, 0xB2, 0x3C, 0x4D], // nanoseconds
             [0x34, 0xCD, 0xB2, 0xA1], [0xA1, 0xB2, 0xCD, 0x34]: // Kuznetzov's modified pcap
            return .pcap
        default:
            let hex = magic.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
            throw CaptureError.notACapture(path: path, reason: "unknown magic number \(hex.joined(separator: " "))")
        }
    }
}

/// One record as libpcap's callback hands it over: the header copied (libpcap's lives on its
/// stack), the bytes where they lie in libpcap's buffer.
struct DeliveredRecord {
    var header = pcap_pkthdr()
    var data: UnsafePointer<UInt8>?
}
