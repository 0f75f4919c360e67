/// `io` (MicroPython's `uio`): BytesIO and StringIO, enough for `ri` and for server programs.
enum IOModule {
    static func make(_ ctx: PyContext) -> PyModule {
        let m = PyModule(name: "uio", address: ctx.staticAllocate())
        m.attributes["BytesIO"] = .object(PyClass(name: "BytesIO", address: ctx.staticAllocate()) { _, args, _, ctx in
            try Args.range(args, 0...1)
            let initial = args.isEmpty ? [] : try Args.buffer(args[0])
            return .object(MemoryStream(text: false, initial: initial, address: ctx.allocate(size: 64)))
        })
        m.attributes["StringIO"] = .object(PyClass(name: "StringIO", address: ctx.staticAllocate()) { _, args, _, ctx in
            try Args.range(args, 0...1)
            let initial = args.isEmpty ? [] : try Args.buffer(args[0])
            return .object(MemoryStream(text: true, initial: initial, address: ctx.allocate(size: 64)))
        })
        return m
    }
}

/// `io.BytesIO` / `io.StringIO`.
package final class MemoryStream: PyObject {
    let text: Bool
    var data: [UInt8]
    var position = 0
    var closed = false

    init(text: Bool, initial: [UInt8], address: UInt32) {
        self.text = text
        self.data = initial
        super.init(address: address)
    }

    package override var typeName: String { text ? "StringIO" : "BytesIO" }
    package override func repr() -> String { "<io.\(typeName) 0x\(String(address, radix: 16))>" }

    func wrap(_ b: [UInt8]) -> PyValue { text ? .str(b) : .bytes(b) }

    func checkOpen() throws { if closed { throw PyException("ValueError", "I/O operation on closed file") } }

    package override func readinto(_ buffer: inout [UInt8]) throws -> Int? {
        try checkOpen()
        let n = min(buffer.count, max(0, data.count - position))
        if n > 0 { buffer.replaceSubrange(0..<n, with: data[position..<(position + n)]) }
        position += n
        return n
    }

    package override func method(_ name: String) -> PyFunction? {
        switch name {
        case "getvalue": return { [unowned self] _, _, _ in try self.checkOpen(); return self.wrap(self.data) }
        case "read":
            return { [unowned self] args, _, _ in
                try self.checkOpen()
                let avail = max(0, self.data.count - self.position)
                var n = avail
                if let a = args.first, case .int(let k) = a, k >= 0 { n = min(avail, Int(k)) }
                let out = Array(self.data[self.position..<(self.position + n)])
                self.position += n
                return self.wrap(out)
            }
        case "write":
            return { [unowned self] args, _, _ in
                try self.checkOpen()
                try Args.count(args, 1)
                let b = try Args.buffer(args[0])
                if self.position + b.count > PyOps.maxObject {
                    throw PyException("MemoryError", "memory allocation failed, allocating \(self.position + b.count) bytes")
                }
                if self.position > self.data.count { self.data += [UInt8](repeating: 0, count: self.position - self.data.count) }
                let end = self.position + b.count
                self.data.replaceSubrange(self.position..<min(end, self.data.count), with: b)
                self.position = end
                return .int(Int64(b.count))
            }
        case "seek":
            return { [unowned self] args, _, _ in
                try Args.range(args, 1...2)
                self.position = max(0, Int(try Args.int(args[0])))
                return .int(Int64(self.position))
            }
        case "tell": return { [unowned self] _, _, _ in .int(Int64(self.position)) }
        case "readinto":
            return { [unowned self] args, _, _ in
                try Args.count(args, 1)
                var buf = [UInt8](repeating: 0, count: try Args.buffer(args[0]).count)
                return .int(Int64(try self.readinto(&buf) ?? 0))
            }
        case "close": return { [unowned self] _, _, _ in self.closed = true; return .none }
        case "flush": return { _, _, _ in .none }
        default: return nil
        }
    }
}
