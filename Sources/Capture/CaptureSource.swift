/// Reads a capture file and yields reassembled `StreamSegment`s lazily (one frame at a time, so
/// memory does not grow with the file).
///
/// TCP captures (Ethernet, SLL, SLL2, NULL/LOOP, raw IP) are reassembled per connection and
/// direction; serial captures (link type 252, see `SerialRecord`) become stream 0 with side `.a`
/// = host → device. When the file is damaged, everything before the damage (including the
/// reassembler's flushed buffers) is delivered first, then `nextSegment()` throws
/// `CaptureError.damaged` once.
package final class CaptureSource: Sequence, IteratorProtocol {
    package let path: String
    package let linkType: Int32
    package let format: CaptureFileFormat

    private let reader: PacketReader
    private let reassembler: FrameReassembler
    /// Segments made but not yet returned (usually none: most frames give one, returned at once).
    private var queue = SegmentQueue()
    private var pendingError: CaptureError?
    private var done = false

    /// Opens a capture; throws `CaptureError.notACapture` for anything that is not a pcap/pcapng
    /// file of a supported link type.
    package static func open(path: String, limits: TCPReassembler.Limits = .init()) throws -> CaptureSource {
        try CaptureSource(path: path, limits: limits)
    }

    package init(path: String, limits: TCPReassembler.Limits = .init()) throws {
        self.path = path
        reader = try PacketReader(path: path)
        linkType = reader.linkType
        format = reader.format
        guard FrameReassembler.supports(linkType: linkType) else {
            throw CaptureError.notACapture(path: path, reason: "link type \(linkType) is not supported")
        }
        reassembler = FrameReassembler(linkType: linkType, limits: limits)
    }

    /// Streams seen so far (complete once `nextSegment()` has returned `nil` or thrown).
    package var streams: [StreamInfo] { reassembler.streams }

    package typealias Statistics = FrameReassembler.Statistics

    /// What the frames read so far were.
    package var statistics: Statistics { reassembler.statistics }

    /// Frames read so far; after the end, the number of the last frame.
    package var framesRead: Int { reader.frameCount }

    /// The next segment; `nil` at the end. Throws `CaptureError.damaged` once, after everything
    /// that could be read was returned.
    package func nextSegment() throws -> StreamSegment? {
        // The common frame gives one in-order segment: it is returned as made, through no queue.
        while !done && queue.isEmpty {
            let frame: FrameView
            do {
                guard let view = try reader.nextView() else {
                    end(with: nil)
                    break
                }
                frame = view
            } catch {
                end(with: error as? CaptureError ?? .source("\(error)"))
                break
            }
            if let segment = reassembler.next(frame, orInto: &queue) { return segment }
        }
        if let s = queue.popFirst() { return s }
        if let error = pendingError {
            pendingError = nil
            throw error
        }
        return nil
    }

    /// The file ended (cleanly, or at `error`): what the reassembler still holds comes first.
    private func end(with error: CaptureError?) {
        done = true
        pendingError = error
        queue.append(contentsOf: reassembler.finish())
    }

    /// `Sequence` access that ends quietly at damage; use `nextSegment()` to see the error.
    package func next() -> StreamSegment? {
        try? nextSegment()
    }

    /// Reads everything that is left. Returns the segments and the damage, if any.
    package func readAll() -> (segments: [StreamSegment], error: CaptureError?) {
        var out: [StreamSegment] = []
        do {
            while let s = try nextSegment() { out.append(s) }
            return (out, nil)
        } catch {
            return (out, error as? CaptureError ?? .source("\(error)"))
        }
    }
}
