import MessagePack

/// The framing of an `ri` reply (spec §3): an int k, then k raw bytes that are not MessagePack,
/// then nil. When the object's `readinto` returns None the server sends its whole buffer slice,
/// `min(n, 512)` bytes, after a nil count. Read by the dissector, the twin's client and its server.
package enum ReadIntoReply {
    /// The published server's read buffer.
    package static let serverBufferSize = 512

    /// How many raw bytes follow an `ri` reply's first object, or nil when that object is not a
    /// count (an exception, a proxy …). `limit` bounds a count the reader is willing to take.
    package static func rawByteCount(after first: MessagePackValue, asked: Int64, limit: Int = Int(Int32.max)) -> Int? {
        if first.isNil { return Int(max(0, min(asked, Int64(serverBufferSize)))) }
        guard case .int(let k) = first, k >= 0, k <= Int64(limit) else { return nil }
        return Int(k)
    }

    /// The first object of the reply: the count `readinto` returned, or nil when it returned None.
    package static func head(count: Int?) -> MessagePackValue { count.map { .int(Int64($0)) } ?? .nil }

    /// The object that closes the reply.
    package static let end: MessagePackValue = .nil
}
