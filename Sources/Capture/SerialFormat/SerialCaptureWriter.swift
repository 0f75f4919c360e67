/// Records a serial line's traffic as a capture (see `SerialRecord` for the encoding). Each chunk
/// is flushed to the file at once, so the capture is valid at any point, even after a crash.
package final class SerialCaptureWriter {
    package let lineName: String
    private let writer: CaptureWriter

    package init(path: String, lineName: String, format: CaptureFileFormat = .pcapng) throws {
        self.lineName = lineName
        writer = try CaptureWriter(path: path, format: format, linkType: SerialRecord.linkType,
                                   interfaceName: lineName, flushEachPacket: true)
    }

    /// Appends the bytes of one read or write. `direction`: `.a` = host → device, `.b` = device → host.
    package func append(_ bytes: [UInt8], direction: StreamSide, time: Timestamp) throws {
        let record = SerialRecord(direction: direction, lineName: lineName, bytes: bytes)
        try writer.write(record.encoded(), time: time, direction: direction == .a ? .outbound : .inbound)
    }

    package var chunksWritten: Int { writer.packetsWritten }

    package func flush() throws { try writer.flush() }

    package func close() throws { try writer.close() }
}
