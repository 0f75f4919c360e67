import MessagePack
import URPC

/// One stream's requests awaiting their reply, in request order (n grows), each with what is
/// needed to parse it again if its reply turns out to issue proxies (rare: the request is not
/// parsed unless then).
///
/// A ring of slots initialised only while their request awaits its reply: a request the dissector
/// did not parse costs its bytes (one reference) and decoding options in, and their release out;
/// memory is the most requests ever outstanding at once. Requests given any other way (a kept
/// `Request`) wait in a side table.
final class PendingRequests {
    /// A request awaiting its reply: `bytes` parsed with `options`, or (options nil) in `others`.
    private struct Entry {
        var n: Int
        var bytes: ArraySlice<UInt8>
        var options: DecodingOptions?
    }

    private var entries: UnsafeMutablePointer<Entry>
    private var capacity: Int
    /// Slot of the oldest entry, and the number of entries (slots `head ..< head + count`, modulo
    /// `capacity`, are initialised).
    private var head = 0
    private(set) var count = 0
    /// The requests given as a `RequestSource`, by n.
    private var others: [Int: RequestSource] = [:]

    init(capacity: Int = 16) {
        self.capacity = max(1, capacity)
        entries = .allocate(capacity: self.capacity)
    }

    deinit {
        while count > 0 { dropOldest() }
        entries.deallocate()
    }

    /// Adds request `n` (larger than every n added before), parsed from `bytes` with `options`
    /// if its reply issues proxies.
    @inline(__always)
    func append(_ n: Int, bytes: ArraySlice<UInt8>, options: DecodingOptions) {
        add(Entry(n: n, bytes: bytes, options: options))
    }

    /// Adds request `n` (larger than every n added before).
    func append(_ n: Int, _ source: consuming RequestSource) {
        others[n] = source
        add(Entry(n: n, bytes: [], options: nil))
    }

    @inline(__always)
    private func add(_ e: consuming Entry) {
        if count == capacity { grow() }
        var slot = head + count
        if slot >= capacity { slot -= capacity }
        (entries + slot).initialize(to: e)
        count += 1
    }

    /// Drops the requests before `n` (answered: the server answers in order).
    @inline(__always)
    func dropAnswered(before n: Int) {
        while count > 0, entries[head].n < n { dropOldest() }
    }

    private func dropOldest() {
        if entries[head].options == nil, !others.isEmpty { others[entries[head].n] = nil }
        (entries + head).deinitialize(count: 1)
        head += 1
        if head == capacity { head = 0 }
        count -= 1
    }

    /// Request `n`'s `Request`, if `n` is the oldest request awaiting its reply.
    func pending(_ n: Int) -> Request? {
        guard count > 0, entries[head].n == n else { return nil }
        guard let o = entries[head].options else { return others[n]?.request }
        guard let v = try? Decoder(options: o).decodeValue(filling: entries[head].bytes) else { return nil }
        return Request(v)
    }

    /// Doubles the ring, the oldest entry moved to slot 0.
    private func grow() {
        let size = capacity * 2
        let moved = UnsafeMutablePointer<Entry>.allocate(capacity: size)
        for k in 0..<count {
            var slot = head + k
            if slot >= capacity { slot -= capacity }
            (moved + k).moveInitialize(from: entries + slot, count: 1)
        }
        entries.deallocate()
        (entries, capacity, head) = (moved, size, 0)
    }
}
