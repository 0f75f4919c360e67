/// Turns raw frames of one link type into `StreamSegment`s: TCP/IP frames go through the decoder
/// and a `TCPReassembler`; serial records (link type 252) become stream 0. `CaptureSource` uses it
/// for files; a live source can feed it the frames it reads the same way.
package final class FrameReassembler {
    /// Counts of what the frames were, for summaries.
    package struct Statistics: Sendable, Equatable {
        package var frames = 0, tcpSegments = 0, serialRecords = 0, ipFragments = 0
        /// Frames that carried neither TCP nor a serial record (ARP, UDP, …).
        package var otherFrames = 0
    }

    package let linkType: Int32
    private let isSerial: Bool
    package private(set) var statistics = Statistics()
    private let tcp: TCPReassembler
    private var serialStream: StreamInfo?

    /// True when frames of this link type can be turned into segments.
    package static func supports(linkType: Int32) -> Bool {
        LinkType.supportedIP.contains(linkType) || linkType == SerialRecord.linkType
    }

    package init(linkType: Int32, limits: TCPReassembler.Limits = .init()) {
        self.linkType = linkType
        isSerial = linkType == SerialRecord.linkType
        tcp = TCPReassembler(limits: limits)
    }

    /// Streams seen so far.
    package var streams: [StreamInfo] {
        if let serialStream { return [serialStream] }
        return tcp.streams
    }

    package func process(_ frame: RawFrame) -> [StreamSegment] {
        var out: [StreamSegment] = []
        process(frame, into: &out)
        return out
    }

    /// Appends the segments of `frame` to `out` (lets a reader reuse one array).
    package func process(_ frame: RawFrame, into out: inout [StreamSegment]) {
        var queue = SegmentQueue()
        process(frame, into: &queue)
        out += queue.removeAll()
    }

    func process(_ frame: RawFrame, into out: inout SegmentQueue) {
        if isSerial {
            statistics.frames += 1
            out.append(contentsOf: serial(frame))
            return
        }
        frame.data.withUnsafeBufferPointer { bytes in
            process(FrameView(number: frame.number, time: frame.time, originalLength: frame.originalLength,
                              bytes: bytes, fileOffset: frame.fileOffset), into: &out)
        }
    }

    /// Appends the segments of a frame read in place (see `PacketReader.nextView`). The frame's
    /// bytes are read where they lie; a TCP payload is copied once, only where it is kept.
    func process(_ frame: FrameView, into out: inout SegmentQueue) {
        if let segment = next(frame, orInto: &out) { out.append(segment) }
    }

    /// Takes a frame read in place: when it gives exactly the next in-order bytes of a stream (the
    /// common frame), their segment is returned and `out` is not touched; any other frame appends
    /// its segments (if any) to `out` and returns nil.
    @inline(__always)
    func next(_ frame: FrameView, orInto out: inout SegmentQueue) -> StreamSegment? {
        if isSerial {
            process(frame.copy(linkType: linkType), into: &out)
            return nil
        }
        statistics.frames += 1
        switch PacketDecoder.view(frame.bytes, linkType: linkType, originalLength: frame.originalLength) {
        case let .tcp(packet):
            statistics.tcpSegments += 1
            return tcp.next(packet, frame: frame.number, time: frame.time, orInto: &out)
        case .ipFragment:
            statistics.ipFragments += 1
        case .other:
            statistics.otherFrames += 1
        }
        return nil
    }

    /// No more frames: gives up on every hole still open (see `TCPReassembler.finish`).
    package func finish() -> [StreamSegment] {
        tcp.finish()
    }

    private func serial(_ frame: RawFrame) -> [StreamSegment] {
        guard case let .success(record) = SerialRecord.decode(frame.data) else {
            statistics.otherFrames += 1
            return []
        }
        statistics.serialRecords += 1
        var out: [StreamSegment] = []
        let endpoint = Endpoint(address: "serial:\(record.lineName.isEmpty ? "line" : record.lineName)", port: 0)
        if serialStream == nil {
            serialStream = StreamInfo(index: 0, kind: .serial, a: endpoint, b: endpoint, startedMidStream: false,
                                      firstFrame: frame.number)
            out.append(StreamSegment(frame: frame.number, time: frame.time, stream: 0, side: .a, source: endpoint,
                                     destination: endpoint, startedMidStream: false, payload: .opened))
        }
        if !record.bytes.isEmpty {
            out.append(StreamSegment(frame: frame.number, time: frame.time, stream: 0, side: record.direction,
                                     source: endpoint, destination: endpoint, startedMidStream: false,
                                     payload: .bytes(record.bytes)))
        }
        if frame.originalLength > frame.data.count {
            // The snap length cut the record: those line bytes are lost.
            out.append(StreamSegment(frame: frame.number, time: frame.time, stream: 0, side: record.direction,
                                     source: endpoint, destination: endpoint, startedMidStream: false,
                                     payload: .gap(count: frame.originalLength - frame.data.count)))
        }
        return out
    }
}
