import MessagePack

// Protocol facts the device twin (Simulator) needs and URPC did not offer yet: the command names,
// the handshake reply and the `ri` reply framing (spec §3). Kept in one small file so that they can
// be folded into URPC's command table and reply state machine.

/// The command names of the published server (spec §3), as the client sends them.
package enum CommandName: String, CaseIterable, Sendable {
    case ver, re, im, ex, cm, gp, sp, ri
    case release = "_d"
    case str = "_s"
    case eq
    case identity = "_id"
}

/// The handshake: `["ver"]` is answered by this str.
package enum Handshake {
    package static let version = "V1"
}

/// The `ri` reply: the count `readinto` returned (or nil when it returned None), that many raw
/// bytes that are not MessagePack, then nil.
package enum ReadIntoReply {
    /// The server's readinto buffer in the published code (`buffer_size`).
    package static let defaultBufferSize = 512

    /// The first object of the reply.
    package static func head(count: Int?) -> MessagePackValue { count.map { .int(Int64($0)) } ?? .nil }

    /// The object that closes the reply.
    package static let end: MessagePackValue = .nil

    /// How many raw bytes follow the head `v` of a reply to `["ri", target, requested]`: the count,
    /// or for nil (readinto returned None) the whole slice of min(requested, buffer) bytes. Nil when
    /// `v` cannot head an ri reply.
    package static func rawCount(after v: MessagePackValue, requested: Int64, bufferSize: Int = defaultBufferSize) -> Int? {
        switch v {
        case .int(let k): return Int(max(0, k))
        case .nil: return Int(max(0, min(requested, Int64(bufferSize))))
        default: return nil
        }
    }
}
