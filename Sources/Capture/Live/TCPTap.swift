#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A man-in-the-middle TCP relay that needs no privileges: it listens, and for each client it
/// accepts it connects to the real server and forwards both directions unchanged, reporting each
/// chunk read (timestamped at the read) to a handler. Connections are relayed one after another
/// (a urpc device serves one client at a time); further clients wait in the listen backlog.
/// Half-closes are forwarded (a FIN one way becomes `shutdown(SHUT_WR)` the other way).
package final class TCPTap {
    package enum Event: Sendable {
        /// A client was accepted and the server connected.
        case connected(connection: Int, client: Endpoint, server: Endpoint, time: Timestamp)
        /// Bytes read from one side, already forwarded to the other.
        case chunk(connection: Int, LiveChunk)
        /// The relay of this connection ended (both sides closed, a reset, or a stop request).
        case closed(connection: Int, reset: Bool, time: Timestamp)
        /// A client was accepted but the server could not be reached; the client was closed.
        case upstreamFailed(client: Endpoint, reason: String)
    }

    /// Largest read; below `TCPSessionRecorder`'s segment size so one chunk is one recorded segment.
    package static let chunkLimit = 60_000

    /// The address actually listened on (port 0 in `listen` picks a free port).
    package let listenAddress: SocketAddress
    package let upstream: SocketAddress
    package private(set) var bytesRelayed: [StreamSide: Int] = [.a: 0, .b: 0]
    package private(set) var connectionsRelayed = 0
    private let listenFD: Int32

    package init(listen: String, connect: String) throws {
        let local = try SocketAddress(parsing: listen)
        upstream = try SocketAddress(parsing: connect)
        let fd = socket(local.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CaptureError.source("socket: \(LiveIO.message(errno))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let bound = local.withSockaddr { bind(fd, $0, $1) }
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            let e = errno
            Glibc.close(fd)
            throw CaptureError.source("cannot listen on \(listen): \(LiveIO.message(e))")
        }
        listenFD = fd
        listenAddress = SocketAddress.of(fd, peer: false) ?? local
    }

    deinit { Glibc.close(listenFD) }

    /// Relays until `stop` is requested or `maxConnections` relays have ended. `idle` is called
    /// at least every 200 ms (for timers: durations, periodic reports).
    package func run(stop: LiveStop, maxConnections: Int? = nil, idle: () -> Void = {}, handler: (Event) -> Void) {
        while !stop.isRequested {
            if let m = maxConnections, connectionsRelayed >= m { return }
            let ready = LiveIO.poll([listenFD, stop.fd], timeoutMilliseconds: 200)
            idle()
            guard ready[0] & Int16(POLLIN) != 0 else { continue }
            let client = accept(listenFD, nil, nil)
            guard client >= 0 else { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            let clientEndpoint = SocketAddress.of(client, peer: true)?.endpoint ?? Endpoint(address: "?", port: 0)
            let server = socket(upstream.family, Int32(SOCK_STREAM.rawValue), 0)
            let connected = server >= 0 && upstream.withSockaddr { Glibc.connect(server, $0, $1) } == 0
            if !connected {
                let reason = LiveIO.message(errno)
                if server >= 0 { Glibc.close(server) }
                Glibc.close(client)
                handler(.upstreamFailed(client: clientEndpoint, reason: "cannot connect to \(upstream): \(reason)"))
                continue
            }
            _ = fcntl(server, F_SETFD, FD_CLOEXEC)
            for fd in [client, server] {
                LiveIO.setNonBlocking(fd)
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            let index = connectionsRelayed
            handler(.connected(connection: index, client: clientEndpoint, server: upstream.endpoint, time: .now()))
            let reset = relay(client: client, server: server, connection: index, stop: stop, idle: idle, handler: handler)
            Glibc.close(client)
            Glibc.close(server)
            connectionsRelayed += 1
            handler(.closed(connection: index, reset: reset, time: .now()))
        }
    }

    /// Forwards both ways until both directions are closed; true when it ended by a reset/error.
    private func relay(client: Int32, server: Int32, connection: Int, stop: LiveStop, idle: () -> Void,
                       handler: (Event) -> Void) -> Bool {
        var buffer = [UInt8](repeating: 0, count: Self.chunkLimit)
        // Side `.a` reads from the client and writes to the server; `.b` the other way.
        var open: [StreamSide: Bool] = [.a: true, .b: true]
        let from: [StreamSide: Int32] = [.a: client, .b: server]
        let to: [StreamSide: Int32] = [.a: server, .b: client]
        while open[.a]! || open[.b]! {
            let fds = [open[.a]! ? client : -1, open[.b]! ? server : -1, stop.fd]
            let ready = LiveIO.poll(fds, timeoutMilliseconds: 200)
            idle()
            if ready[2] != 0 || stop.isRequested { return false }
            for (i, side) in [StreamSide.a, .b].enumerated() where ready[i] != 0 && open[side]! {
                switch LiveIO.read(from[side]!, into: &buffer) {
                case let .bytes(b):
                    let time = Timestamp.now()
                    if let e = LiveIO.writeAll(to[side]!, b, stopFD: stop.fd) { return e != ECANCELED }
                    bytesRelayed[side, default: 0] += b.count
                    handler(.chunk(connection: connection, LiveChunk(side: side, bytes: b, time: time)))
                case .endOfFile:
                    open[side] = false
                    shutdown(to[side]!, Int32(SHUT_WR))
                case .wouldBlock:
                    break
                case .failed:
                    return true
                }
            }
        }
        return false
    }
}
