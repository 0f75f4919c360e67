import Capture
import MessagePack
import URPC

extension ProxyTracker {
    /// What one stream's tracking needs between messages.
    final class StreamTrack {
        let stream: Int
        var epoch = 0
        var maxBorn: UInt32 = 0
        var anyBorn = false
        /// id → record index and the facts each use reads, current epoch (born, or seen only in
        /// uses/releases so far).
        var current = IDTable()
        /// id → record index of the latest earlier epoch in which it was born.
        var previous: [UInt32: Int] = [:]
        var handshakeSeen = false
        /// Requests awaiting their reply, in n order (n grows).
        let pending = PendingRequests()
        /// `_d` request n → (record, index in manifest.released; nil while the id's birth is in flight).
        var releaseRequests: [Int: (record: Int, entry: Int?)] = [:]
        /// Records released before their birth reply arrived (a pipelined `_d`) → the `_d`'s n.
        var releasedUnborn: [Int: Int] = [:]
        /// The latest registry dump (`re` reply): the server's own word on what is live.
        var lastRegistry: (requestN: Int, ids: Set<UInt32>)?
        /// First releases (request n, id) not yet older than every `re` request to come.
        var releaseLog: [(n: Int, id: UInt32)] = []
        /// Records never born when first seen, with whether the handshake had been seen then.
        var unknown: [(record: Int, handshake: Bool)] = []
        /// Indices of this stream's records, in creation order.
        var recordIndices: [Int] = []
        var manifest: ConnectionLifecycle

        init(stream: Int) {
            self.stream = stream
            manifest = ConnectionLifecycle(stream: stream)
        }

        /// Issued in the current epoch and not yet released by a `_d` request (the server's view
        /// once it has processed everything sent so far).
        var live: Set<UInt32> {
            var out = Set<UInt32>()
            current.forEach { id, s in if s.born && !s.released { out.insert(id) } }
            return out
        }
    }
}
