#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Line settings of a UART (spec §1: 230400 8N2/8N1 without flow control, or 1,000,000 8N2 with
/// RTS/CTS).
package struct SerialSettings: Sendable, Equatable {
    package var baud: Int
    package var stopBits: Int
    package var rtsCts: Bool

    package init(baud: Int = 230_400, stopBits: Int = 1, rtsCts: Bool = false) {
        self.baud = baud
        self.stopBits = stopBits
        self.rtsCts = rtsCts
    }
}

/// An open tty device (a USB-serial adapter or the slave end of a pseudo-terminal) configured raw.
package struct SerialPort: Sendable {
    package let fd: Int32
    package let path: String
    package let settings: SerialSettings

    /// Opens `path` read/write without becoming its controlling terminal, and configures it raw
    /// (8 data bits, no parity, `stopBits`, optional RTS/CTS, `baud`).
    package init(path: String, settings: SerialSettings = SerialSettings()) throws(SerialError) {
        let fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
        do throws(SerialError) {
            try Self.configure(fd: fd, path: path, settings: settings)
        } catch {
            Glibc.close(fd)
            throw error
        }
        self.fd = fd
        self.path = path
        self.settings = settings
    }

    /// The termios speed constant for a standard rate, nil for a custom rate.
    package static func speedConstant(_ baud: Int) -> speed_t? {
        switch baud {
        case 9600: return speed_t(B9600)
        case 19200: return speed_t(B19200)
        case 38400: return speed_t(B38400)
        case 57600: return speed_t(B57600)
        case 115_200: return speed_t(B115200)
        case 230_400: return speed_t(B230400)
        case 460_800: return speed_t(B460800)
        case 500_000: return speed_t(B500000)
        case 576_000: return speed_t(B576000)
        case 921_600: return speed_t(B921600)
        case 1_000_000: return speed_t(B1000000)
        case 1_152_000: return speed_t(B1152000)
        case 1_500_000: return speed_t(B1500000)
        case 2_000_000: return speed_t(B2000000)
        case 3_000_000: return speed_t(B3000000)
        default: return nil
        }
    }

    static func configure(fd: Int32, path: String, settings: SerialSettings) throws(SerialError) {
        guard settings.baud > 0 else { throw .unsupportedBaud(settings.baud) }
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else { throw .configureFailed(path: path, call: "tcgetattr", errno: errno) }
        cfmakeraw(&t)
        t.c_cflag |= tcflag_t(CLOCAL | CREAD)
        t.c_cflag &= ~tcflag_t(CSIZE | PARENB)
        t.c_cflag |= tcflag_t(CS8)
        if settings.stopBits == 2 { t.c_cflag |= tcflag_t(CSTOPB) } else { t.c_cflag &= ~tcflag_t(CSTOPB) }
        if settings.rtsCts { t.c_cflag |= tcflag_t(CRTSCTS) } else { t.c_cflag &= ~tcflag_t(CRTSCTS) }
        // Reads return as soon as one byte is there; timeouts are the caller's business (poll).
        withUnsafeMutableBytes(of: &t.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        let custom = speedConstant(settings.baud) == nil
        if let sp = speedConstant(settings.baud) {
            cfsetispeed(&t, sp)
            cfsetospeed(&t, sp)
        }
        guard tcsetattr(fd, TCSANOW, &t) == 0 else { throw .configureFailed(path: path, call: "tcsetattr", errno: errno) }
        if custom { try setCustomBaud(fd: fd, path: path, baud: settings.baud) }
    }

    #if os(Linux)
    /// Linux `struct termios2` (asm-generic/termbits.h), for rates without a B constant.
    private struct Termios2 {
        var c_iflag: UInt32 = 0, c_oflag: UInt32 = 0, c_cflag: UInt32 = 0, c_lflag: UInt32 = 0
        var c_line: UInt8 = 0
        var c_cc: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                   UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var c_ispeed: UInt32 = 0, c_ospeed: UInt32 = 0
    }
    private static let TCGETS2: UInt = 0x802C_542A
    private static let TCSETS2: UInt = 0x402C_542B
    private static let BOTHER: UInt32 = 0o010000
    private static let CBAUD: UInt32 = 0o010017

    /// Sets any rate with termios2 + BOTHER (ioctl TCSETS2).
    static func setCustomBaud(fd: Int32, path: String, baud: Int) throws(SerialError) {
        var t2 = Termios2()
        guard ioctl(fd, TCGETS2, &t2) == 0 else { throw .configureFailed(path: path, call: "TCGETS2", errno: errno) }
        t2.c_cflag &= ~CBAUD
        t2.c_cflag |= BOTHER
        t2.c_ispeed = UInt32(baud)
        t2.c_ospeed = UInt32(baud)
        guard ioctl(fd, TCSETS2, &t2) == 0 else { throw .configureFailed(path: path, call: "TCSETS2", errno: errno) }
    }
    #else
    static func setCustomBaud(fd: Int32, path: String, baud: Int) throws(SerialError) {
        throw .unsupportedBaud(baud)
    }
    #endif

    /// The output speed the line is set to (standard rates only; nil for a custom rate).
    package func currentOutputSpeed() -> speed_t? {
        var t = termios()
        guard tcgetattr(fd, &t) == 0 else { return nil }
        return cfgetospeed(&t)
    }

    package func close() { Glibc.close(fd) }
}
