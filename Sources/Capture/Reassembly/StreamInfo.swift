/// What is known about one reassembled stream (a TCP connection or a serial line).
public struct StreamInfo: Sendable, Equatable {
    public enum Kind: String, Sendable, Hashable {
        case tcp, serial
    }

    /// 0-based stream index, in order of first appearance.
    public var index: Int
    public var kind: Kind
    /// Side `.a`: the SYN sender (or the first sender seen); for serial lines the host side.
    public var a: Endpoint
    /// Side `.b`: the other end.
    public var b: Endpoint
    /// True when the opening of the stream was not captured.
    public var startedMidStream: Bool
    /// The frame in which the stream was first seen.
    public var firstFrame: Int

    public init(index: Int, kind: Kind, a: Endpoint, b: Endpoint, startedMidStream: Bool, firstFrame: Int) {
        self.index = index
        self.kind = kind
        self.a = a
        self.b = b
        self.startedMidStream = startedMidStream
        self.firstFrame = firstFrame
    }

    public func endpoint(_ side: StreamSide) -> Endpoint { side == .a ? a : b }
}
