import URPC

/// One test case against a server: the requests of a session, as bytes, and how they travel.
package struct FuzzCase: Sendable, Equatable {
    package struct Message: Sendable, Equatable {
        package var bytes: [UInt8]
        /// Offsets inside `bytes` where a new write starts (a message split over several writes).
        package var splits: [Int]
        /// Transport garbage between messages, not a request.
        package var isGarbage: Bool

        package init(bytes: [UInt8], splits: [Int] = [], isGarbage: Bool = false) {
            self.bytes = bytes
            self.splits = splits
            self.isGarbage = isGarbage
        }
    }

    package var messages: [Message]
    /// Pause between the writes of a split message, in microseconds.
    package var gapMicros: Int
    /// Start from a fresh server session (a reconnect or reset) before this case, replaying ids
    /// issued before the restart.
    package var restartFirst: Bool
    /// The server's next proxy id when the case was made (1 on a fresh session).
    package var idBase: UInt32

    package init(messages: [Message], gapMicros: Int = 0, restartFirst: Bool = false, idBase: UInt32 = 1) {
        self.messages = messages
        self.gapMicros = gapMicros
        self.restartFirst = restartFirst
        self.idBase = idBase
    }

    /// The case as it would be written for a freshly booted server (ids count from 1): proxy
    /// exts and release ids issued since `idBase` are moved down, so a
    /// finding made deep into a session reproduces on a fresh one.
    package func rebasedToFreshSession() -> FuzzCase {
        guard idBase > 1 else { return self }
        let base = idBase
        var c = mappingProxyIDs { id in id >= base && id - base < 4096 ? id - base + 1 : nil }
        c.idBase = 1
        return c
    }

    /// The case with every proxy ext and `_d` id that `transform` maps rewritten (nil: kept).
    package func mappingProxyIDs(_ transform: (UInt32) -> UInt32?) -> FuzzCase {
        var c = self
        for m in c.messages.indices {
            var b = c.messages[m].bytes
            var i = 0
            while i + 6 <= b.count {
                if b[i...].starts(with: WireForm.proxyHeader) || b[i...].starts(with: Self.releaseIDHeader) {
                    let id = UInt32(b[i + 2]) << 24 | UInt32(b[i + 3]) << 16 | UInt32(b[i + 4]) << 8 | UInt32(b[i + 5])
                    if let new = transform(id) { b.replaceSubrange((i + 2)..<(i + 6), with: Proxy.idBytes(new)) }
                    i += 6
                } else { i += 1 }
            }
            c.messages[m].bytes = b
        }
        return c
    }

    /// The bin 8 header of length 4 that carries a released id in `_d` (the end of its prefix).
    static let releaseIDHeader = Array(WireForm.releasePrefix.suffix(2))

    /// All request bytes back to back (the raw reproducer).
    package var bytes: [UInt8] { messages.flatMap(\.bytes) }

    package var byteCount: Int { messages.reduce(0) { $0 + $1.bytes.count } }

    /// The last request (not garbage), the one a failure is pinned on.
    package var lastRequest: [UInt8]? { messages.last(where: { !$0.isGarbage })?.bytes }

    /// The request a failure's signature names: the last request, unless an earlier one has a
    /// shape devices are known to trip over (a 32-bit length or count header, deep nesting). A
    /// case whose minimisation ran out of time may still hold harmless requests after its culprit,
    /// and its finding must not pass for a new one because of them.
    package var signatureRequest: [UInt8]? {
        for m in messages.reversed() where !m.isGarbage && RequestShape.isFaultLike(m.bytes) { return m.bytes }
        return lastRequest
    }
}
