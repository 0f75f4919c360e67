/// What is known about one reassembled stream (a TCP connection or a serial line).
package struct StreamInfo: Sendable, Equatable {
    package enum Kind: String, Sendable, Hashable {
        case tcp, serial
    }

    /// 0-based stream index, in order of first appearance.
    package var index: Int
    package var kind: Kind
    /// Side `.a`: the SYN sender (or the first sender seen); for serial lines the host side.
    package var a: Endpoint
    /// Side `.b`: the other end.
    package var b: Endpoint
    /// True when the opening of the stream was not captured.
    package var startedMidStream: Bool
    /// The frame in which the stream was first seen.
    package var firstFrame: Int

    package init(index: Int, kind: Kind, a: Endpoint, b: Endpoint, startedMidStream: Bool, firstFrame: Int) {
        self.index = index
        self.kind = kind
        self.a = a
        self.b = b
        self.startedMidStream = startedMidStream
        self.firstFrame = firstFrame
    }

    package func endpoint(_ side: StreamSide) -> Endpoint { side == .a ? a : b }
}
