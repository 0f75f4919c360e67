#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sits between a host program and a serial device: opens the device (raw, any rate), creates a
/// pseudo-terminal whose path the host program opens instead of the device, and relays both ways,
/// reporting each chunk read (side `.a` = host → device) to a handler.
package final class SerialTap {
    package let device: SerialPort
    package private(set) var terminal: PseudoTerminal
    /// The path the host program should open.
    package var hostPath: String { terminal.slavePath }
    package static let chunkLimit = 4096

    package init(device path: String, settings: SerialSettings) throws {
        device = try SerialPort(path: path, settings: settings)
        do {
            terminal = try PseudoTerminal()
        } catch {
            // Deliberately alike: each serial source opens its own ports and closes them on failure.
            device.close()
            throw error
        }
    }

    deinit {
        device.close()
        terminal.close()
    }

    /// `idle` is called at least every 200 ms. Relays until `stop` is requested (returns nil) or the device fails or vanishes (returns why).
    package func run(stop: LiveStop, idle: () -> Void = {}, handler: (LiveChunk) -> Void) -> CaptureError? {
        var buffer = [UInt8](repeating: 0, count: Self.chunkLimit)
        let host = terminal.masterFD
        // Non-blocking writes towards a host that is not reading (or a device with CTS low) wait in
        // poll next to the stop pipe, so Ctrl-C still ends the run.
        FDIO.setNonBlocking(host)
        FDIO.setNonBlocking(device.fd)
        while true {
            let ready = FDIO.poll([host, device.fd, stop.fd], timeoutMilliseconds: 200)
            idle()
            if ready[2] != 0 || stop.isRequested { return nil }
            // Device first: replies are what the host waits for.
            if ready[1] != 0 {
                switch FDIO.read(device.fd, into: &buffer) {
                case let .bytes(b):
                    let time = Timestamp.now()
                    handler(LiveChunk(side: .b, bytes: b, time: time))
                    if let e = FDIO.writeAll(host, b, stopFD: stop.fd) {
                        if e == ECANCELED { return nil }
                        return .source("cannot write to the host terminal \(hostPath): \(FDIO.message(e))")
                    }
                case .endOfFile:
                    return .source("serial device \(device.path) vanished (end of file)")
                case let .failed(e):
                    return .source("serial device \(device.path) vanished: \(FDIO.message(e))")
                case .wouldBlock:
                    break
                }
            }
            if ready[0] != 0 {
                switch FDIO.read(host, into: &buffer) {
                case let .bytes(b):
                    let time = Timestamp.now()
                    handler(LiveChunk(side: .a, bytes: b, time: time))
                    if let e = FDIO.writeAll(device.fd, b, stopFD: stop.fd) {
                        if e == ECANCELED { return nil }
                        return .source("serial device \(device.path) vanished: \(FDIO.message(e))")
                    }
                case .endOfFile, .wouldBlock, .failed:
                    // No host has the terminal open: nothing to relay from it yet.
                    usleep(10_000)
                }
            }
        }
    }
}
