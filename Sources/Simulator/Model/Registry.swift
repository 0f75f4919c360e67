/// The server's proxy registry (`_registry`, `_registry_n`): every object returned that the
/// encoder cannot pack is stored under a fresh id (ids count from 1, never reused).
package struct Registry {
    /// The last id issued (`_registry_n`).
    package private(set) var lastID: UInt32 = 0
    private var entries: [UInt32: PyValue] = [:]
    /// Ids in insertion order (entries removed lazily).
    private var order: [UInt32] = []

    package init() {}

    package var count: Int { entries.count }

    /// `_obj_handler(obj)`: registers `obj` under the next id.
    package mutating func register(_ v: PyValue) -> UInt32 {
        lastID &+= 1
        entries[lastID] = v
        order.append(lastID)
        if order.count > 64 && order.count > 2 * entries.count { order.removeAll { entries[$0] == nil } }
        return lastID
    }

    /// `_registry.get(data)`: the key is the 4-byte big-endian id; anything else finds nothing.
    package func lookup(_ data: some Collection<UInt8>) -> PyValue {
        guard let id = Self.id(fromKey: data) else { return .none }
        return entries[id] ?? .none
    }

    package func object(_ id: UInt32) -> PyValue? { entries[id] }

    /// `del _registry[key]` inside `try/except KeyError: pass`: returns whether an entry went.
    @discardableResult
    package mutating func release(key: some Collection<UInt8>) -> Bool {
        guard let id = Self.id(fromKey: key) else { return false }
        return entries.removeValue(forKey: id) != nil
    }

    /// Live ids in the registry's iteration order.
    package var ids: [UInt32] { order.filter { entries[$0] != nil } }

    package var snapshot: [(id: UInt32, value: PyValue)] { ids.map { ($0, entries[$0]!) } }

    static func id(fromKey data: some Collection<UInt8>) -> UInt32? {
        guard data.count == 4 else { return nil }
        return data.reduce(0) { $0 << 8 | UInt32($1) }
    }

    package static func key(_ id: UInt32) -> [UInt8] {
        [UInt8(id >> 24), UInt8(id >> 16 & 0xff), UInt8(id >> 8 & 0xff), UInt8(id & 0xff)]
    }
}

/// The iteration order of a MicroPython dict (py/map.c: open addressing, linear probing, grown to
/// the next size of its allocation table only when full) holding small-int keys inserted in the
/// given order. The `re` reply is such a dict, so its map comes out in this order:
/// {2: …, 1: …} for ids 1, 2 and {4: …, 1: …, 2: …, 3: …} for 1…4, as the real server sends.
enum MicroPythonDictOrder {
    static let sizes: [Int] = [0, 2, 4, 6, 8, 10, 12, 17, 23, 29, 37, 47, 59, 73, 97, 127, 167, 223, 293, 383,
                               499, 647, 841, 1097, 1427, 1859, 2423, 3167, 4133, 5381, 7001, 9109, 11859,
                               15427, 20063, 26099, 33923, 44087, 57287, 74419, 96673, 125591, 163123,
                               211909, 275251, 357563, 464477, 603359, 783704, 1018019]

    static func allocation(atLeast n: Int) -> Int {
        for s in sizes where s >= n { return s }
        return n | 1
    }

    static func order(_ keys: [UInt32]) -> [UInt32] {
        var table: [UInt32?] = []
        func insert(_ k: UInt32) {
            while true {
                if table.isEmpty { rehash() }
                let n = table.count
                let start = Int(k % UInt32(n))
                var pos = start
                repeat {
                    if table[pos] == nil { table[pos] = k; return }
                    pos = (pos + 1) % n
                } while pos != start
                rehash()
            }
        }
        func rehash() {
            let old = table
            table = Array(repeating: nil, count: allocation(atLeast: old.count + 1))
            for k in old { if let k { insert(k) } }
        }
        for k in keys { insert(k) }
        return table.compactMap { $0 }
    }
}
