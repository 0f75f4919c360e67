import MessagePack
import URPC

/// The simulated urpc V1 server over one byte stream: feed it the client's bytes, get back the
/// bytes the server writes. A state machine, transport-agnostic (TCP, pty, serial, tests).
///
/// It runs the published server loop (spec §3, `async_server.py`): unpack one object with the
/// device codec (`use_list=False`, ext 1 → registry lookup, any other ext code → AssertionError),
/// call `globals().get(req[0])(req[1:])`, pack the result with proxies for what cannot be packed.
/// Requests are handled strictly one at a time and in order; pipelined requests are answered in
/// order. The jobs live in extensions: reading (`DeviceSession+Reading`), the reader's failures
/// (`+ReadFailures`), unpacking (`+Unpacking`), replies and the error path (`+Replies`) and the
/// server's module globals (`ServerGlobals`).
package final class DeviceSession: PyContext {
    package enum State: Sendable, Equatable {
        case serving
        /// The published error path ended the RPC task: nothing more is read or answered.
        case dead(reason: String)
        /// The device crashed on a fatal input (`deviceFaults` on).
        case crashed(DeviceCrash)
    }

    package let options: SimulatorOptions
    package internal(set) var state: State = .serving
    package internal(set) var registry = Registry()
    /// Requests handled (answered or failed).
    package internal(set) var requestCount = 0

    var decoder = StreamDecoder(options: .device)
    /// Stream offset of the decoder's offset 0 (the decoder is replaced after a partial consume).
    var decoderBase = 0
    /// The walk of a refused request that has not fully arrived yet (resumed on the next feed).
    var pendingWalk: RequestWalk?
    var output: [UInt8] = []
    /// Buffers of the error path, kept between errors (about half of a fuzzer's requests fail).
    var tracebackScratch: [UInt8] = []
    var errorScratch: [UInt8] = []
    /// End offsets in `output` of the device's individual writes (when `recordsWrites`).
    var writeEnds: [Int] = []
    /// Keep the boundaries of the device's writes: one per msgpack header and per payload, one
    /// per raw `ri` payload, one per traceback line, as the real server writes its stream.
    package var recordsWrites = false
    var duptermActive = false
    var heapNext: UInt32
    var staticNext: UInt32 = 0x5664_f000
    let encoder = Encoder(dialect: .device)
    /// Server module globals (`globals()` of async_server.py), extended by `ex`.
    var globals: [String: PyValue] = [:]
    var modules: [String: PyObject] = [:]
    var staticIDs: [String: UInt32] = [:]

    package init(options: SimulatorOptions = SimulatorOptions()) {
        self.options = options
        self.heapNext = options.heapBase
        installGlobals()
    }

    // MARK: PyContext

    package var lineEnding: String { options.lineEnding }
    package var registryCount: Int { registry.count }

    package func consoleWrite(_ bytes: [UInt8]) {
        guard duptermActive else { return }
        // Duptermer.write: msgpack.pack(ExtType(3, data), _stream)
        writeObject(.ext(type: ExtCode.console, data: ArraySlice(bytes)))
    }

    package func allocate(size: Int) -> UInt32 {
        let a = heapNext
        heapNext &+= UInt32((max(16, size) + 15) & ~15)
        return a
    }

    package func staticAllocate() -> UInt32 {
        let a = staticNext
        staticNext &+= 0x18
        return a
    }

    func staticAddress(_ name: String) -> UInt32 {
        if let a = staticIDs[name] { return a }
        let a = staticAllocate()
        staticIDs[name] = a
        return a
    }

    package func importModule(_ name: String) throws -> PyObject {
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
}
