/// `rpc_test.py`, the demo module of the published server (spec §5):
///
///     class RPC_Test:
///         def __init__(self, name): self._name = name
///         def add(self, a, b): return "{}: {} + {} = {}".format(self._name, a, b, a+b)
///         @property
///         def name(self): return self._name
///         def __str__(self): return "Demo {}".format(self._name)
enum RPCTestModule {
    static func make(_ ctx: PyContext) -> PyModule {
        let m = PyModule(name: "rpc_test", file: "rpc_test.py", address: ctx.allocate(size: 32))
        let cls = PyClass(name: "RPC_Test", address: ctx.allocate(size: 32)) { _, args, kwargs, ctx in
            // __init__(self, name)
            guard kwargs.isEmpty else { throw PyException("TypeError", "unexpected keyword argument '\(kwargs[0].key)'") }
            guard args.count == 1 else {
                throw PyException("TypeError", "function takes 2 positional arguments but \(args.count + 1) were given")
            }
            let obj = PyInstance(
                className: "RPC_Test", address: ctx.allocate(size: 10_672),
                methods: ["add": { this, args, kwargs, _ in
                    guard args.count == 2, kwargs.isEmpty else {
                        throw PyException("TypeError", "function takes 3 positional arguments but \(args.count + 1) were given")
                    }
                    let name = try this.getAttr("_name")
                    let sum = try PyOps.binary("+", args[0], args[1])
                    return .string("\(name.str): \(args[0].str) + \(args[1].str) = \(sum.str)")
                }],
                properties: ["name": { this in try this.getAttr("_name") }],
                str: { this in "Demo \(try this.getAttr("_name").str)" },
                source: ("rpc_test.py", ["add": 7]))
            obj.attributes["_name"] = args[0]
            return .object(obj)
        }
        m.attributes["RPC_Test"] = .object(cls)
        return m
    }
}
