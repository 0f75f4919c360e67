import MessagePack

extension Request {
    /// Writes the summary of a well-formed request of a known command with its values taken from
    /// its wire bytes (`[cmd, args…]`): the same text as `writeSummary(_:into:)` of the parsed
    /// request (`WirePrinter` writes what `ValueFormatter` writes), without decoding or parsing
    /// it. Commands whose summary has no value in it (`ver`, `re`, `im`, `ex`, `_d`) are left to
    /// the parsed request: writes nothing and returns false for them, and when the bytes do not
    /// have the command's shape.
    package static func writeSummary(wire bytes: ArraySlice<UInt8>, command: Command, _ f: ValueFormatter = Proxy.formatter,
                                     into w: inout ByteWriter) -> Bool {
        switch command {
        case .ver, .re, .im, .ex, .release: return false
        case .cm, .gp, .sp, .ri, .str, .eq, .identity: break
        }
        let start = w.count
        let ok = bytes.withUnsafeBufferPointer { p in
            var r = WirePrinter(p, compact: f)
            var pos = 0
            guard let n = r.arrayCount(&pos), n == command.arity + 1, r.skip(&pos, 1) else { return false }
            return writeArguments(command, &r, &pos, &w)
        }
        if !ok { w.truncate(to: start) }
        return ok
    }

    /// The summary after the command, reading the arguments that follow it at `pos`.
    private static func writeArguments(_ command: Command, _ r: inout WirePrinter, _ pos: inout Int,
                                       _ w: inout ByteWriter) -> Bool {
        switch command {
        case .cm:
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
        case .gp:
            w.literal("gp ")
            guard r.value(&pos, 1, &w) else { return false }
            w.byte(0x2e)
            return r.name(&pos, &w)
        case .sp:
            w.literal("sp ")
            guard r.value(&pos, 1, &w) else { return false }
            w.byte(0x2e)
            guard r.name(&pos, &w) else { return false }
            w.literal(" = ")
            return r.value(&pos, 1, &w)
        case .ri, .eq:
            // `ri target count` (a well-formed count is an integer: printed as `decimal`), `eq a b`.
            w.text(command.rawValue); w.byte(0x20)
            guard r.value(&pos, 1, &w) else { return false }
            w.byte(0x20)
            return r.value(&pos, 1, &w)
        case .str, .identity:
            w.text(command.rawValue); w.byte(0x20)
            return r.value(&pos, 1, &w)
        case .ver, .re, .im, .ex, .release:
            return false
        }
        return true
    }
}
