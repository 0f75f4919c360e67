/// Records a serial line's traffic as a capture (see `SerialRecord` for the encoding). Each chunk
/// is flushed to the file at once, so the capture is valid at any point, even after a crash.
public final class SerialCaptureWriter {
    public let lineName: String
    private let writer: CaptureWriter

    public init(path: String, lineName: String, format: CaptureFileFormat = .pcapng) throws {
        self.lineName = lineName
        writer = try CaptureWriter(path: path, format: format, linkType: SerialRecord.linkType,
                                   interfaceName: lineName, flushEachPacket: true)
    }

    /// Appends the bytes of one read or write. `direction`: `.a` = host → device, `.b` = device → host.
    public func append(_ bytes: [UInt8], direction: StreamSide, time: Timestamp) throws {
        let record = SerialRecord(direction: direction, lineName: lineName, bytes: bytes)
        try writer.write(record.encoded(), time: time, direction: direction == .a ? .outbound : .inbound)
    }

    public var chunksWritten: Int { writer.packetsWritten }

    public func flush() throws { try writer.flush() }

    public func close() throws { try writer.close() }
}
