#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Capture
import MessagePack
import URPC

/// Why a client call failed.
package enum ClientError: Error, Equatable, CustomStringConvertible {
    /// No (complete) reply within the read timeout: the server is dead or out of step.
    case timeout(seconds: Double, received: Int)
    case closed
    case decode(DecodingError)
    /// The server answered with ExtType(2): the exception it raised.
    case remote(type: String, args: String, traceback: String)
    /// Something that is not a reply where one was expected (e.g. the legacy raw traceback).
    case unexpected(String)
    case transport(String)

    package var description: String {
        switch self {
        case let .timeout(s, r): return "no reply within \(s) s (\(r) bytes received)"
        case .closed: return "the server closed the connection"
        case .decode(let e): return "reply does not decode: \(e)"
        case let .remote(t, a, _): return "server raised \(t)\(a)"
        case .unexpected(let s): return "unexpected reply: \(s)"
        case .transport(let s): return s
        }
    }
}

/// One reply as the client reads it: console output first, then the value (and for `ri` the raw
/// bytes between the count and the closing nil).
package struct Reply {
    package var console: [[UInt8]] = []
    package var value: MessagePackValue = .nil
    package var raw: [UInt8]? = nil
    /// Every byte of the reply as it came off the wire.
    package var bytes: [UInt8] = []
}

/// The client's end of the link to a server: a TCP socket or a tty (pty slave, serial port).
package final class ClientLink {
    package let fd: Int32
    /// Seconds to wait for reply bytes.
    package var timeout: Double = 5.0 { didSet { applySocketTimeout() } }
    /// Sockets read with a receive timeout (one syscall per read); ttys poll first.
    private let isSocket: Bool
    /// One write per header and per payload, as the device codec writes (otherwise whole messages).
    package var piecewise = false
    private var decoder = StreamDecoder(options: .device)
    private var readBuffer = [UInt8](repeating: 0, count: 65536)
    private let encoder = Encoder(dialect: .device)
    /// Called when the reply bytes read so far would crash the published 32-bit client
    /// (`ClientCodecFaults`); the CLI exits from here. Nil: no such check.
    package var onCrash: ((DeviceCrash) -> Void)?
    /// Bytes read from the server so far.
    private var received = 0

    init(fd: Int32, isSocket: Bool) {
        self.fd = fd
        self.isSocket = isSocket
        applySocketTimeout()
    }

    private func applySocketTimeout() {
        guard isSocket else { return }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    package static func tcp(_ address: LoopbackAddress) throws -> ClientLink {
        ClientLink(fd: try address.connect(), isSocket: true)
    }

    package static func tty(path: String, baud: Int = 230_400) throws -> ClientLink {
        let port = try SerialPort(path: path, settings: SerialSettings(baud: baud))
        return ClientLink(fd: port.fd, isSocket: false)
    }

    package func close() { Glibc.close(fd) }

    /// Nagle's algorithm on (true) or off (false, the default for TCP links).
    package func setNagle(_ on: Bool) {
        guard isSocket else { return }
        var v: Int32 = on ? 0 : 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &v, socklen_t(MemoryLayout<Int32>.size))
    }

    // MARK: Writing

    package func write(_ bytes: [UInt8]) throws {
        if piecewise {
            for p in Self.pieces(bytes) where !FDIO.writeAll(fd, p) { throw ClientError.closed }
        } else if !FDIO.writeAll(fd, bytes) {
            throw ClientError.closed
        }
    }

    /// Writes `bytes` in one write call, whatever `piecewise` says (pipelined requests).
    package func writeWhole(_ bytes: [UInt8]) throws {
        if !FDIO.writeAll(fd, bytes) { throw ClientError.closed }
    }

    package func send(_ request: MessagePackValue) throws {
        try write(try encoder.encode(request))
    }

    /// Splits an encoded message the way the device's `pack` writes it: for every object its
    /// first byte, the rest of its header, its payload.
    package static func pieces(_ bytes: [UInt8]) -> [[UInt8]] {
        guard let node = try? Decoder(options: .device).decodeNode(bytes) else { return [bytes] }
        var out: [[UInt8]] = []
        func walk(_ n: Node) {
            // The first byte alone, then the rest of the header, then the payload (as the server).
            out.append([bytes[n.offset]])
            if n.headerLength > 1 { out.append(Array(bytes[(n.offset + 1)..<(n.offset + n.headerLength)])) }
            switch n.content {
            case .scalar:
                if !n.payloadRange.isEmpty { out.append(Array(bytes[n.payloadRange])) }
            case .array(let a): a.forEach(walk)
            case .map(let m): for e in m { walk(e.key); walk(e.value) }
            }
        }
        walk(node)
        return out
    }

    // MARK: Reading

    private func fill() throws {
        if !isSocket {
            guard FDIO.waitReadable(fd, timeoutMs: Int32(timeout * 1000)) else {
                throw ClientError.timeout(seconds: timeout, received: decoder.bufferedCount)
            }
        }
        let n = FDIO.readSome(fd, into: &readBuffer)
        if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
            throw ClientError.timeout(seconds: timeout, received: decoder.bufferedCount)
        }
        if n <= 0 { throw ClientError.closed }
        decoder.feed(readBuffer[0..<n])
        received += n
        if let onCrash, let c = ClientCodecFaults.crash(in: Array(decoder.bufferedBytes), origin: received - decoder.bufferedCount) {
            onCrash(c)
        }
    }

    /// Reads one msgpack object and its bytes.
    package func readObject() throws -> (value: MessagePackValue, bytes: [UInt8]) {
        while true {
            let pending = decoder.bufferedBytes
            do {
                if let (v, r) = try decoder.nextValue() {
                    return (v, Array(pending.prefix(r.count)))
                }
            } catch {
                throw ClientError.decode(error)
            }
            try fill()
        }
    }

    /// Reads `count` raw bytes.
    package func readRaw(_ count: Int) throws -> [UInt8] {
        while true {
            if let s = decoder.nextRaw(count: count) { return Array(s) }
            try fill()
        }
    }

    /// Reads a whole reply: console ExtType(3) pieces, then the value; for `ri` the count, the
    /// raw bytes and the closing nil.
    package func readReply(readinto requested: Int? = nil) throws -> Reply {
        var r = Reply()
        while true {
            let (v, b) = try readObject()
            r.bytes += b
            if case .ext(ExtCode.console, let data) = v { r.console.append(Array(data)); continue }
            if let requested {
                if case .ext = v { r.value = v; return r }
                guard let n = ReadIntoReply.rawByteCount(after: v, asked: Int64(requested)) else {
                    throw ClientError.unexpected("ri count \(ValueFormatter().format(v))")
                }
                let raw = try readRaw(n)
                r.raw = raw
                r.bytes += raw
                let (end, eb) = try readObject()
                r.bytes += eb
                guard end == ReadIntoReply.end else { throw ClientError.unexpected("ri end \(ValueFormatter().format(end))") }
                r.value = v
                return r
            }
            r.value = v
            return r
        }
    }

    /// Reads raw bytes (text that is not MessagePack, such as the published server's traceback)
    /// until `isComplete` holds for all of them. Throws `.timeout` or `.closed` with what arrived
    /// kept in `partial`.
    package func readText(until isComplete: ([UInt8]) -> Bool) throws -> [UInt8] {
        var text: [UInt8] = []
        while true {
            text += decoder.skip(decoder.bufferedCount)
            if isComplete(text) { return text }
            do { try fill() } catch { partial = text; throw error }
        }
    }

    /// What `readText` had read when it failed.
    package private(set) var partial: [UInt8] = []

    /// Closes the sending side (TCP FIN): the server's read sees the end of the stream.
    package func shutdownWrite() {
        if isSocket { shutdown(fd, Int32(SHUT_WR)) }
    }

    /// Bytes that arrived but were not read as part of a reply.
    package var leftover: Int { decoder.bufferedCount }
}
