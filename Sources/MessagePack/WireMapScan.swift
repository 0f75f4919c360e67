/// Which maps `WirePrinter` writes as JSON objects: those whose keys are all str (valid UTF-8)
/// and pairwise different as `String`s, as `JSONMapping` decides for a decoded map.
///
/// Deciding needs every key of a map before its first entry is written. One walk of the map,
/// `scanMap`, records the answer for it and for every map of two or more entries inside it, in
/// the order the printer meets them; so each byte is scanned once however deep maps nest.
/// The decisions of one scan, and its scratch.
final class MapForms {
    /// Whether each map of two or more entries is an object, in pre-order.
    var forms: [Bool] = []
    var next = 0
    /// Offset and length of each key of the maps being scanned.
    var keys: [Int] = []
}

extension WirePrinter {
    /// True when the object at `pos` is a str of valid UTF-8 (a map's key that keeps it an object).
    func isStringKey(_ pos: Int) -> Bool {
        var p = pos
        return string(&p) != nil
    }

    /// The payload of the str of valid UTF-8 at `pos` (moving past it), or nil (not moving) when
    /// the object there is not one.
    package func string(_ pos: inout Int) -> UnsafeBufferPointer<UInt8>? {
        guard pos < base.count, case .header(let h) = cursor.rawHeader(at: pos), h.kind == .str,
              let p = payload(pos + h.headerLength, h.length), WirePrinter.isUTF8(p) else { return nil }
        pos += h.size
        return p
    }

    /// Writes the str of valid UTF-8 at `pos` as its bytes (a name, unquoted) and moves past it;
    /// false (writing nothing, not moving) when the object there is not one.
    package func name(_ pos: inout Int, _ w: inout ByteWriter) -> Bool {
        guard let s = string(&pos) else { return false }
        w.append(s)
        return true
    }

    /// The count of the array at `pos` (moving past its header), or nil when there is none.
    package func arrayCount(_ pos: inout Int) -> Int? { containerCount(&pos, .array) }

    /// The entry count of the map at `pos` (moving past its header), or nil when there is none.
    package func mapCount(_ pos: inout Int) -> Int? { containerCount(&pos, .map) }

    private func containerCount(_ pos: inout Int, _ kind: RawHeader.Kind) -> Int? {
        guard pos < base.count, case .header(let h) = cursor.rawHeader(at: pos), h.kind == kind else { return nil }
        pos += h.headerLength
        return h.length
    }

    var cursor: ByteCursor { ByteCursor(base, origin: 0, dialect: .standard) }

    /// Walks the map of `n` (≥ 2) entries whose entries begin at `pos`, appending its form and
    /// those of the maps inside it to `objectForms` in pre-order; false when it is not well formed.
    func scanMap(_ pos: inout Int, _ n: Int, _ depth: Int, _ m: MapForms) -> Bool {
        let slot = m.forms.count
        m.forms.append(false)
        let firstKey = m.keys.count
        defer { m.keys.removeSubrange(firstKey...) }
        var allStrings = true
        var ascii = true
        for _ in 0..<n {
            guard pos < base.count else { return false }
            if allStrings {
                if case .header(let h) = cursor.rawHeader(at: pos), h.kind == .str,
                   let p = payload(pos + h.headerLength, h.length), WirePrinter.isUTF8(p) {
                    m.keys.append(pos + h.headerLength)
                    m.keys.append(h.length)
                    if ascii && !isASCII(p) { ascii = false }
                } else {
                    allStrings = false
                }
            }
            guard skip(&pos, depth + 1, m), pos < base.count, skip(&pos, depth + 1, m) else { return false }
        }
        m.forms[slot] = allStrings && distinctKeys(m.keys, from: firstKey, ascii: ascii)
        return true
    }

    /// The keys recorded from `first` on are pairwise different (as `String`s compare: bytes for
    /// ASCII, canonical equivalence otherwise).
    func distinctKeys(_ keys: [Int], from first: Int, ascii: Bool) -> Bool {
        let count = (keys.count - first) / 2
        func key(_ i: Int) -> UnsafeBufferPointer<UInt8> {
            let at = keys[first + 2 * i]
            return UnsafeBufferPointer(rebasing: base[at..<(at + keys[first + 2 * i + 1])])
        }
        if ascii && count <= 32 {
            for i in 1..<count {
                let a = key(i)
                for j in 0..<i {
                    let b = key(j)
                    if a.count == b.count && a.elementsEqual(b) { return false }
                }
            }
            return true
        }
        var seen = Set<String>()
        for i in 0..<count where !seen.insert(String(decoding: key(i), as: UTF8.self)).inserted { return false }
        return true
    }

    /// Moves past the object at `pos`; false when it is not well formed.
    package func skip(_ pos: inout Int, _ depth: Int) -> Bool { skip(&pos, depth, nil) }

    /// The same, scanning the maps inside it into `m` when it is given.
    func skip(_ pos: inout Int, _ depth: Int, _ m: MapForms?) -> Bool {
        guard pos < base.count, case .header(let h) = cursor.rawHeader(at: pos) else { return false }
        pos += h.headerLength
        switch h.kind {
        case .scalar:
            return true
        case .str, .bin, .ext:
            guard h.length <= base.count - pos else { return false }
            pos += h.length
            return true
        case .array:
            guard depth < WirePrinter.maxDepth else { return false }
            for _ in 0..<h.length {
                guard pos < base.count, skip(&pos, depth + 1, m) else { return false }
            }
            return true
        case .map:
            guard depth < WirePrinter.maxDepth else { return false }
            if let m, h.length >= 2 { return scanMap(&pos, h.length, depth, m) }
            for _ in 0..<(2 * h.length) {
                guard pos < base.count, skip(&pos, depth + 1, m) else { return false }
            }
            return true
        }
    }

    /// Valid UTF-8 (as `String(validating:)` judges it), without building a string.
    static func isUTF8(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        if isASCII(p) { return true }
        var it = p.makeIterator()
        var utf8 = UTF8()
        while true {
            switch utf8.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
