#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pseudo-terminal pair in raw mode: the master end is what a simulated device reads and writes,
/// the slave path is what a client opens as if it were a serial port (`/dev/pts/N`).
package struct PseudoTerminal: Sendable {
    package let masterFD: Int32
    /// The slave end, kept open by its creator so that the master never sees EIO while no client
    /// has the device open (a real UART does not vanish between users either). -1 when closed.
    package private(set) var slaveFD: Int32
    package let slavePath: String

    /// Creates the pair with `openpty` and puts both ends in raw mode (`cfmakeraw`): no echo, no
    /// line editing, no CR/LF translation, 8-bit clean.
    package init() throws(SerialError) {
        var master: Int32 = -1
        var slave: Int32 = -1
        var name = [CChar](repeating: 0, count: 256)
        guard openpty(&master, &slave, &name, nil, nil) == 0 else { throw .ptyFailed(errno: errno) }
        for fd in [master, slave] {
            var t = termios()
            if tcgetattr(fd, &t) == 0 {
                cfmakeraw(&t)
                _ = tcsetattr(fd, TCSANOW, &t)
            }
        }
        _ = fcntl(master, F_SETFD, FD_CLOEXEC)
        _ = fcntl(slave, F_SETFD, FD_CLOEXEC)
        masterFD = master
        slaveFD = slave
        slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Closes the creator's slave descriptor (a client that opened the path keeps its own).
    package mutating func closeSlave() {
        if slaveFD >= 0 { Glibc.close(slaveFD); slaveFD = -1 }
    }

    /// Closes both ends.
    package mutating func close() {
        closeSlave()
        Glibc.close(masterFD)
    }
}
