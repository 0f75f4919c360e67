/// A decoded object that keeps its wire format and byte range, for dissection: "uint8 at 12..<14".
public struct Node: Sendable, Equatable {
    /// The format named by the first byte.
    public var format: Format
    /// The first byte itself.
    public var firstByte: UInt8
    /// Offset of the first byte (in the buffer, or the stream for `StreamDecoder`).
    public var offset: Int
    /// Bytes of header: the first byte plus any length, type or value bytes.
    public var headerLength: Int
    /// Offset one past the last byte of the object (including all children).
    public var end: Int
    public var content: Content

    public enum Content: Sendable, Equatable {
        /// nil, bool, int, float, str, bin, ext, timestamp: the value itself.
        case scalar(MessagePackValue)
        case array([Node])
        case map([MapEntry])
    }

    public struct MapEntry: Sendable, Equatable {
        public var key: Node
        public var value: Node
        public init(key: Node, value: Node) { self.key = key; self.value = value }
    }

    public var range: Range<Int> { offset..<end }
    public var headerRange: Range<Int> { offset..<(offset + headerLength) }
    /// The payload after the header (children for containers).
    public var payloadRange: Range<Int> { (offset + headerLength)..<end }
    /// For ext objects: the type byte is part of the header.
    public var length: Int { end - offset }

    /// The value tree, the same as the value-only decoder returns for the same bytes.
    public var value: MessagePackValue {
        switch content {
        case .scalar(let v): return v
        case .array(let a): return .array(a.map(\.value))
        case .map(let m): return .map(m.map { (key: $0.key.value, value: $0.value.value) })
        }
    }

    public var children: [Node] {
        switch content {
        case .scalar: return []
        case .array(let a): return a
        case .map(let m): return m.flatMap { [$0.key, $0.value] }
        }
    }

    /// The same node with every offset moved by `delta`.
    public func shifted(by delta: Int) -> Node {
        var n = self
        n.offset += delta
        n.end += delta
        switch content {
        case .scalar: break
        case .array(let a): n.content = .array(a.map { $0.shifted(by: delta) })
        case .map(let m):
            n.content = .map(m.map { MapEntry(key: $0.key.shifted(by: delta), value: $0.value.shifted(by: delta)) })
        }
        return n
    }
}
