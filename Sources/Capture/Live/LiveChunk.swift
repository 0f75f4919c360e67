#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One read from a live byte stream (a socket or a tty), timestamped when it was read.
package struct LiveChunk: Sendable, Equatable {
    /// `.a` = client/host → server/device, `.b` = the reply direction.
    package var side: StreamSide
    package var bytes: [UInt8]
    package var time: Timestamp

    package init(side: StreamSide, bytes: [UInt8], time: Timestamp) {
        self.side = side
        self.bytes = bytes
        self.time = time
    }
}
