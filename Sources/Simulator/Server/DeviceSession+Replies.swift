import MessagePack
import URPC

/// Replies: packing results (proxies for what cannot be packed) and the server's error path.
extension DeviceSession {
    /// `msgpack.pack(result, default=_obj_handler)`: what the device encoder cannot pack is
    /// registered and sent as a proxy, at any depth, depth-first.
    func pack(_ v: PyValue) -> MessagePackValue {
        switch v {
        case .none: return .nil
        case .bool(let b): return .bool(b)
        case .int(let i):
            if i >= -(1 << 30) && i < (1 << 30) { return .int(i) }
            return Proxy.value(registry.register(v))
        case .float(let f): return .float(f)
        case .str(let b):
            if let s = String(validating: b, as: UTF8.self) { return .string(s) }
            return .invalidString(ArraySlice(b))
        case .bytes(let b): return .binary(ArraySlice(b))
        case .tuple(let a), .list(let a): return .array(a.map(pack))
        case .dict(let d): return .map(d.map { (key: pack($0.key), value: pack($0.value)) })
        case .ext(let c, let d): return .ext(type: c, data: ArraySlice(d))
        case .object: return Proxy.value(registry.register(v))
        }
    }

    func write(_ v: PyValue) { writeObject(pack(v)) }

    /// Encodes one object onto the stream, piece by piece when writes are recorded.
    func writeObject(_ m: MessagePackValue) {
        let start = output.count
        try? encoder.encode(m, into: &output)
        noteObjectWrites(from: start)
    }

    /// Raw bytes (not MessagePack) in one write.
    func writeRaw(_ bytes: some Collection<UInt8>) {
        output.append(contentsOf: bytes)
        noteRawWrite()
    }

    /// The server's `except Exception as e:` branch.
    func fail(_ e: PyException) {
        var tb = Self.take(&tracebackScratch)
        defer { tracebackScratch = tb }
        e.writeTraceback(lineEnding: options.lineEnding, into: &tb)
        switch options.errorMode {
        case .intended:
            writeError(e, text: tb)
        case .legacy:
            // sys.print_exception(e, uart): the traceback as plain text on the RPC stream, one
            // write per line (what follows the last newline is not a line).
            var lineStart = 0
            for (i, b) in tb.enumerated() where b == UInt8(ascii: "\n") {
                writeRaw(tb[lineStart...i])
                lineStart = i + 1
            }
            // data = "...".format(..., s.getvalue()): only works if an `ex` defined `s`.
            guard let s = globals["s"] else {
                state = .dead(reason: "NameError: name 's' isn't defined (after \(e.description))")
                return
            }
            do {
                guard case .object(let o) = s else { throw PyException.attribute(s, "getvalue") }
                guard case .object(let g) = try o.getAttr("getvalue") else { throw PyException.notCallable(.none) }
                let text = try g.call([], [], self).str
                writeError(e, text: Array(text.utf8))
            } catch {
                state = .dead(reason: "\(error) in the error path (after \(e.description))")
            }
        }
    }

    /// The intended error reply: `ExtType(2, "<Name>\x04<repr(args)>\x04<text>")`.
    private func writeError(_ e: PyException, text: [UInt8]) {
        var data = Self.take(&errorScratch)
        defer { errorScratch = data }
        data.append(contentsOf: e.type.utf8)
        data.append(4)
        e.writeArgsRepr(into: &data)
        data.append(4)
        data.append(contentsOf: text)
        writeObject(.ext(type: ExtCode.exception, data: ArraySlice(data)))
    }

    /// Moves a scratch buffer out (so appending to it does not copy) and empties it.
    private static func take(_ scratch: inout [UInt8]) -> [UInt8] {
        var b: [UInt8] = []
        swap(&b, &scratch)
        b.removeAll(keepingCapacity: true)
        return b
    }
}
