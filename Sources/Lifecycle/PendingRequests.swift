import URPC

/// One stream's requests awaiting their reply, in request order (n grows), each with what is
/// needed to parse it again if its reply turns out to issue proxies (rare: the request is not
/// parsed unless then).
///
/// A ring of slots initialised only while their request awaits its reply: a request costs one
/// move in and one destroy out, and memory is the most requests ever outstanding at once.
final class PendingRequests {
    private var ns: UnsafeMutablePointer<Int>
    private var sources: UnsafeMutablePointer<RequestSource>
    private var capacity: Int
    /// Slot of the oldest entry, and the number of entries (slots `head ..< head + count`, modulo
    /// `capacity`, are initialised).
    private var head = 0
    private(set) var count = 0

    init(capacity: Int = 16) {
        self.capacity = max(1, capacity)
        ns = .allocate(capacity: self.capacity)
        sources = .allocate(capacity: self.capacity)
    }

    deinit {
        while count > 0 { dropOldest() }
        ns.deallocate()
        sources.deallocate()
    }

    /// Adds request `n` (larger than every n added before).
    func append(_ n: Int, _ source: consuming RequestSource) {
        if count == capacity { grow() }
        var slot = head + count
        if slot >= capacity { slot -= capacity }
        ns[slot] = n
        (sources + slot).initialize(to: source)
        count += 1
    }

    /// Drops the requests before `n` (answered: the server answers in order).
    @inline(__always)
    func dropAnswered(before n: Int) {
        while count > 0, ns[head] < n { dropOldest() }
    }

    private func dropOldest() {
        (sources + head).deinitialize(count: 1)
        head += 1
        if head == capacity { head = 0 }
        count -= 1
    }

    /// Request `n`'s `Request`, if `n` is the oldest request awaiting its reply.
    func pending(_ n: Int) -> Request? {
        guard count > 0, ns[head] == n else { return nil }
        return sources[head].request
    }

    /// Doubles the ring, the oldest entry moved to slot 0.
    private func grow() {
        let size = capacity * 2
        let newNs = UnsafeMutablePointer<Int>.allocate(capacity: size)
        let newSources = UnsafeMutablePointer<RequestSource>.allocate(capacity: size)
        for k in 0..<count {
            var slot = head + k
            if slot >= capacity { slot -= capacity }
            newNs[k] = ns[slot]
            (newSources + k).moveInitialize(from: sources + slot, count: 1)
        }
        ns.deallocate()
        sources.deallocate()
        (ns, sources, capacity, head) = (newNs, newSources, size, 0)
    }
}
