import MessagePack

extension Request {
    /// Writes the summary with its values taken from the request's wire bytes (`[cmd, args…]`,
    /// the object this request was parsed from) instead of the decoded values: the same text
    /// (`WirePrinter` writes what `ValueFormatter` writes). Writes nothing and returns false when
    /// the bytes do not have the request's shape.
    package func writeSummary(wire bytes: ArraySlice<UInt8>, _ f: ValueFormatter = Proxy.formatter,
                              into w: inout ByteWriter) -> Bool {
        switch self {
        case .ver, .registry, .importModule, .exec, .release, .malformed:
            writeSummary(f, into: &w)
            return true
        default:
            break
        }
        let start = w.count
        let ok = bytes.withUnsafeBufferPointer { p in
            var r = WirePrinter(p, compact: f)
            var pos = 0
            guard let n = r.arrayCount(&pos), n >= 1, r.skip(&pos, 1) else { return false }
            return writeArguments(&r, &pos, &w)
        }
        if !ok { w.truncate(to: start) }
        return ok
    }

    /// The summary after the command, reading the arguments that follow it at `pos`.
    private func writeArguments(_ r: inout WirePrinter, _ pos: inout Int, _ w: inout ByteWriter) -> Bool {
        switch self {
        case .call:
            w.literal("cm ")
            guard r.value(&pos, 1, &w) else { return false }
            w.byte(0x2e)
            guard r.name(&pos, &w), let n = r.arrayCount(&pos) else { return false }
            w.byte(0x28)
            for i in 0..<n {
                if i > 0 { w.literal(", ") }
                guard r.value(&pos, 2, &w) else { return false }
            }
            guard let k = r.mapCount(&pos) else { return false }
            for i in 0..<k {
                if i > 0 || n > 0 { w.literal(", ") }
                if !r.name(&pos, &w) { guard r.value(&pos, 2, &w) else { return false } }
                w.byte(0x3d)
                guard r.value(&pos, 2, &w) else { return false }
            }
            w.byte(0x29)
        case .getProperty:
            w.literal("gp ")
            guard r.value(&pos, 1, &w) else { return false }
            w.byte(0x2e)
            return r.name(&pos, &w)
        case .setProperty:
            w.literal("sp ")
            guard r.value(&pos, 1, &w) else { return false }
            w.byte(0x2e)
            guard r.name(&pos, &w) else { return false }
            w.literal(" = ")
            return r.value(&pos, 1, &w)
        case .readInto(_, let count):
            w.literal("ri ")
            guard r.value(&pos, 1, &w) else { return false }
            w.byte(0x20); w.decimal(count)
        case .str:
            w.literal("_s ")
            return r.value(&pos, 1, &w)
        case .equal:
            w.literal("eq ")
            guard r.value(&pos, 1, &w) else { return false }
            w.byte(0x20)
            return r.value(&pos, 1, &w)
        case .identity:
            w.literal("_id ")
            return r.value(&pos, 1, &w)
        case .other(let c, let args):
            w.text(c); w.byte(0x28)
            for i in 0..<args.count {
                if i > 0 { w.literal(", ") }
                guard r.value(&pos, 1, &w) else { return false }
            }
            w.byte(0x29)
        case .ver, .registry, .importModule, .exec, .release, .malformed:
            return false
        }
        return true
    }
}
