/// Writes one MessagePack object straight from its wire bytes, as `ValueFormatter` (compact) or
/// `JSONMapping` (JSON) writes the value the standard dialect decodes from them: no
/// `MessagePackValue`, no `String`, nothing allocated for the objects urpc sends.
///
/// The bytes are read as `Decoder` reads them with the standard options: integers canonical (any
/// width is the same number), str validated as UTF-8 (else an invalid str), the timestamp ext
/// checked, containers at most `maxDepth` deep. Bytes that are not exactly one such object (cut
/// short, `c1`, too deep, bytes left over) write nothing and answer false, so that a caller falls
/// back to its decoded value.
///
/// A protocol layer that knows an object's shape (a urpc request) walks it element by element
/// with `arrayCount`, `mapCount`, `string`, `skip` and `value`.
package struct WirePrinter {
    let base: UnsafeBufferPointer<UInt8>
    let json: Bool
    let maxBytes: Int
    let extWriter: ValueFormatter.ExtWriter?
    let extRenderer: ValueFormatter.ExtRenderer?
    /// JSON only, made at the first map of two or more entries (see `scanMap`).
    var maps: MapForms?

    /// The decoder's default nesting limit (`DecodingOptions.maxDepth`).
    static let maxDepth = 512

    package init(_ base: UnsafeBufferPointer<UInt8>, compact: ValueFormatter) {
        self.base = base
        self.json = false
        self.maxBytes = compact.maxBytes
        self.extWriter = compact.extWriter
        self.extRenderer = compact.extRenderer
    }

    init(_ base: UnsafeBufferPointer<UInt8>, json: JSONMapping) {
        self.base = base
        self.json = true
        self.maxBytes = .max
        self.extWriter = json.extWriter
        self.extRenderer = json.extRenderer
    }

    /// Writes the whole buffer as one object, or writes nothing and returns false.
    mutating func writeWhole(into w: inout ByteWriter) -> Bool {
        let start = w.count
        var pos = 0
        if base.isEmpty || !value(&pos, 0, &w) || pos != base.count {
            w.truncate(to: start)
            return false
        }
        return true
    }

    @inline(__always)
    func be16(_ i: Int) -> Int { Int(base[i]) << 8 | Int(base[i + 1]) }

    @inline(__always)
    func be32(_ i: Int) -> UInt32 {
        UInt32(base[i]) << 24 | UInt32(base[i + 1]) << 16 | UInt32(base[i + 2]) << 8 | UInt32(base[i + 3])
    }

    @inline(__always)
    func be64(_ i: Int) -> UInt64 { UInt64(be32(i)) << 32 | UInt64(be32(i + 4)) }

    /// What the header at `pos` announces, read after checking that the header bytes are there.
    enum Head {
        case done        // a scalar, written
        case str(Int), bin(Int), ext(Int8, Int), array(Int), map(Int)
    }

    /// Reads the header at `pos` (< base.count), writing it when it is a whole scalar; nil when
    /// the header is cut short or its first byte is invalid.
    @inline(__always)
    func head(_ pos: inout Int, _ w: inout ByteWriter) -> Head? {
        let b = base[pos]
        switch b {
        case 0x00...0x7f: pos += 1; w.decimal(UInt64(b)); return .done
        case 0xe0...0xff: pos += 1; w.decimal(Int64(Int8(bitPattern: b))); return .done
        case 0xa0...0xbf: pos += 1; return .str(Int(b & 0x1f))
        case 0x90...0x9f: pos += 1; return .array(Int(b & 0x0f))
        case 0x80...0x8f: pos += 1; return .map(Int(b & 0x0f))
        case 0xc0: pos += 1; if json { w.literal("null") } else { w.literal("nil") }; return .done
        case 0xc2: pos += 1; w.literal("false"); return .done
        case 0xc3: pos += 1; w.literal("true"); return .done
        case 0xc1: return nil
        default: break
        }
        let hl = ByteCursor.headerLength(b)
        guard hl <= base.count - pos else { return nil }
        let j = pos + 1
        pos += hl
        switch b {
        case 0xc4: return .bin(Int(base[j]))
        case 0xc5: return .bin(be16(j))
        case 0xc6: return .bin(Int(be32(j)))
        case 0xc7: return .ext(Int8(bitPattern: base[j + 1]), Int(base[j]))
        case 0xc8: return .ext(Int8(bitPattern: base[j + 2]), be16(j))
        case 0xc9: return .ext(Int8(bitPattern: base[j + 4]), Int(be32(j)))
        case 0xca:
            let f = Float(bitPattern: be32(j))
            if json { JSONMapping.writeFloat(Double(f), into: &w) } else { ValueFormatter.writeFloat(f, into: &w) }
        case 0xcb:
            let d = Double(bitPattern: be64(j))
            if json { JSONMapping.writeFloat(d, into: &w) } else { w.text(JSONMapping.number(d)) }
        case 0xcc: w.decimal(UInt64(base[j]))
        case 0xcd: w.decimal(UInt64(be16(j)))
        case 0xce: w.decimal(UInt64(be32(j)))
        case 0xcf: w.decimal(be64(j))
        case 0xd0: w.decimal(Int64(Int8(bitPattern: base[j])))
        case 0xd1: w.decimal(Int64(Int16(truncatingIfNeeded: be16(j))))
        case 0xd2: w.decimal(Int64(Int32(bitPattern: be32(j))))
        case 0xd3: w.decimal(Int64(bitPattern: be64(j)))
        case 0xd4...0xd8: return .ext(Int8(bitPattern: base[j]), 1 << Int(b - 0xd4))
        case 0xd9: return .str(Int(base[j]))
        case 0xda: return .str(be16(j))
        case 0xdb: return .str(Int(be32(j)))
        case 0xdc: return .array(be16(j))
        case 0xdd: return .array(Int(be32(j)))
        case 0xde: return .map(be16(j))
        case 0xdf: return .map(Int(be32(j)))
        default: return nil
        }
        return .done
    }

    /// The `n` payload bytes at `pos`, or nil when they are not all there.
    @inline(__always)
    func payload(_ pos: Int, _ n: Int) -> UnsafeBufferPointer<UInt8>? {
        n <= base.count - pos ? UnsafeBufferPointer(rebasing: base[pos..<(pos + n)]) : nil
    }

    /// Writes the object at `pos` (nested `depth` containers deep) and moves past it; false
    /// when it is not well formed.
    package mutating func value(_ pos: inout Int, _ depth: Int, _ w: inout ByteWriter) -> Bool {
        guard pos < base.count, let h = head(&pos, &w) else { return false }
        switch h {
        case .done:
            return true
        case .str(let n):
            guard let p = payload(pos, n) else { return false }
            pos += n
            if WirePrinter.isUTF8(p) {
                JSONMapping.quote(utf8: p, into: &w)
            } else if json {
                JSONMapping.writeTagged("{\"$str\":\"", p, &w)
            } else {
                ValueFormatter.writeClipped("str(", p, maxBytes, &w)
            }
        case .bin(let n):
            guard let p = payload(pos, n) else { return false }
            pos += n
            if json { JSONMapping.writeTagged("{\"$bin\":\"", p, &w) } else { ValueFormatter.writeClipped("bin(", p, maxBytes, &w) }
        case .ext(let t, let n):
            guard let p = payload(pos, n) else { return false }
            if t == -1, case .timestamp(let sec, let ns)? = decodeTimestamp(base, pos, n) {
                if json { JSONMapping.writeTimestamp(sec, ns, into: &w) } else { ValueFormatter.writeTimestamp(sec, ns, into: &w) }
            } else if json {
                JSONMapping.writeExt(t, p, extWriter, extRenderer, &w)
            } else {
                ValueFormatter.writeExt(t, p, maxBytes, extWriter, extRenderer, &w)
            }
            pos += n
        case .array(let n):
            guard depth < WirePrinter.maxDepth else { return false }
            w.byte(0x5b)
            for i in 0..<n {
                guard pos < base.count else { return false }
                if i > 0 { if json { w.byte(0x2c) } else { w.literal(", ") } }
                guard value(&pos, depth + 1, &w) else { return false }
            }
            w.byte(0x5d)
        case .map(let n):
            guard depth < WirePrinter.maxDepth else { return false }
            return json ? jsonMap(&pos, n, depth, &w) : compactMap(&pos, n, depth, &w)
        }
        return true
    }

    // Deliberately alike: the compact and JSON maps walk entries the same way, with their own punctuation.
    mutating func compactMap(_ pos: inout Int, _ n: Int, _ depth: Int, _ w: inout ByteWriter) -> Bool {
        w.byte(0x7b)
        for i in 0..<n {
            guard pos < base.count else { return false }
            if i > 0 { w.literal(", ") }
            guard value(&pos, depth + 1, &w), pos < base.count else { return false }
            w.literal(": ")
            guard value(&pos, depth + 1, &w) else { return false }
        }
        w.byte(0x7d)
        return true
    }

    /// A JSON object when every key is a str and no two are equal, else `{"$map":[[k,v],…]}`.
    mutating func jsonMap(_ pos: inout Int, _ n: Int, _ depth: Int, _ w: inout ByteWriter) -> Bool {
        let object: Bool
        if n == 0 {
            object = true
        } else if n == 1 {
            object = isStringKey(pos)
        } else if let m = maps, m.next < m.forms.count {
            object = m.forms[m.next]
            m.next += 1
        } else {
            // The first map of two or more entries here: one scan decides it and every such map
            // inside it, which are then written in the same order.
            let m = maps ?? MapForms()
            maps = m
            m.forms.removeAll(keepingCapacity: true)
            var p = pos
            guard scanMap(&p, n, depth, m) else { return false }
            object = m.forms[0]
            m.next = 1
        }
        if object { w.byte(0x7b) } else { w.literal("{\"$map\":[") }
        for i in 0..<n {
            guard pos < base.count else { return false }
            if i > 0 { w.byte(0x2c) }
            if !object { w.byte(0x5b) }
            guard value(&pos, depth + 1, &w), pos < base.count else { return false }
            w.byte(object ? 0x3a : 0x2c)
            guard value(&pos, depth + 1, &w) else { return false }
            if !object { w.byte(0x5d) }
        }
        if object { w.byte(0x7d) } else { w.literal("]}") }
        return true
    }
}

extension ValueFormatter {
    /// Writes the compact rendering of the one object `bytes` hold, read as the standard dialect
    /// decodes it, without decoding it; writes nothing and returns false when `bytes` are not
    /// exactly one well-formed object (the caller then writes its decoded value, if any).
    package func write(wire bytes: ArraySlice<UInt8>, into w: inout ByteWriter) -> Bool {
        bytes.withUnsafeBufferPointer { write(wire: $0, into: &w) }
    }

    package func write(wire bytes: UnsafeBufferPointer<UInt8>, into w: inout ByteWriter) -> Bool {
        var p = WirePrinter(bytes, compact: self)
        return p.writeWhole(into: &w)
    }
}

// Deliberately alike: the two printers' entry points onto the one `WirePrinter` walk.
extension JSONMapping {
    /// Writes the JSON of the one object `bytes` hold, as `ValueFormatter.write(wire:into:)`.
    package func write(wire bytes: ArraySlice<UInt8>, into w: inout ByteWriter) -> Bool {
        bytes.withUnsafeBufferPointer { write(wire: $0, into: &w) }
    }

    package func write(wire bytes: UnsafeBufferPointer<UInt8>, into w: inout ByteWriter) -> Bool {
        var p = WirePrinter(bytes, json: self)
        return p.writeWhole(into: &w)
    }
}
