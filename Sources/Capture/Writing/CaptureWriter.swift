#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a capture file, pcap (nanosecond timestamps, magic a1b23c4d) or pcapng (SHB, one IDB with
/// if_tsresol = 9, EPBs), one link type per file. Written by hand so that both formats share one
/// code path and pcapng packet flags (direction) can be set. The file is valid after every
/// `write` once flushed: `flush()` / `close()` may be called at any point.
package final class CaptureWriter {
    /// pcapng EPB direction flag (epb_flags bits 0–1); ignored for pcap.
    package enum Direction: UInt32, Sendable {
        case unknown = 0, inbound = 1, outbound = 2
    }

    package let path: String
    package let format: CaptureFileFormat
    package let linkType: Int32
    package let snapLength: Int
    /// Flush to the OS after every packet (for captures that must survive a crash).
    package var flushEachPacket: Bool
    package private(set) var packetsWritten = 0
    private var file: UnsafeMutablePointer<FILE>?

    /// Creates (truncates) `path` and writes the file header.
    package init(path: String, format: CaptureFileFormat, linkType: Int32, snapLength: Int = 262_144,
                interfaceName: String? = nil, flushEachPacket: Bool = false) throws {
        self.path = path
        self.format = format
        self.linkType = Self.fileLinkType(linkType)
        self.snapLength = snapLength
        self.flushEachPacket = flushEachPacket
        guard let f = fopen(path, "wb") else {
            throw CaptureError.write("\(path): \(String(cString: strerror(errno)))")
        }
        file = f
        var header = ByteWriter()
        switch format {
        case .pcap:
            header.u32(0xA1B2_3C4D) // nanosecond pcap
            header.u16(2); header.u16(4)
            header.u32(0); header.u32(0)
            header.u32(UInt32(snapLength))
            header.u32(UInt32(bitPattern: self.linkType))
        case .pcapng:
            header.bytes(Self.sectionHeaderBlock())
            header.bytes(Self.interfaceDescriptionBlock(linkType: self.linkType, snapLength: snapLength, name: interfaceName))
        }
        try put(header.data)
        try flush()
    }

    deinit {
        if let f = file { fclose(f) }
    }

    /// Appends one packet. `originalLength` defaults to the data length; data beyond the snap
    /// length is cut off, as a capturing tool would.
    package func write(_ data: [UInt8], time: Timestamp, originalLength: Int? = nil, direction: Direction = .unknown) throws {
        guard file != nil else { throw CaptureError.write("\(path): already closed") }
        let captured = data.count > snapLength ? Array(data[..<snapLength]) : data
        let wire = UInt32(clamping: max(originalLength ?? data.count, captured.count))
        var w = ByteWriter()
        switch format {
        case .pcap:
            w.u32(UInt32(truncatingIfNeeded: time.seconds))
            w.u32(time.nanoseconds)
            w.u32(UInt32(captured.count))
            w.u32(wire)
            w.bytes(captured)
        case .pcapng:
            let padded = (captured.count + 3) & ~3
            let options = direction == .unknown ? 0 : 12 // epb_flags (8) + opt_endofopt (4)
            let total = 32 + padded + options
            let ns = UInt64(max(0, time.seconds)) &* 1_000_000_000 &+ UInt64(time.nanoseconds)
            w.u32(6); w.u32(UInt32(total))
            w.u32(0) // interface id
            w.u32(UInt32(ns >> 32)); w.u32(UInt32(ns & 0xFFFF_FFFF))
            w.u32(UInt32(captured.count)); w.u32(wire)
            w.bytes(captured); w.zeros(padded - captured.count)
            if direction != .unknown {
                w.u16(2); w.u16(4); w.u32(direction.rawValue) // epb_flags
                w.u16(0); w.u16(0)
            }
            w.u32(UInt32(total))
        }
        try put(w.data)
        packetsWritten += 1
        if flushEachPacket { try flush() }
    }

    package func flush() throws {
        guard let f = file else { return }
        if fflush(f) != 0 { throw CaptureError.write("\(path): \(String(cString: strerror(errno)))") }
    }

    /// Flushes and closes; further writes throw.
    package func close() throws {
        guard let f = file else { return }
        file = nil
        let flushed = fflush(f)
        let closed = fclose(f)
        if flushed != 0 || closed != 0 { throw CaptureError.write("\(path): \(String(cString: strerror(errno)))") }
    }

    private func put(_ bytes: [UInt8]) throws {
        guard let f = file else { throw CaptureError.write("\(path): already closed") }
        let n = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        if n != bytes.count { throw CaptureError.write("\(path): \(String(cString: strerror(errno)))") }
    }

    /// Files store LINKTYPE values; libpcap's DLT_RAW (12/14) is LINKTYPE_RAW (101) on disk.
    static func fileLinkType(_ dlt: Int32) -> Int32 {
        dlt == LinkType.rawBSD || dlt == LinkType.rawOpenBSD ? LinkType.raw : dlt
    }

    static func sectionHeaderBlock() -> [UInt8] {
        var options = ByteWriter()
        options.option(4, Array("msgscope".utf8)) // shb_userappl
        options.u16(0); options.u16(0)
        var w = ByteWriter()
        let total = 28 + options.data.count
        w.u32(0x0A0D_0D0A); w.u32(UInt32(total))
        w.u32(0x1A2B_3C4D)
        w.u16(1); w.u16(0)
        w.u32(0xFFFF_FFFF); w.u32(0xFFFF_FFFF) // section length unknown
        w.bytes(options.data)
        w.u32(UInt32(total))
        return w.data
    }

    static func interfaceDescriptionBlock(linkType: Int32, snapLength: Int, name: String?) -> [UInt8] {
        var options = ByteWriter()
        if let name { options.option(2, Array(name.utf8)) } // if_name
        options.option(9, [9]) // if_tsresol: 10^-9 s
        options.u16(0); options.u16(0)
        var w = ByteWriter()
        let total = 20 + options.data.count
        w.u32(1); w.u32(UInt32(total))
        w.u16(UInt16(truncatingIfNeeded: linkType)); w.u16(0)
        w.u32(UInt32(snapLength))
        w.bytes(options.data)
        w.u32(UInt32(total))
        return w.data
    }
}

/// Little-endian (pcap/pcapng written in this byte order) serialisation helper.
struct ByteWriter {
    var data: [UInt8] = []
    mutating func u16(_ v: UInt16) { data += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    mutating func u32(_ v: UInt32) { for i in 0..<4 { data.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
    mutating func bytes(_ b: [UInt8]) { data += b }
    mutating func zeros(_ n: Int) { data += [UInt8](repeating: 0, count: n) }
    /// A pcapng option: code, length, value padded to 4 bytes.
    mutating func option(_ code: UInt16, _ value: [UInt8]) {
        u16(code); u16(UInt16(value.count))
        bytes(value); zeros(((value.count + 3) & ~3) - value.count)
    }
}
