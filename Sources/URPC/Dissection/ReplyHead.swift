import MessagePack

/// What the reply state machine reads of a server object, from its first header without
/// decoding it (bytes cut inside the header read as `other`):
/// console output and exceptions are ext codes 3 and 2, an `ri` count is an int or nil.
enum ReplyHead: Equatable {
    /// An array or a map.
    case container
    case `nil`
    /// An integer; nil when it is beyond `Int64` (as `MessagePackValue.intValue`).
    case integer(Int64?)
    case ext(Int8)
    /// A bool, a float, a str or a bin.
    case other

    /// Read through the codec's header reader (the standard dialect, as the dissector decodes).
    @inline(__always)
    init(_ bytes: __shared ArraySlice<UInt8>) {
        self = bytes.withUnsafeBufferPointer { p in
            switch HeaderReader(p).element(at: 0) {
            case nil: .other
            case .value(.nil)?: .nil
            case .value(.int(let v))?: .integer(v)
            case .value(.uint(let v))?: .integer(Int64(exactly: v))
            case .value?: .other
            case .array?, .map?: .container
            case .ext(let type, _)?: .ext(type)
            case .str?, .bin?: .other
            }
        }
    }

    /// The value of a nil or an integer in `Int64` (what an `ri` count can be), else nil.
    var countValue: MessagePackValue? {
        switch self {
        case .nil: .nil
        case .integer(let k?): .int(k)
        default: nil
        }
    }
}
