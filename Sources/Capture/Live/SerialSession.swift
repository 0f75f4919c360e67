/// A serial line as a stream: turns live chunks into `StreamSegment`s (stream 0, side `.a` = host →
/// device) and, when saving, appends each chunk as one record of the serial capture encoding
/// (`SerialCaptureWriter`, flushed per chunk). Frame n of the file is the n-th chunk, and the
/// segments carry the same frame numbers and endpoint (`serial:<line>`) as reading the file back
/// gives, so the live dissection and the saved file's agree.
package final class SerialSession {
    package let lineName: String
    package let endpoint: Endpoint
    package let path: String?
    /// Set when writing the file failed (disk full …); relaying and dissecting go on.
    package private(set) var saveError: CaptureError?
    package private(set) var chunks = 0
    package private(set) var bytes: [StreamSide: Int] = [.a: 0, .b: 0]
    private var writer: SerialCaptureWriter?

    package init(lineName: String, saveTo path: String? = nil, format: CaptureFileFormat = .pcapng) {
        self.lineName = lineName
        self.path = path
        endpoint = Endpoint(address: "serial:\(lineName.isEmpty ? "line" : lineName)", port: 0)
        if let path {
            do {
                writer = try SerialCaptureWriter(path: path, lineName: lineName, format: format)
            } catch {
                saveError = error as? CaptureError ?? .write("\(error)")
            }
        }
    }

    package func chunk(_ c: LiveChunk) -> [StreamSegment] {
        guard !c.bytes.isEmpty else { return [] }
        if let w = writer {
            do {
                try w.append(c.bytes, direction: c.side, time: c.time)
            } catch {
                saveError = error as? CaptureError ?? .write("\(error)")
                writer = nil
                try? w.close()
            }
        }
        chunks += 1
        bytes[c.side, default: 0] += c.bytes.count
        var out: [StreamSegment] = []
        if chunks == 1 { out.append(segment(.a, .opened, c.time)) }
        out.append(segment(c.side, .bytes(c.bytes), c.time))
        return out
    }

    /// Closes the file (valid at every point already: this only releases it).
    package func close() {
        if let w = writer {
            do { try w.close() } catch { saveError = error as? CaptureError ?? .write("\(error)") }
        }
        writer = nil
    }

    private func segment(_ side: StreamSide, _ payload: StreamSegment.Payload, _ time: Timestamp) -> StreamSegment {
        StreamSegment(frame: chunks, time: time, stream: 0, side: side, source: endpoint, destination: endpoint,
                      startedMidStream: false, payload: payload)
    }
}
