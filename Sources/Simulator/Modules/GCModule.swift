/// `gc`: collection is a no-op on the simulated heap, but the counters move with the registry.
enum GCModule {
    static let heapSize: Int64 = 111_168

    static func make(_ ctx: PyContext) -> PyModule {
        let m = PyModule(name: "gc", address: ctx.staticAllocate())
        m.def("collect", ctx) { _, _, _ in .none }
        m.def("enable", ctx) { _, _, _ in .none }
        m.def("disable", ctx) { _, _, _ in .none }
        m.def("mem_alloc", ctx) { _, _, ctx in .int(Int64(4_096 + 64 * ctx.registryCount)) }
        m.def("mem_free", ctx) { _, _, ctx in .int(max(0, heapSize - Int64(4_096 + 64 * ctx.registryCount))) }
        return m
    }
}
