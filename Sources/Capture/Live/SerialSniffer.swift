#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The hardware sniffer set-up: two receive-only ports, each wired to one line of the UART (`tx`:
/// what the host transmits, side `.a`; `rx`: what the host receives, side `.b`). Chunks are
/// timestamped at the read and reported in read order, which merges the two lines by time.
/// Nothing is ever written to either port.
package final class SerialSniffer {
    package let tx: SerialPort
    package let rx: SerialPort
    package static let chunkLimit = 4096

    package init(rx rxPath: String, tx txPath: String, settings: SerialSettings) throws {
        rx = try SerialPort(path: rxPath, settings: settings)
        do {
            tx = try SerialPort(path: txPath, settings: settings)
        } catch {
            rx.close()
            throw error
        }
    }

    deinit {
        rx.close()
        tx.close()
    }

    /// `idle` is called at least every 200 ms. Reads until `stop` is requested (returns nil) or a port fails or vanishes (returns why).
    package func run(stop: LiveStop, idle: () -> Void = {}, handler: (LiveChunk) -> Void) -> CaptureError? {
        var buffer = [UInt8](repeating: 0, count: Self.chunkLimit)
        while true {
            let ready = LiveIO.poll([tx.fd, rx.fd, stop.fd], timeoutMilliseconds: 200)
            idle()
            if ready[2] != 0 || stop.isRequested { return nil }
            for (i, (port, side)) in [(tx, StreamSide.a), (rx, .b)].enumerated() where ready[i] != 0 {
                switch LiveIO.read(port.fd, into: &buffer) {
                case let .bytes(b):
                    handler(LiveChunk(side: side, bytes: b, time: .now()))
                case .endOfFile:
                    return .source("serial device \(port.path) vanished (end of file)")
                case let .failed(e):
                    return .source("serial device \(port.path) vanished: \(LiveIO.message(e))")
                case .wouldBlock:
                    break
                }
            }
        }
    }
}
