/// One relayed TCP connection as a stream: turns the tap's chunks into `StreamSegment`s and, when
/// saving, records them with `TCPSessionRecorder` (handshake, one segment plus its ACK per chunk,
/// FIN exchange), so the file reopens as a normal TCP capture. The segments carry the frame numbers
/// the recorder gives each chunk, so the live dissection and the saved file's agree frame for frame.
package final class TCPTapSession {
    package let stream: Int
    package let client: Endpoint
    package let server: Endpoint
    /// Set when writing the file failed (disk full …); the relay and the dissection go on.
    package private(set) var saveError: CaptureError?
    package let path: String?
    private var recorder: TCPSessionRecorder?
    /// The last frame number written (or that would have been written).
    private var frame = 0
    private var closed = false

    /// Starts the session at `start` (the handshake is frames 1–3) and returns it with its
    /// `.opened` segment.
    package init(stream: Int, client: Endpoint, server: Endpoint, start: Timestamp,
                saveTo path: String? = nil, format: CaptureFileFormat = .pcapng) {
        self.stream = stream
        self.client = client
        self.server = server
        self.path = path
        if let path {
            do {
                recorder = try TCPSessionRecorder(path: path, format: format, link: .ethernet(vlanIDs: []),
                                                  client: client, server: server, start: start)
            } catch {
                saveError = error as? CaptureError ?? .write("\(error)")
            }
        }
        frame = 3
        openedSegment = StreamSegment(frame: 1, time: start, stream: stream, side: .a, source: client,
                                      destination: server, startedMidStream: false, payload: .opened)
    }

    /// The stream's opening (frame 1, the SYN).
    package let openedSegment: StreamSegment

    /// One chunk read by the tap (at most `TCPTap.chunkLimit` bytes).
    package func chunk(_ c: LiveChunk) -> [StreamSegment] {
        guard !closed, !c.bytes.isEmpty else { return [] }
        record { try $0.append(c.bytes, from: c.side, time: c.time) }
        let s = segment(c.side, .bytes(c.bytes), frame: frame + 1, time: c.time)
        frame += 2 // the data segment and the receiver's ACK
        return [s]
    }

    /// The end of the relay: FIN exchange (or a reset); closes the file.
    package func close(time: Timestamp, reset: Bool) -> [StreamSegment] {
        guard !closed else { return [] }
        closed = true
        record { try $0.finish(time: time, reset: reset) }
        recorder = nil
        if reset {
            return [segment(.a, .closed(reset: true), frame: frame + 1, time: time),
                    segment(.b, .closed(reset: true), frame: frame + 1, time: time)]
        }
        return [segment(.a, .closed(reset: false), frame: frame + 1, time: time),
                segment(.b, .closed(reset: false), frame: frame + 2, time: time.adding(nanoseconds: 10_000))]
    }

    private func record(_ body: (TCPSessionRecorder) throws -> Void) {
        guard let r = recorder, saveError == nil else { return }
        do {
            try body(r)
        } catch {
            saveError = error as? CaptureError ?? .write("\(error)")
            recorder = nil
        }
    }

    private func segment(_ side: StreamSide, _ payload: StreamSegment.Payload, frame: Int, time: Timestamp) -> StreamSegment {
        StreamSegment(frame: frame, time: time, stream: stream, side: side,
                      source: side == .a ? client : server, destination: side == .a ? server : client,
                      startedMidStream: false, payload: payload)
    }
}
