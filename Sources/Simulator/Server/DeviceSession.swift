import MessagePack

/// The simulated urpc V1 server over one byte stream: feed it the client's bytes, get back the
/// bytes the server writes. A state machine, transport-agnostic (TCP, pty, serial, tests).
///
/// It runs the published server loop (spec §3, `async_server.py`): unpack one object with the
/// device codec (`use_list=False`, ext 1 → registry lookup, any other ext code → AssertionError),
/// call `globals().get(req[0])(req[1:])`, pack the result with proxies for what cannot be packed.
/// Requests are handled strictly one at a time and in order; pipelined requests are answered in
/// order. A payload split across reads is reassembled (the real reader would fail "short read").
public final class DeviceSession: PyContext {
    public enum State: Sendable, Equatable {
        case serving
        /// The published error path ended the RPC task: nothing more is read or answered.
        case dead(reason: String)
        /// The device crashed on a fatal input (`deviceFaults` on).
        case crashed(DeviceCrash)
    }

    public let options: SimulatorOptions
    public private(set) var state: State = .serving
    public private(set) var registry = Registry()
    /// Requests handled (answered or failed).
    public private(set) var requestCount = 0

    private var decoder = StreamDecoder(options: .device)
    /// Stream offset of the decoder's offset 0 (the decoder is replaced after a partial consume).
    private var decoderBase = 0
    private var output: [UInt8] = []
    /// Buffers of the error path, kept between errors (about half of a fuzzer's requests fail).
    private var tracebackScratch: [UInt8] = []
    private var errorScratch: [UInt8] = []
    /// End offsets in `output` of the device's individual writes (when `recordsWrites`).
    private var writeEnds: [Int] = []
    /// Keep the boundaries of the device's writes: one per msgpack header and per payload, one
    /// per raw `ri` payload, one per traceback line, as the real server writes its stream.
    public var recordsWrites = false
    private var duptermActive = false
    private var heapNext: UInt32
    private var staticNext: UInt32 = 0x5664_f000
    private let encoder = Encoder(dialect: .device)
    /// Server module globals (`globals()` of async_server.py), extended by `ex`.
    var globals: [String: PyValue] = [:]
    private var modules: [String: PyObject] = [:]
    private var staticIDs: [String: UInt32] = [:]

    public init(options: SimulatorOptions = SimulatorOptions()) {
        self.options = options
        self.heapNext = options.heapBase
        installGlobals()
    }

    // MARK: PyContext

    public var lineEnding: String { options.lineEnding }
    public var registryCount: Int { registry.count }

    public func consoleWrite(_ bytes: [UInt8]) {
        guard duptermActive else { return }
        // Duptermer.write: msgpack.pack(ExtType(3, data), _stream)
        let start = output.count
        try? encoder.encode(.ext(type: 3, data: ArraySlice(bytes)), into: &output)
        noteObjectWrites(from: start)
    }

    public func allocate(size: Int) -> UInt32 {
        let a = heapNext
        heapNext &+= UInt32((max(16, size) + 15) & ~15)
        return a
    }

    public func staticAllocate() -> UInt32 {
        let a = staticNext
        staticNext &+= 0x18
        return a
    }

    func staticAddress(_ name: String) -> UInt32 {
        if let a = staticIDs[name] { return a }
        let a = staticNext
        staticNext &+= 0x18
        staticIDs[name] = a
        return a
    }

    public func importModule(_ name: String) throws -> PyObject {
        if let m = modules[name] { return m }
        let m: PyModule
        switch name {
        case "rpc_test": m = RPCTestModule.make(self)
        case "io", "uio": m = modules["io"] as? PyModule ?? IOModule.make(self)
        case "math", "umath": m = MathModule.make(self)
        case "gc": m = GCModule.make(self)
        case "socket", "usocket": m = modules["socket"] as? PyModule ?? SocketModule.make(self)
        case "network": m = NetworkModule.make(self)
        case "builtins": m = BuiltinsModule.make(self, id: { [unowned self] in self.pyID($0) })
        default: throw PyException("ImportError", "no module named '\(name)'")
        }
        modules[name] = m
        if name == "io" || name == "uio" { modules["io"] = m; modules["uio"] = m }
        if name == "socket" || name == "usocket" { modules["socket"] = m; modules["usocket"] = m }
        return m
    }

    /// `id(x)` on a 32-bit MicroPython: the object address; small ints are tagged (2n+1); static
    /// objects (None, True, False) live in the binary's data segment, above 2^30.
    func pyID(_ v: PyValue) -> PyValue {
        switch v {
        case .object(let o): return .int(Int64(o.address))
        case .int(let i) where i >= -(1 << 30) && i < (1 << 30): return .int(2 * i + 1)
        case .none: return .int(Int64(staticAddress("None")))
        case .bool(let b): return .int(Int64(staticAddress(b ? "True" : "False")))
        default: return .int(Int64(allocate(size: 16)))
        }
    }

    // MARK: Feeding

    private func noteRawWrite() {
        if recordsWrites, writeEnds.last != output.count { writeEnds.append(output.count) }
    }

    /// Splits the object just encoded at `start` into its header and payload writes.
    private func noteObjectWrites(from start: Int) {
        guard recordsWrites else { return }
        let bytes = Array(output[start...])
        guard let node = try? Decoder(options: .device).decodeNode(bytes) else { noteRawWrite(); return }
        func walk(_ n: Node) {
            // The first byte goes out alone, then the rest of the header (length, type or value
            // bytes), then the payload: the reference capture shows `d6` | `01 00 00 00 01`,
            // `d2` | `09 75 9e 10`, `d9` | `39 …`.
            writeEnds.append(start + n.offset + 1)
            if n.headerLength > 1 { writeEnds.append(start + n.offset + n.headerLength) }
            switch n.content {
            case .scalar: if !n.payloadRange.isEmpty { writeEnds.append(start + n.end) }
            case .array(let a): a.forEach(walk)
            case .map(let m): for e in m { walk(e.key); walk(e.value) }
            }
        }
        walk(node)
    }

    /// Like `feed`, but returns the output as the device's individual writes (`recordsWrites`).
    public func feedWrites<C: Collection>(_ bytes: C) -> [ArraySlice<UInt8>] where C.Element == UInt8 {
        let out = feed(bytes)
        var pieces: [ArraySlice<UInt8>] = []
        var from = 0
        for end in writeEnds where end > from && end <= out.count {
            pieces.append(out[from..<end])
            from = end
        }
        if from < out.count { pieces.append(out[from...]) }
        return pieces
    }

    /// Reads `bytes` from the client and returns everything the server writes in response.
    public func feed<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        guard case .serving = state else { return [] }
        decoder.feed(bytes)
        output.removeAll(keepingCapacity: true)
        writeEnds.removeAll(keepingCapacity: true)
        // The lint walks every buffered header once per feed (again only after a resync).
        var ahead: DeviceCrash? = options.deviceFaults ? faultAhead() : nil
        var linted = decoderBase
        while case .serving = state, decoder.bufferedCount > 0 {
            if options.deviceFaults, linted != decoderBase { ahead = faultAhead(); linted = decoderBase }
            if let crash = ahead {
                // Complete requests before the fatal header are still served.
                if !serveOne(before: crash.offset) { state = .crashed(crash); break }
                continue
            }
            if !serveOne(before: nil) { break }
        }
        if options.shortReads, case .serving = state, decoder.bufferedCount > 0 { shortReadCheck() }
        return output
    }

    /// The device reads a payload with one read call: if only part of a str/bin/ext payload is
    /// here (the rest is in a later segment), that read comes up short.
    private func shortReadCheck() {
        let pending = Array(decoder.bufferedBytes)
        do {
            _ = try Decoder(options: .device).decodeValue(pending)
        } catch {
            guard case .truncated(let o, let needed, let available) = error, o < pending.count else { return }
            let b = pending[o]
            let isPayload = (0xa0...0xbf).contains(b) || (0xc4...0xc9).contains(b) || (0xd4...0xdb).contains(b)
            guard isPayload, available > Format.headerLength(firstByte: b), available < needed else { return }
            requestCount += 1
            decoder.skip(decoder.bufferedCount)
            fail(PyException("ValueError", "short read").adding(ServerSource.unpack))
        }
    }

    /// The first fatal header in the buffered bytes, if the device would die on it.
    private func faultAhead() -> DeviceCrash? {
        let pending = Array(decoder.bufferedBytes)
        let origin = decoderBase + decoder.offset
        for f in DeviceLint.lint(pending, origin: origin) where f.severity == .crash {
            if let fault = DeviceFault(rawValue: f.id) { return DeviceCrash(fault: fault, offset: f.offset) }
        }
        return nil
    }

    /// Serves the next complete request. Returns false when more bytes are needed (or, with
    /// `limit`, when the next object reaches the fatal offset).
    private func serveOne(before limit: Int?) -> Bool {
        let start = decoderBase + decoder.offset
        let decoded: (value: MessagePackValue, range: Range<Int>)
        do {
            // The value tree, not nodes: offsets are only needed when the unpacker raises.
            guard let d = try decoder.nextValue() else { return false }
            decoded = d
        } catch {
            if limit != nil { return false }
            decodeFailed(error, start: start)
            return true
        }
        if let limit, decoderBase + decoded.range.upperBound > limit { return false }
        let request: PyValue
        do {
            request = try unpack(decoded.value)
        } catch {
            // The device stops reading where the error was raised; the rest of the object stays
            // in the stream and is read as the next request(s). Where that is needs the wire
            // format: decode the object again as nodes and unpack those.
            unpackFailed(objectRange: decoded.range)
            return true
        }
        requestCount += 1
        dispatch(request)
        return true
    }

    /// The unpacker raised on the object at `objectRange` (decoder offsets, still buffered).
    private func unpackFailed(objectRange r: Range<Int>) {
        let rest = decoder.bytes(in: r.lowerBound..<(decoder.offset + decoder.bufferedCount)) ?? []
        let objectBytes = Array(rest.prefix(r.count))
        do {
            let node = try Decoder(options: .device).decodeNode(objectBytes)
            _ = try unpack(node)
        } catch let abort as UnpackAbort {
            resume(rest: rest, at: r.lowerBound, from: r.lowerBound + abort.end)
            fail(abort.exception.adding(ServerSource.unpack))
        } catch {}
    }

    /// Continues reading at decoder offset `offset`, inside bytes already consumed: `rest` are
    /// the bytes from decoder offset `at` to the end of what was fed.
    private func resume(rest: ArraySlice<UInt8>, at: Int, from offset: Int) {
        let tail = rest.dropFirst(offset - at)
        decoder = StreamDecoder(options: .device)
        decoderBase += offset
        decoder.feed(tail)
    }

    /// A clean decode failure: the device consumed the bytes up to the bad header and raised.
    /// The decoder is still at the object's start (`start`, a stream offset).
    private func decodeFailed(_ error: DecodingError, start: Int) {
        requestCount += 1
        let at = decoderBase + error.offset
        let byte = decoder.peek(at - start) ?? 0
        let e: PyException
        var consumed = at + 1
        switch error {
        case .invalidByte(_, let b, _):
            e = PyException("NotImplementedError", "unpack: 0x\(String(b, radix: 16))")
        case .lengthBeyondLimit(_, let n, _):
            e = PyException("MemoryError", "memory allocation failed, allocating \(n) bytes")
            consumed = at + Format.headerLength(firstByte: byte)
        case .depthBeyondLimit:
            e = PyException("RuntimeError", "maximum recursion depth exceeded")
        case .truncated, .invalidUTF8:
            e = PyException("ValueError", "short read")
        }
        decoder.skip(consumed - start)
        fail(e.adding(ServerSource.unpack))
    }

    static func isExt(_ b: UInt8) -> Bool { (0xc7...0xc9).contains(b) || (0xd4...0xd8).contains(b) }

    // MARK: Unpacking

    struct UnpackAbort: Error {
        var exception: PyException
        /// Stream offset (decoder-relative) where the device stopped reading.
        var end: Int
    }

    /// The device unpacker with `ext_hook=_ext_handler, use_list=False`, on a value tree. Throws
    /// where the node version throws (then `unpackFailed` finds out where the device stopped).
    private func unpack(_ v: MessagePackValue) throws -> PyValue {
        switch v {
        case .array(let items):
            var t: [PyValue] = []
            t.reserveCapacity(items.count)
            for x in items { t.append(try unpack(x)) }
            return .tuple(t)
        case .map(let entries):
            var d: [(key: PyValue, value: PyValue)] = []
            for e in entries {
                let k = try unpack(e.key)
                let v = try unpack(e.value)
                if case .dict = k { throw UnpackAbort(exception: PyException("TypeError"), end: 0) }
                if let i = d.firstIndex(where: { $0.key.pyEquals(k) }) { d[i].value = v } else { d.append((k, v)) }
            }
            return .dict(d)
        default:
            return try unpackScalar(v, end: 0)
        }
    }

    /// A scalar as the device unpacker reads it; `end` is where it stops on an error.
    private func unpackScalar(_ v: MessagePackValue, end: Int) throws -> PyValue {
        switch v {
        case .nil: return .none
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .uint(let u): return .int(Int64(truncatingIfNeeded: u))
        case .float(let f): return .float(f)
        case .double(let d): return .float(Float(d))
        case .string(let s): return .str(Array(s.utf8))
        case .invalidString(let b): return .str(Array(b))
        case .binary(let b): return .bytes(Array(b))
        case .ext(let code, let data):
            // _ext_handler: assert code == 1; return _registry.get(data)
            guard code == 1 else { throw UnpackAbort(exception: PyException("AssertionError"), end: end) }
            return registry.lookup(data)
        case .timestamp: throw UnpackAbort(exception: PyException("AssertionError"), end: end)
        case .array, .map: return .none
        }
    }

    /// The device unpacker with `ext_hook=_ext_handler, use_list=False`.
    private func unpack(_ n: Node) throws -> PyValue {
        switch n.content {
        case .scalar(let v):
            return try unpackScalar(v, end: n.end)
        case .array(let items):
            return .tuple(try items.map(unpack))
        case .map(let entries):
            var d: [(key: PyValue, value: PyValue)] = []
            for e in entries {
                let k = try unpack(e.key)
                let v = try unpack(e.value)
                if case .dict = k { throw UnpackAbort(exception: PyException("TypeError", "unsupported type for __hash__: 'dict'"), end: e.value.end) }
                if let i = d.firstIndex(where: { $0.key.pyEquals(k) }) { d[i].value = v } else { d.append((k, v)) }
            }
            return .dict(d)
        }
    }

    // MARK: Packing

    /// `msgpack.pack(result, default=_obj_handler)`: what the device encoder cannot pack is
    /// registered and sent as a proxy, at any depth, depth-first.
    func pack(_ v: PyValue) -> MessagePackValue {
        switch v {
        case .none: return .nil
        case .bool(let b): return .bool(b)
        case .int(let i):
            if i >= -(1 << 30) && i < (1 << 30) { return .int(i) }
            return proxy(v)
        case .float(let f): return .float(f)
        case .str(let b):
            if let s = String(validating: b, as: UTF8.self) { return .string(s) }
            return .invalidString(ArraySlice(b))
        case .bytes(let b): return .binary(ArraySlice(b))
        case .tuple(let a), .list(let a): return .array(a.map(pack))
        case .dict(let d): return .map(d.map { (key: pack($0.key), value: pack($0.value)) })
        case .ext(let c, let d): return .ext(type: c, data: ArraySlice(d))
        case .object: return proxy(v)
        }
    }

    private func proxy(_ v: PyValue) -> MessagePackValue {
        .ext(type: 1, data: ArraySlice(Registry.key(registry.register(v))))
    }

    private func write(_ v: PyValue) {
        let m = pack(v)
        let start = output.count
        try? encoder.encode(m, into: &output)
        noteObjectWrites(from: start)
    }

    // MARK: Dispatch

    private func dispatch(_ req: PyValue) {
        do {
            // result = globals().get(req[0])(req[1:])
            let (head, rest) = try Self.split(req)
            var fn: PyValue = .none
            switch head {
            case .str(let b): fn = globals[String(decoding: b, as: UTF8.self)] ?? .none
            case .dict, .list: throw PyException("TypeError", "unsupported type for __hash__: '\(head.typeName)'")
            default: fn = .none
            }
            guard case .object(let f) = fn else { throw PyException.notCallable(fn) }
            let result = try f.call([rest], [], self)
            write(result)
        } catch let e as PyException {
            fail(e.adding(ServerSource.serveLoop))
        } catch {
            fail(PyException("RuntimeError", "\(error)").adding(ServerSource.serveLoop))
        }
    }

    /// `req[0]` and `req[1:]` for whatever the request decoded to.
    static func split(_ req: PyValue) throws -> (PyValue, PyValue) {
        switch req {
        case .tuple(let a), .list(let a):
            guard let first = a.first else { throw PyException("IndexError", "tuple index out of range") }
            return (first, .tuple(Array(a.dropFirst())))
        case .str(let b):
            let chars = String(decoding: b, as: UTF8.self).map { PyValue.string(String($0)) }
            guard let first = chars.first else { throw PyException("IndexError", "string index out of range") }
            return (first, .str(Array(String(chars.dropFirst().map(\.str).joined()).utf8)))
        case .bytes(let b):
            guard let first = b.first else { throw PyException("IndexError", "bytes index out of range") }
            return (.int(Int64(first)), .bytes(Array(b.dropFirst())))
        case .dict(let d):
            guard let v = d.first(where: { $0.key.pyEquals(.int(0)) })?.value else {
                throw PyException("KeyError", args: [.int(0)])
            }
            _ = v
            throw PyException("TypeError", "unsupported type for __hash__: 'slice'")
        default:
            throw PyException("TypeError", "'\(req.typeName)' object isn't subscriptable")
        }
    }

    // MARK: Errors

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
                output.append(contentsOf: tb[lineStart...i])
                lineStart = i + 1
                noteRawWrite()
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
        let start = output.count
        try? encoder.encode(.ext(type: 2, data: ArraySlice(data)), into: &output)
        noteObjectWrites(from: start)
    }

    /// Moves a scratch buffer out (so appending to it does not copy) and empties it.
    private static func take(_ scratch: inout [UInt8]) -> [UInt8] {
        var b: [UInt8] = []
        swap(&b, &scratch)
        b.removeAll(keepingCapacity: true)
        return b
    }

    // MARK: Server globals

    private func installGlobals() {
        func command(_ name: String, line: Int, _ body: @escaping (_ args: [PyValue]) throws -> PyValue) {
            let f = BuiltinFunction(name: name, address: staticAllocate(), function: { [unowned self] args, _, _ in
                guard args.count == 1 else { throw PyException.argCount(1, args.count) }
                let a: [PyValue]
                if case .tuple(let t) = args[0] { a = t } else { a = try PyOps.iterate(args[0]) }
                do { return try body(a) } catch let e as PyException {
                    _ = self
                    throw e.adding(PyException.Frame(ServerSource.file, line, name))
                }
            })
            globals[name] = .object(f)
        }
        func arg(_ a: [PyValue], _ i: Int) throws -> PyValue {
            guard i < a.count else { throw PyException("IndexError", "tuple index out of range") }
            return a[i]
        }
        command("ver", line: 19) { _ in .string("V1") }
        command("re", line: 25) { [unowned self] _ in
            let snap = self.registry.snapshot
            var reprs: [UInt32: PyValue] = [:]
            for (id, v) in snap { reprs[id] = .string(v.repr) }
            let order = MicroPythonDictOrder.order(snap.map(\.id))
            return .dict(order.map { (key: .int(Int64($0)), value: reprs[$0]!) })
        }
        command("im", line: 30) { [unowned self] a in
            let name = try arg(a, 0)
            guard case .str(let b) = name else {
                throw PyException("TypeError", "can't convert '\(name.typeName)' object to str implicitly")
            }
            return .object(try self.importModule(String(decoding: b, as: UTF8.self)))
        }
        command("ex", line: 37) { [unowned self] a in
            let code = try arg(a, 0)
            self.duptermActive = true
            defer { self.duptermActive = false }
            try MiniPython(session: self).exec(try Args.string(code))
            return .none
        }
        command("cm", line: 45) { [unowned self] a in
            let target = try arg(a, 0), name = try arg(a, 1), pos = try arg(a, 2), kw = try arg(a, 3)
            self.duptermActive = true
            defer { self.duptermActive = false }
            let f = try Self.getattr(target, name)
            let args = try PyOps.iterate(pos)
            guard case .dict(let d) = kw else { throw PyException("TypeError", "argument after ** must be a dict") }
            let kwargs = try d.map { e -> (key: String, value: PyValue) in
                guard case .str(let k) = e.key else { throw PyException("TypeError", "keywords must be strings") }
                return (String(decoding: k, as: UTF8.self), e.value)
            }
            guard case .object(let callee) = f else { throw PyException.notCallable(f) }
            return try callee.call(args, kwargs, self)
        }
        command("gp", line: 51) { a in try Self.getattr(try arg(a, 0), try arg(a, 1)) }
        command("sp", line: 55) { a in
            let target = try arg(a, 0), name = try arg(a, 1), value = try arg(a, 2)
            guard case .str(let n) = name else { throw PyException("TypeError", "attribute name must be a string") }
            guard case .object(let o) = target else {
                throw PyException("AttributeError", "'\(target.typeName)' object has no attribute '\(String(decoding: n, as: UTF8.self))'")
            }
            try o.setAttr(String(decoding: n, as: UTF8.self), value)
            return .none
        }
        command("ri", line: 64) { [unowned self] a in try self.readinto(a) }
        command("_d", line: 75) { [unowned self] a in
            let key = try arg(a, 0)
            switch key {
            case .bytes(let b): self.registry.release(key: b)
            case .dict, .list: throw PyException("TypeError", "unsupported type for __hash__: '\(key.typeName)'")
            default: break   // KeyError: deleted already
            }
            return .none
        }
        command("_s", line: 82) { a in .string(try arg(a, 0).str) }
        command("eq", line: 86) { a in .bool(try arg(a, 0).pyEquals(try arg(a, 1))) }
        command("_id", line: 90) { [unowned self] a in self.pyID(try arg(a, 0)) }
        // Other module-level names of async_server.py, reachable as commands too.
        globals["_obj_handler"] = .object(BuiltinFunction(name: "_obj_handler", address: staticAllocate()) { [unowned self] args, _, _ in
            try Args.count(args, 1)
            return .ext(code: 1, data: Registry.key(self.registry.register(args[0])))
        })
        globals["_ext_handler"] = .object(BuiltinFunction(name: "_ext_handler", address: staticAllocate()) { [unowned self] args, _, _ in
            try Args.count(args, 2)
            guard case .int(1) = args[0] else { throw PyException("AssertionError") }
            return self.registry.lookup(try Args.buffer(args[1]))
        })
        globals["async_serve"] = .object(BuiltinFunction(name: "async_serve", address: staticAllocate()) { _, _, ctx in
            .object(PyInstance(className: "generator", address: ctx.allocate(size: 64)))
        })
        for name in ["msgpack", "asyncio", "os", "sys"] {
            globals[name] = .object(PyModule(name: name == "asyncio" ? "uasyncio" : name, address: staticAddress(name)))
        }
        globals["io"] = .object(try! importModule("io"))
        globals["Duptermer"] = .object(PyClass(name: "Duptermer", address: staticAllocate()) { _, args, _, _ in
            throw PyException.argCount(0, args.count)
        })
        globals["_registry"] = .object(PyInstance(className: "dict", address: staticAllocate()))
        globals["_registry_n"] = .int(0)
        globals["__name__"] = .string("urpc_server.async_server")
    }

    static func getattr(_ target: PyValue, _ name: PyValue) throws -> PyValue {
        guard case .str(let n) = name else {
            throw PyException("TypeError", "can't convert '\(name.typeName)' object to str implicitly")
        }
        let attr = String(decoding: n, as: UTF8.self)
        guard case .object(let o) = target else { throw PyException.attribute(target, attr) }
        return try o.getAttr(attr)
    }

    /// `ri(args)`: count, raw bytes, then (from the loop) nil. The buffer is a fresh copy of the
    /// zeroed server buffer, so when readinto returns None the whole slice of zeros is sent.
    private func readinto(_ a: [PyValue]) throws -> PyValue {
        guard a.count >= 2 else { throw PyException("IndexError", "tuple index out of range") }
        var size: Int
        switch a[1] {
        case .int(let n): size = n > Int64(options.bufferSize) ? options.bufferSize : Int(n)
        case .float(let f): size = f > Float(options.bufferSize) ? options.bufferSize : Int(try Args.integral(f))
        default: throw PyException("TypeError", "unsupported types for __gt__: '\(a[1].typeName)', 'int'")
        }
        if size < 0 { size = max(0, options.bufferSize + size) }
        var buffer = [UInt8](repeating: 0, count: size)
        guard case .object(let target) = a[0] else { throw PyException.attribute(a[0], "readinto") }
        let n = try target.readinto(&buffer)
        write(n.map { .int(Int64($0)) } ?? .none)
        output.append(contentsOf: buffer[0..<min(n ?? size, size)])
        noteRawWrite()
        return .none
    }
}
