/// What the tracker needs on every use of a proxy of the current server epoch, found by one lookup:
/// its record, and the facts of the record that the per-use path reads (so the record itself is
/// read only to be updated).
struct IDSlot: Equatable {
    /// Index of the proxy's record in `ProxyTracker.records`.
    var record: Int
    /// Frame of its birth reply; `Int.max` while it is not seen born.
    var bornFrame = Int.max
    /// A first `_d` was seen for it.
    var released = false

    var born: Bool { bornFrame != .max }
}

/// Proxy id → `IDSlot` for one stream's current server epoch.
///
/// A server issues ids counting up from 1 within a boot, so ids below a bound are kept in a flat
/// array indexed by id; others (sparse or hostile ids) in a dictionary. The flat part never grows
/// beyond `flatBound(entries)`, which depends on the number of ids held, never on an id's value
/// alone: memory stays proportional to the proxies, whatever ids the wire carries.
struct IDTable {
    /// The flat part: `flat[id]` for `id < flat.count`; `record < 0` marks an empty slot.
    private var flat: [IDSlot] = []
    /// Ids at or above `flat.count` (and those that did not fit when they were added).
    private var sparse: [UInt32: IDSlot] = [:]
    /// Ids held.
    private(set) var count = 0
    /// Slots of the flat part (at most `flatBound(count)` while ids are only added).
    var flatSize: Int { flat.count }

    private static let empty = IDSlot(record: -1)

    /// Largest flat size for a table holding `entries` ids.
    static func flatBound(_ entries: Int) -> Int { 4096 + 4 * entries }

    @inline(__always)
    subscript(id: UInt32) -> IDSlot? {
        get {
            let i = Int(id)
            if i < flat.count {
                let s = flat[i]
                if s.record >= 0 { return s }
                return nil
            }
            return sparse.isEmpty ? nil : sparse[id]
        }
        set {
            let i = Int(id)
            if i >= flat.count, newValue != nil, sparse[id] == nil { grow(toHold: i, entries: count + 1) }
            if i < flat.count {
                let had = flat[i].record >= 0
                if let newValue {
                    precondition(newValue.record >= 0)
                    flat[i] = newValue
                    if !had { count += 1 }
                } else if had {
                    flat[i] = Self.empty
                    count -= 1
                }
            } else if let newValue {
                if sparse.updateValue(newValue, forKey: id) == nil { count += 1 }
            } else if sparse.removeValue(forKey: id) != nil {
                count -= 1
            }
        }
    }

    /// The record of `id`, if held.
    @inline(__always)
    func record(_ id: UInt32) -> Int? { self[id]?.record }

    /// Makes `flat` cover index `i` if the bound for `entries` ids allows it, moving the sparse
    /// ids it then covers into it.
    private mutating func grow(toHold i: Int, entries: Int) {
        let bound = Self.flatBound(entries)
        guard i < bound else { return }
        let size = min(bound, max(i + 1, 2 * flat.count, 64))
        flat.append(contentsOf: repeatElement(Self.empty, count: size - flat.count))
        guard !sparse.isEmpty else { return }
        for (id, s) in sparse where Int(id) < size {
            flat[Int(id)] = s
            sparse[id] = nil
        }
    }

    /// Forgets every id (a server restart), releasing the flat part.
    mutating func removeAll() {
        flat = []
        sparse = [:]
        count = 0
    }

    /// Every id held with its slot, in no particular order.
    func forEach(_ body: (UInt32, IDSlot) throws -> Void) rethrows {
        for i in flat.indices where flat[i].record >= 0 { try body(UInt32(i), flat[i]) }
        for (id, s) in sparse { try body(id, s) }
    }

    /// Every id held with its record, in no particular order.
    var records: [(id: UInt32, record: Int)] {
        var out: [(id: UInt32, record: Int)] = []
        out.reserveCapacity(count)
        forEach { id, s in out.append((id, s.record)) }
        return out
    }
}
