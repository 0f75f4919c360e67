/// Reads a capture file and yields reassembled `StreamSegment`s lazily (one frame at a time, so
/// memory does not grow with the file).
///
/// TCP captures (Ethernet, SLL, SLL2, NULL/LOOP, raw IP) are reassembled per connection and
/// direction; serial captures (link type 252, see `SerialRecord`) become stream 0 with side `.a`
/// = host → device. When the file is damaged, everything before the damage (including the
/// reassembler's flushed buffers) is delivered first, then `next()` throws `CaptureError.damaged`.
public final class CaptureSource: Sequence, IteratorProtocol {
    /// Counts of what the frames were, for summaries.
    public struct Statistics: Sendable, Equatable {
        public var frames = 0
        public var tcpSegments = 0
        public var serialRecords = 0
        public var ipFragments = 0
        /// Frames that carried neither TCP nor a serial record (ARP, UDP, …).
        public var otherFrames = 0
    }

    public let path: String
    public let linkType: Int32
    public let format: CaptureFileFormat
    public private(set) var statistics = Statistics()

    private let reader: PacketReader
    private let reassembler: TCPReassembler
    private var serialStream: StreamInfo?
    private var queue: [StreamSegment] = []
    private var queueIndex = 0
    private var pendingError: CaptureError?
    private var done = false

    /// Opens a capture; throws `CaptureError.notACapture` for anything that is not pcap/pcapng.
    public static func open(path: String, limits: TCPReassembler.Limits = .init()) throws -> CaptureSource {
        try CaptureSource(path: path, limits: limits)
    }

    public init(path: String, limits: TCPReassembler.Limits = .init()) throws {
        self.path = path
        reader = try PacketReader(path: path)
        linkType = reader.linkType
        format = reader.format
        reassembler = TCPReassembler(limits: limits)
        let supported = LinkType.supportedIP.contains(linkType) || linkType == SerialRecord.linkType
        if !supported {
            throw CaptureError.notACapture(path: path, reason: "link type \(linkType) is not supported")
        }
    }

    /// Streams seen so far (complete once `next()` has returned `nil` or thrown).
    public var streams: [StreamInfo] {
        if let serialStream { return [serialStream] }
        return reassembler.streams
    }

    /// Frames read so far; after the end, the number of the last frame.
    public var framesRead: Int { reader.frameCount }

    /// The next segment; `nil` at the end. Throws `CaptureError.damaged` once, after everything
    /// that could be read was returned.
    public func nextSegment() throws -> StreamSegment? {
        while true {
            if queueIndex < queue.count {
                let s = queue[queueIndex]
                queueIndex += 1
                return s
            }
            queue.removeAll(keepingCapacity: true)
            queueIndex = 0
            if let error = pendingError {
                pendingError = nil
                throw error
            }
            if done { return nil }
            do {
                if let frame = try reader.next() {
                    queue = process(frame)
                } else {
                    done = true
                    queue = reassembler.finish()
                }
            } catch let error as CaptureError {
                done = true
                pendingError = error
                queue = reassembler.finish()
            }
        }
    }

    /// `Sequence` access that ends quietly at damage; use `nextSegment()` to see the error.
    public func next() -> StreamSegment? {
        try? nextSegment()
    }

    /// Reads everything. Returns the segments and the damage, if any.
    public func readAll() -> (segments: [StreamSegment], error: CaptureError?) {
        var out: [StreamSegment] = []
        do {
            while let s = try nextSegment() { out.append(s) }
            return (out, nil)
        } catch {
            return (out, error as? CaptureError ?? .source("\(error)"))
        }
    }

    private func process(_ frame: RawFrame) -> [StreamSegment] {
        statistics.frames += 1
        if linkType == SerialRecord.linkType {
            return serial(frame)
        }
        let decoded = PacketDecoder.decode(frame)
        switch decoded.content {
        case let .tcp(packet):
            statistics.tcpSegments += 1
            return reassembler.process(packet, frame: frame.number, time: frame.time)
        case .ipFragment:
            statistics.ipFragments += 1
        case .other:
            statistics.otherFrames += 1
        }
        return []
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
            let info = StreamInfo(index: 0, kind: .serial, a: endpoint, b: endpoint, startedMidStream: false,
                                  firstFrame: frame.number)
            serialStream = info
            out.append(StreamSegment(frame: frame.number, time: frame.time, stream: 0, side: .a, source: endpoint,
                                     destination: endpoint, startedMidStream: false, payload: .opened))
        }
        if !record.bytes.isEmpty {
            out.append(StreamSegment(frame: frame.number, time: frame.time, stream: 0, side: record.direction,
                                     source: endpoint, destination: endpoint, startedMidStream: false,
                                     payload: .bytes(record.bytes)))
        }
        return out
    }
}
