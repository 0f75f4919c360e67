/// One record of a capture file as libpcap delivered it, before any protocol decoding.
package struct RawFrame: Sendable, Equatable {
    /// 1-based frame number, as tshark/Wireshark number frames.
    package var number: Int
    package var time: Timestamp
    /// The capture's link type (libpcap's DLT value, e.g. 1 = Ethernet, 113 = Linux SLL).
    package var linkType: Int32
    /// Length of the packet on the wire; `data.count` is the captured (possibly snapped) part.
    package var originalLength: Int
    package var data: [UInt8]
    /// Byte offset in the file where this record starts (best effort for pcapng).
    package var fileOffset: Int

    package init(number: Int, time: Timestamp, linkType: Int32, originalLength: Int, data: [UInt8], fileOffset: Int) {
        (self.number, self.time, self.linkType) = (number, time, linkType)
        (self.originalLength, self.data, self.fileOffset) = (originalLength, data, fileOffset)
    }
}

/// The container format of a capture file.
package enum CaptureFileFormat: String, Sendable, Hashable, CaseIterable {
    /// Classic libpcap format (microsecond or nanosecond timestamps).
    case pcap
    /// pcapng (section header, interface description and enhanced packet blocks).
    case pcapng
}

/// One record of a capture file read in place: its bytes are libpcap's buffer, valid only until
/// the reader is asked for the next record (or closed). Nothing is copied to make it.
package struct FrameView {
    package var number: Int
    package var time: Timestamp
    /// Length of the packet on the wire; `bytes.count` is the captured (possibly snapped) part.
    package var originalLength: Int
    package var bytes: UnsafeBufferPointer<UInt8>
    package var fileOffset: Int

    /// A copy that outlives the reader's buffer.
    package func copy(linkType: Int32) -> RawFrame {
        RawFrame(number: number, time: time, linkType: linkType, originalLength: originalLength,
                 data: Array(bytes), fileOffset: fileOffset)
    }
}
