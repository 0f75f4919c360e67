/// A decoded object as a flat tape: one 16-byte `Element` per value, in pre-order (a container is
/// followed by its children, a map's children alternate key and value), over the bytes it was
/// decoded from.
///
/// It is the full value tree with the wire detail of `Node` (format, offset, header length, end),
/// at the cost of one buffer per document instead of one allocation per container or string:
/// decoding into a reused `Document` allocates nothing once its tape is large enough, the way
/// simdjson reuses its tape. Every value is decoded and checked when the tape is built (integers
/// in the dialect, strings validated, timestamps checked), so reading an element cannot fail; str
/// payloads become `String`s, and bin/ext payloads `ArraySlice`s of the source, when asked for.
/// `value` and `node` give exactly what `Decoder.decodeValue` and `Decoder.decodeNode` give.
public struct Document: @unchecked Sendable {
    // @unchecked: `storage` is only written while it is uniquely referenced (`Decoder.decodeDocument`
    // copies it first otherwise), so a shared document is immutable.
    @usableFromInline var storage: TapeStorage
    /// The bytes the document was decoded from; offsets are indexes into them.
    public private(set) var source: [UInt8]

    public init() {
        storage = TapeStorage(capacity: 0)
        source = []
    }

    /// Number of elements on the tape (values, counting every container, key and element).
    @inlinable public var count: Int { storage.count }

    /// The decoded object (the first element); the document must not be empty.
    @inlinable public var root: Item { Item(document: self, index: 0) }

    @inlinable public subscript(index: Int) -> Item {
        precondition(index >= 0 && index < storage.count, "element index out of range")
        return Item(document: self, index: index)
    }

    /// Offset one past the last byte of the root object.
    public var end: Int { storage.count == 0 ? 0 : root.end }

    /// The value tree, the same as `Decoder.decodeValue` gives for the same bytes.
    public var value: MessagePackValue { root.value }

    mutating func prepareForReuse(source: [UInt8], minimumCapacity: Int) {
        if !isKnownUniquelyReferenced(&storage) || storage.capacity < minimumCapacity {
            storage = TapeStorage(capacity: Swift.max(minimumCapacity, storage.capacity))
        }
        storage.count = 0
        self.source = source
    }
}

extension Document {
    /// What a value is, after the dialect has read it (as `MessagePackValue`'s cases).
    public enum Kind: UInt8, Sendable {
        case `nil`, bool, int, uint, float, double, string, invalidString, binary, array, map, ext, timestamp
    }

    /// One value on the tape.
    ///
    /// `word`: bool, int and uint values; float and double bit patterns; for str, bin, ext and
    /// timestamp the payload offset (low 32 bits) and length (high 32); for array and map the
    /// count (low 32) and the index one past the container's last descendant (high 32).
    /// `meta`: offset of the first byte (bits 0–31), kind (32–39), first byte (40–47), header
    /// length (48–55), ext type (56–63).
    public struct Element: Sendable, Equatable {
        @usableFromInline var word: UInt64
        @usableFromInline var meta: UInt64

        @inlinable @inline(__always)
        init(word: UInt64, offset: Int, kind: Kind, firstByte: UInt8, headerLength: Int, extType: Int8 = 0) {
            self.word = word
            self.meta = UInt64(truncatingIfNeeded: offset) & 0xffff_ffff | UInt64(kind.rawValue) << 32
                | UInt64(firstByte) << 40 | UInt64(truncatingIfNeeded: headerLength) << 48
                | UInt64(UInt8(bitPattern: extType)) << 56
        }

        @inlinable var kind: Kind { Kind(rawValue: UInt8(truncatingIfNeeded: meta >> 32)).unsafelyUnwrapped }
        @inlinable var low: Int { Int(word & 0xffff_ffff) }
        @inlinable var high: Int { Int(word >> 32) }
    }

    /// A view of one element of a document.
    public struct Item: Sendable {
        public let document: Document
        public let index: Int

        @inlinable init(document: Document, index: Int) {
            self.document = document
            self.index = index
        }

        @inlinable var element: Element { document.storage.base[index] }

        @inlinable public var kind: Kind { element.kind }
        @inlinable public var firstByte: UInt8 { UInt8(truncatingIfNeeded: element.meta >> 40) }
        public var format: Format { Format(byte: firstByte) }
        /// Offset of the first byte.
        @inlinable public var offset: Int { Int(element.meta & 0xffff_ffff) }
        @inlinable public var headerLength: Int { Int(UInt8(truncatingIfNeeded: element.meta >> 48)) }

        /// Offset one past the last byte of the value, children included.
        public var end: Int {
            let e = element
            switch e.kind {
            case .string, .invalidString, .binary, .ext, .timestamp: return e.low + e.high
            case .array, .map:
                // A container ends where its last descendant ends (or after its header if empty).
                return e.high == index + 1 ? offset + headerLength : Item(document: document, index: e.high - 1).end
            default: return offset + headerLength
            }
        }

        public var range: Range<Int> { offset..<end }

        /// Index of the element after this value and all its descendants.
        @inlinable public var subtreeEnd: Int {
            let e = element
            switch e.kind {
            case .array, .map: return e.high
            default: return index + 1
            }
        }

        public var bool: Bool? { kind == .bool ? element.word != 0 : nil }
        public var int: Int64? {
            switch kind {
            case .int: return Int64(bitPattern: element.word)
            case .uint: return Int64(exactly: element.word)
            default: return nil
            }
        }
        public var uint: UInt64? {
            switch kind {
            case .int: return UInt64(exactly: Int64(bitPattern: element.word))
            case .uint: return element.word
            default: return nil
            }
        }
        public var double: Double? {
            switch kind {
            case .float: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: element.word)))
            case .double: return Double(bitPattern: element.word)
            default: return nil
            }
        }

        /// The payload bytes of a str, bin, ext or timestamp.
        public var payload: ArraySlice<UInt8>? {
            let e = element
            switch e.kind {
            case .string, .invalidString, .binary, .ext, .timestamp: return document.source[e.low..<(e.low + e.high)]
            default: return nil
            }
        }

        /// A str that is valid UTF-8.
        public var string: String? {
            let e = element
            guard e.kind == .string else { return nil }
            return document.source.withUnsafeBufferPointer { p in
                makeString(UnsafeBufferPointer(rebasing: p[e.low..<(e.low + e.high)]))
            }
        }

        /// The ext type of an ext or timestamp.
        public var extType: Int8? {
            switch kind {
            case .ext, .timestamp: return Int8(truncatingIfNeeded: Int64(element.meta >> 56))
            default: return nil
            }
        }

        /// Number of elements of an array, entries of a map.
        public var count: Int? {
            switch kind {
            case .array, .map: return element.low
            default: return nil
            }
        }

        /// The children in wire order (a map's keys and values alternate).
        public var children: Children { Children(document: document, start: index + 1, end: subtreeEnd) }

        /// The same value as `Decoder.decodeValue` gives.
        public var value: MessagePackValue {
            let e = element
            switch e.kind {
            case .nil: return .nil
            case .bool: return .bool(e.word != 0)
            case .int: return .int(Int64(bitPattern: e.word))
            case .uint: return .uint(e.word)
            case .float: return .float(Float(bitPattern: UInt32(truncatingIfNeeded: e.word)))
            case .double: return .double(Double(bitPattern: e.word))
            case .string: return .string(string.unsafelyUnwrapped)
            case .invalidString: return .invalidString(payload.unsafelyUnwrapped)
            case .binary: return .binary(payload.unsafelyUnwrapped)
            case .ext: return .ext(type: extType.unsafelyUnwrapped, data: payload.unsafelyUnwrapped)
            case .timestamp:
                return document.source.withUnsafeBufferPointer { p in
                    decodeTimestamp(p, e.low, e.high).unsafelyUnwrapped
                }
            case .array:
                var a: [MessagePackValue] = []
                a.reserveCapacity(e.low)
                for c in children { a.append(c.value) }
                return .array(a)
            case .map:
                var m: [(key: MessagePackValue, value: MessagePackValue)] = []
                m.reserveCapacity(e.low)
                var it = children.makeIterator()
                while let k = it.next(), let v = it.next() { m.append((key: k.value, value: v.value)) }
                return .map(m)
            }
        }

        /// The same node as `Decoder.decodeNode` gives.
        public var node: Node {
            let content: Node.Content
            switch kind {
            case .array: content = .array(children.map(\.node))
            case .map:
                var m: [Node.MapEntry] = []
                var it = children.makeIterator()
                while let k = it.next(), let v = it.next() { m.append(Node.MapEntry(key: k.node, value: v.node)) }
                content = .map(m)
            default: content = .scalar(value)
            }
            return Node(format: format, firstByte: firstByte, offset: offset, headerLength: headerLength,
                        end: end, content: content)
        }
    }

    /// The direct children of a container, skipping each child's own subtree.
    public struct Children: Sequence, Sendable {
        let document: Document
        let start: Int
        let end: Int

        public struct Iterator: IteratorProtocol {
            let document: Document
            var position: Int
            let end: Int
            public mutating func next() -> Item? {
                guard position < end else { return nil }
                let item = Item(document: document, index: position)
                position = item.subtreeEnd
                return item
            }
        }

        public func makeIterator() -> Iterator { Iterator(document: document, position: start, end: end) }
    }
}

/// The tape's buffer: elements are plain 16-byte values, so it grows by moving bytes.
@usableFromInline
final class TapeStorage {
    @usableFromInline var base: UnsafeMutablePointer<Document.Element>
    @usableFromInline var count = 0
    @usableFromInline var capacity: Int

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 8)
        base = .allocate(capacity: self.capacity)
    }

    /// Doubles the capacity (the decoder calls it when the tape is full).
    @usableFromInline
    func grow() {
        let bigger = UnsafeMutablePointer<Document.Element>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity *= 2
    }

    deinit { base.deallocate() }
}

/// A `String` from bytes already known to be valid UTF-8. Short ASCII strings (nearly all urpc
/// names) are built in place as Swift's inline small strings.
@inlinable
func makeString(_ buf: UnsafeBufferPointer<UInt8>) -> String {
    if buf.count <= 15 {
        return String(unsafeUninitializedCapacity: buf.count) { dst in
            _ = dst.initialize(from: buf)
            return buf.count
        }
    }
    return String(decoding: buf, as: UTF8.self)
}
