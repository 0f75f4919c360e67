#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `math` on a single-precision build: every result is a float32.
enum MathModule {
    static func make(_ ctx: PyContext) -> PyModule {
        let m = PyModule(name: "math", address: ctx.staticAllocate())
        let unary: [(String, (Float) -> Float)] = [
            ("sqrt", { sqrtf($0) }), ("sin", { sinf($0) }), ("cos", { cosf($0) }), ("tan", { tanf($0) }),
            ("exp", { expf($0) }), ("log", { logf($0) }), ("fabs", { fabsf($0) }), ("atan", { atanf($0) }),
        ]
        for (name, f) in unary {
            m.def(name, ctx) { args, _, _ in
                try Args.count(args, 1)
                let x = try Args.float(args[0])
                if (name == "sqrt" || name == "log") && (x < 0 || (name == "log" && x == 0)) {
                    throw PyException("ValueError", "math domain error")
                }
                return .float(f(x))
            }
        }
        m.def("floor", ctx) { args, _, _ in try Args.count(args, 1); return .int(try Args.integral(floorf(try Args.float(args[0])))) }
        m.def("ceil", ctx) { args, _, _ in try Args.count(args, 1); return .int(try Args.integral(ceilf(try Args.float(args[0])))) }
        m.def("pow", ctx) { args, _, _ in
            try Args.count(args, 2)
            return .float(powf(try Args.float(args[0]), try Args.float(args[1])))
        }
        m.attributes["pi"] = .float(Float.pi)
        m.attributes["e"] = .float(Float(M_E))
        return m
    }
}
