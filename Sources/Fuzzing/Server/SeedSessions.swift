import URPC

/// A capture's client side as a seed session: its requests with ids as on a freshly booted
/// server, and how many ids the server gave out during it.
package struct SeedSession: Sendable, Equatable {
    package var fresh: FuzzCase
    package var births: UInt32

    package init(fresh: FuzzCase, births: UInt32) {
        (self.fresh, self.births) = (fresh, births)
    }
}

/// The seed sessions a server run sends first, each rebased onto the protocol model's prediction
/// of the server's next id; the cases handed out are kept for inspection.
package final class SeedQueue {
    private var pending: [SeedSession]
    private var nextIndex = 0
    /// The seed cases sent so far, as sent (rebased).
    package private(set) var sent: [FuzzCase] = []

    package init(_ seeds: [SeedSession] = []) { pending = seeds }

    package var remaining: Int { pending.count - nextIndex }

    /// The next seed rebased onto `model.nextID` (the model then predicts past its births).
    func next(_ model: inout ProtocolModel) -> FuzzCase? {
        guard nextIndex < pending.count else { return nil }
        let s = pending[nextIndex]
        nextIndex += 1
        let c = s.fresh.rebased(onto: model.nextID)
        model.nextID &+= s.births
        if sent.count < 1024 { sent.append(c) }
        return c
    }
}

extension FuzzCase {
    /// The inverse of `rebasedToFreshSession`: a case written for a fresh server (ids from 1)
    /// moved onto a session whose next id is `base`.
    package func rebased(onto base: UInt32) -> FuzzCase {
        let fresh = rebasedToFreshSession()
        guard base > 1 else { return fresh }
        var c = fresh.mappingProxyIDs { id in id >= 1 && id <= 4096 ? id - 1 + base : nil }
        c.idBase = base
        return c
    }
}
