/// `builtins`: the functions server programs and `cm` on the builtins module use.
enum BuiltinsModule {
    static let functionNames = ["print", "sum", "len", "abs", "min", "max", "str", "repr", "int", "float", "range", "id", "hex", "bool", "isinstance"]

    static func make(_ ctx: PyContext, id: @escaping (PyValue) -> PyValue) -> PyModule {
        let m = PyModule(name: "builtins", address: ctx.staticAllocate())
        for (name, f) in functions(id: id) { m.def(name, ctx, f) }
        return m
    }

    static func functions(id: @escaping (PyValue) -> PyValue) -> [(String, PyFunction)] {
        [
            ("print", { args, kwargs, ctx in
                var sep = " ", end = ctx.lineEnding
                for (k, v) in kwargs {
                    if k == "sep" { sep = v.str } else if k == "end" { end = v.str }
                }
                for (i, a) in args.enumerated() {
                    if i > 0 { write(sep, ctx) }
                    write(a.str, ctx)
                }
                write(end, ctx)
                return .none
            }),
            ("sum", { args, _, _ in
                try Args.range(args, 1...2)
                var total: PyValue = args.count > 1 ? args[1] : .int(0)
                for x in try PyOps.iterate(args[0]) { total = try PyOps.binary("+", total, x) }
                return total
            }),
            ("len", { args, _, _ in
                try Args.count(args, 1)
                switch args[0] {
                case .str(let b): return .int(Int64(String(decoding: b, as: UTF8.self).count))
                case .bytes(let b): return .int(Int64(b.count))
                case .tuple(let a), .list(let a): return .int(Int64(a.count))
                case .dict(let d): return .int(Int64(d.count))
                default: throw PyException("TypeError", "object of type '\(args[0].typeName)' has no len()")
                }
            }),
            ("abs", { args, _, _ in
                try Args.count(args, 1)
                switch args[0] {
                case .int(let i): return .int(abs(i))
                case .float(let f): return .float(abs(f))
                default: throw PyException("TypeError", "unsupported type for __abs__: '\(args[0].typeName)'")
                }
            }),
            ("min", { args, _, _ in try extreme(args, "<") }),
            ("max", { args, _, _ in try extreme(args, ">") }),
            ("str", { args, _, _ in .string(args.first?.str ?? "") }),
            ("repr", { args, _, _ in try Args.count(args, 1); return .string(args[0].repr) }),
            ("int", { args, _, _ in
                guard let a = args.first else { return .int(0) }
                switch a {
                case .float(let f): return .int(try Args.integral(f))
                case .str(let b):
                    if let i = Int64(String(decoding: b, as: UTF8.self).trimmingSpaces) { return .int(i) }
                    throw PyException("ValueError", "invalid syntax for integer with base 10")
                default: return .int(try Args.int(a))
                }
            }),
            ("float", { args, _, _ in
                guard let a = args.first else { return .float(0) }
                if case .str(let b) = a {
                    if let f = Float(String(decoding: b, as: UTF8.self).trimmingSpaces) { return .float(f) }
                    throw PyException("ValueError", "invalid syntax for number")
                }
                return .float(try Args.float(a))
            }),
            ("range", { args, _, _ in
                try Args.range(args, 1...3)
                let ints = try args.map(Args.int)
                let (lo, hi, step) = ints.count == 1 ? (0, ints[0], Int64(1)) : (ints[0], ints[1], ints.count == 3 ? ints[2] : 1)
                if step == 0 { throw PyException("ValueError", "zero step") }
                var out: [PyValue] = []
                var i = lo
                while (step > 0 ? i < hi : i > hi) && out.count < 1_000_000 { out.append(.int(i)); i += step }
                return .list(out)
            }),
            ("id", { args, _, _ in try Args.count(args, 1); return id(args[0]) }),
            ("hex", { args, _, _ in
                try Args.count(args, 1)
                let i = try Args.int(args[0])
                return .string((i < 0 ? "-0x" : "0x") + String(i.magnitude, radix: 16))
            }),
            ("bool", { args, _, _ in .bool(args.first?.truthy ?? false) }),
        ]
    }

    static func write(_ s: String, _ ctx: PyContext) {
        if !s.isEmpty { ctx.consoleWrite(Array(s.utf8)) }
    }

    static func extreme(_ args: [PyValue], _ op: String) throws -> PyValue {
        let items = args.count == 1 ? try PyOps.iterate(args[0]) : args
        guard var best = items.first else { throw PyException("ValueError", "arg is an empty sequence") }
        for x in items.dropFirst() where try PyOps.compare(op, x, best).truthy { best = x }
        return best
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
