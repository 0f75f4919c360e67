import URPC

/// What the fuzzer knows of the server's session: the protocol model that writes the next
/// sessions, the proxy ids born in replies and not released yet, and the server's id counter.
struct SessionState {
    var model = ProtocolModel()
    /// Ids born in replies and not yet released (released before the next case).
    private(set) var pendingRelease: [UInt32] = []
    private var maxSeenID: UInt32 = 0
    /// Ids the batches still in flight will be given (the model predicts past them).
    var inFlightBirths: UInt32 = 0

    /// A fresh server (or session) counts ids from 1 again and holds nothing.
    mutating func restarted() {
        model.serverRestarted()
        pendingRelease.removeAll()
        maxSeenID = 0
    }

    /// The `_d` requests for every pending id (written before the next case), and how many.
    mutating func takeReleases() -> (bytes: [UInt8], count: Int) {
        var prefix: [UInt8] = []
        for id in pendingRelease { prefix.append(contentsOf: WireForm.release(id)) }
        let n = pendingRelease.count
        pendingRelease.removeAll(keepingCapacity: true)
        return (prefix, n)
    }

    /// After a fenced case: the ids born in its replies, to release before the next case (ids
    /// the case released itself are stale from now on, unless it reordered its releases).
    mutating func learn(_ c: FuzzCase, replies: ReplyScan, reorderedReleases: Bool) {
        // The server's counter is what the replies show, whatever the generator predicted.
        defer { model.nextID = maxSeenID &+ 1 &+ inFlightBirths }
        guard !replies.proxyIDs.isEmpty else { return }
        var releasedByCase: Set<UInt32> = []
        if !reorderedReleases {
            for m in c.messages { if let id = WireForm.releaseID(m.bytes) { releasedByCase.insert(id) } }
        }
        for id in replies.proxyIDs {
            if id > maxSeenID && id < 0xFFFF_0000 { maxSeenID = id }
            if releasedByCase.contains(id) { model.sawReleased(id) } else if pendingRelease.count < 4096 { pendingRelease.append(id) }
        }
    }
}
