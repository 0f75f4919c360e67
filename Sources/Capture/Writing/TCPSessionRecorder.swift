/// Records a byte-stream session as a TCP capture while it happens: the handshake when created,
/// one data segment (plus the receiver's ACK) per `append`, FIN/ACK exchange on `finish`. Every
/// packet is flushed, so the capture stays valid if the process dies mid-session. This is how a
/// live TCP tap or the fuzzer saves sessions that did not run over a captured interface.
package final class TCPSessionRecorder {
    package let client: Endpoint
    package let server: Endpoint
    package let link: LinkEncapsulation
    private let writer: CaptureWriter
    private var sequence: [StreamSide: UInt32]
    private var finished = false
    /// Largest payload per segment; longer chunks are split like a real stack would.
    package var maximumSegmentSize: Int

    package init(path: String, format: CaptureFileFormat = .pcap, link: LinkEncapsulation = .ethernet,
                client: Endpoint = Endpoint(address: "127.0.0.1", port: 54188),
                server: Endpoint = Endpoint(address: "127.0.0.1", port: 7000),
                start: Timestamp, maximumSegmentSize: Int = 65_483) throws {
        self.client = client
        self.server = server
        self.link = link
        self.maximumSegmentSize = max(1, maximumSegmentSize)
        writer = try CaptureWriter(path: path, format: format, linkType: link.linkType, flushEachPacket: true)
        let clientISN: UInt32 = 1_000, serverISN: UInt32 = 500_000
        sequence = [.a: clientISN &+ 1, .b: serverISN &+ 1]
        let handshake = [
            TCPPacket(source: client, destination: server, sequence: clientISN, acknowledgement: 0, flags: .syn, payload: []),
            TCPPacket(source: server, destination: client, sequence: serverISN, acknowledgement: clientISN &+ 1,
                      flags: [.syn, .ack], payload: []),
            TCPPacket(source: client, destination: server, sequence: clientISN &+ 1, acknowledgement: serverISN &+ 1,
                      flags: .ack, payload: []),
        ]
        for (i, p) in handshake.enumerated() {
            try writer.write(PacketBuilder.frame(p, link: link), time: start.adding(nanoseconds: i * 10_000))
        }
    }

    /// Records bytes sent by `side` (`.a` = client) at `time`.
    package func append(_ bytes: [UInt8], from side: StreamSide, time: Timestamp) throws {
        guard !finished else { throw CaptureError.write("\(writer.path): session already finished") }
        var offset = 0
        while offset < bytes.count {
            let piece = Array(bytes[offset..<min(bytes.count, offset + maximumSegmentSize)])
            try send(side, [.ack, .psh], piece, time)
            offset += piece.count
        }
        try send(side.other, .ack, [], time.adding(nanoseconds: 10_000))
    }

    /// Writes the closing FIN/ACK exchange (or a reset) and closes the file.
    package func finish(time: Timestamp, reset: Bool = false) throws {
        guard !finished else { return }
        finished = true
        if reset {
            try send(.a, .rst, [], time)
        } else {
            try send(.a, [.fin, .ack], [], time)
            sequence[.a] = sequence[.a]! &+ 1
            try send(.b, [.fin, .ack], [], time.adding(nanoseconds: 10_000))
            sequence[.b] = sequence[.b]! &+ 1
            try send(.a, .ack, [], time.adding(nanoseconds: 20_000))
        }
        try writer.close()
    }

    private func send(_ side: StreamSide, _ flags: TCPFlags, _ payload: [UInt8], _ time: Timestamp) throws {
        let packet = TCPPacket(source: side == .a ? client : server, destination: side == .a ? server : client,
                               sequence: sequence[side]!, acknowledgement: sequence[side.other]!, flags: flags,
                               payload: payload)
        try writer.write(PacketBuilder.frame(packet, link: link), time: time)
        sequence[side] = sequence[side]! &+ UInt32(truncatingIfNeeded: payload.count)
    }
}
