#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a serial device or pseudo-terminal could not be used.
package enum SerialError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The device could not be opened (missing, permission …); `errno` as reported by the system.
    case openFailed(path: String, errno: Int32)
    /// A termios or ioctl call failed while configuring the line.
    case configureFailed(path: String, call: String, errno: Int32)
    /// A baud rate the system cannot set.
    case unsupportedBaud(Int)
    /// `openpty` failed.
    case ptyFailed(errno: Int32)

    package var description: String {
        switch self {
        case let .openFailed(p, e):
            return "cannot open serial device \(p): \(String(cString: strerror(e)))"
        case let .configureFailed(p, c, e):
            return "cannot configure \(p) (\(c)): \(String(cString: strerror(e)))"
        case let .unsupportedBaud(b):
            return "unsupported baud rate \(b)"
        case let .ptyFailed(e):
            return "cannot create a pseudo-terminal: \(String(cString: strerror(e)))"
        }
    }
}
