import MessagePack
import URPC

/// Where the published server module's code stands, for tracebacks: the file as a host build
/// prints it (spec §7; `/lib/urpc_server/...` on a device) and the line of each handler.
enum ServerSource {
    static let file = "lib/urpc_server/async_server.py"
    /// `result = globals().get(req[0])(req[1:])` in `async_serve`.
    static let serveLoop = PyException.Frame(file, 118, "async_serve")
    /// `req = msgpack.unpack(stream, …)` in `async_serve`.
    static let unpack = PyException.Frame(file, 117, "async_serve")

    static func handlerLine(_ c: Command) -> Int {
        switch c {
        case .ver: 19
        case .re: 25
        case .im: 30
        case .ex: 37
        case .cm: 45
        case .gp: 51
        case .sp: 55
        case .ri: 64
        case .release: 75
        case .str: 82
        case .eq: 86
        case .identity: 90
        }
    }

    /// The frame of a command's handler, for the commands the module defines.
    static func handlerFrame(_ command: String) -> PyException.Frame? {
        Command(rawValue: command).map { PyException.Frame(file, handlerLine($0), $0.rawValue) }
    }
}

/// The server module's globals: its command handlers and the other module-level names, all
/// reachable as commands (`globals().get(req[0])`).
extension DeviceSession {
    func dispatch(_ req: PyValue) {
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
            guard d.contains(where: { $0.key.pyEquals(.int(0)) }) else { throw PyException("KeyError", args: [.int(0)]) }
            throw PyException("TypeError", "unsupported type for __hash__: 'slice'")
        default:
            throw PyException("TypeError", "'\(req.typeName)' object isn't subscriptable")
        }
    }

    func installGlobals() {
        func command(_ c: Command, _ body: @escaping (_ args: [PyValue]) throws -> PyValue) {
            let frame = PyException.Frame(ServerSource.file, ServerSource.handlerLine(c), c.rawValue)
            let f = BuiltinFunction(name: c.rawValue, address: staticAllocate(), function: { args, _, _ in
                guard args.count == 1 else { throw PyException.argCount(1, args.count) }
                let a: [PyValue]
                if case .tuple(let t) = args[0] { a = t } else { a = try PyOps.iterate(args[0]) }
                do { return try body(a) } catch let e as PyException { throw e.adding(frame) }
            })
            globals[c.rawValue] = .object(f)
        }
        func arg(_ a: [PyValue], _ i: Int) throws -> PyValue {
            guard i < a.count else { throw PyException("IndexError", "tuple index out of range") }
            return a[i]
        }
        command(.ver) { _ in .string(WireForm.version) }
        command(.re) { [unowned self] _ in
            let snap = self.registry.snapshot
            var reprs: [UInt32: PyValue] = [:]
            for (id, v) in snap { reprs[id] = .string(v.repr) }
            let order = MicroPythonDictOrder.order(snap.map(\.id))
            return .dict(order.map { (key: .int(Int64($0)), value: reprs[$0]!) })
        }
        command(.im) { [unowned self] a in
            let name = try arg(a, 0)
            guard case .str(let b) = name else {
                throw PyException("TypeError", "can't convert '\(name.typeName)' object to str implicitly")
            }
            return .object(try self.importModule(String(decoding: b, as: UTF8.self)))
        }
        command(.ex) { [unowned self] a in
            let code = try arg(a, 0)
            self.duptermActive = true
            defer { self.duptermActive = false }
            try MiniPython(session: self).exec(try Args.string(code))
            return .none
        }
        command(.cm) { [unowned self] a in
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
        command(.gp) { a in try Self.getattr(try arg(a, 0), try arg(a, 1)) }
        command(.sp) { a in
            let target = try arg(a, 0), name = try arg(a, 1), value = try arg(a, 2)
            guard case .str(let n) = name else { throw PyException("TypeError", "attribute name must be a string") }
            guard case .object(let o) = target else { throw PyException.attribute(target, String(decoding: n, as: UTF8.self)) }
            try o.setAttr(String(decoding: n, as: UTF8.self), value)
            return .none
        }
        command(.ri) { [unowned self] a in try self.readinto(a) }
        command(.release) { [unowned self] a in
            let key = try arg(a, 0)
            switch key {
            case .bytes(let b): self.registry.release(key: b)
            case .dict, .list: throw PyException("TypeError", "unsupported type for __hash__: '\(key.typeName)'")
            default: break   // KeyError: deleted already
            }
            return .none
        }
        command(.str) { a in .string(try arg(a, 0).str) }
        command(.eq) { a in .bool(try arg(a, 0).pyEquals(try arg(a, 1))) }
        command(.identity) { [unowned self] a in self.pyID(try arg(a, 0)) }
        installModuleNames()
    }

    /// Other module-level names of async_server.py, reachable as commands too.
    private func installModuleNames() {
        globals["_obj_handler"] = .object(BuiltinFunction(name: "_obj_handler", address: staticAllocate()) { [unowned self] args, _, _ in
            try Args.count(args, 1)
            return .ext(code: ExtCode.proxy, data: Registry.key(self.registry.register(args[0])))
        })
        globals["_ext_handler"] = .object(BuiltinFunction(name: "_ext_handler", address: staticAllocate()) { [unowned self] args, _, _ in
            try Args.count(args, 2)
            guard case .int(Int64(ExtCode.proxy)) = args[0] else { throw PyException("AssertionError") }
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
        writeObject(ReadIntoReply.head(count: n))
        writeRaw(buffer[0..<min(n ?? size, size)])
        return .none   // the loop packs it: ReadIntoReply.end
    }
}
