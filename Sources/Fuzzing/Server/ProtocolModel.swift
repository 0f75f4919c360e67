import MessagePack
import URPC

/// A model of urpc V1 (spec §3–4) that writes realistic sessions: `ver`, imports of known modules,
/// constructor calls, uses of the proxies they return, releases. Proxy ids are predicted from the
/// server's counter (ids count up from 1 per boot), so a whole session can be pipelined in one
/// write; replies correct the prediction.
package struct ProtocolModel: Sendable {
    /// The id the server will hand out next (as far as the replies tell).
    package var nextID: UInt32 = 1
    /// Ids released earlier (stale: using them is "use after release").
    package private(set) var released: [UInt32] = []

    package init() {}

    /// After a restart the server counts from 1 again; stale ids now alias new objects.
    package mutating func serverRestarted() { nextID = 1 }

    package mutating func sawReleased(_ id: UInt32) {
        released.append(id)
        if released.count > 64 { released.removeFirst(released.count - 64) }
    }

    static func proxy(_ id: UInt32) -> MessagePackValue { Proxy.value(id) }

    /// A value a user would pass as an argument.
    static func argument(_ rng: inout SessionRandom) -> MessagePackValue {
        switch rng.below(9) {
        case 0: return .int(rng.pick([0, 1, -1, 5, 7, 127, 128, -32, -33, 255, 256, 32767, -32768, 65535, (1 << 30) - 1, -(1 << 30)]))
        case 1: return .int(Int64(rng.below(200)) - 100)
        case 2: return .float(rng.pick([0, 1.5, 2.25, -1, 1e30, .infinity, .nan, 3.14159]))
        case 3: return .string(rng.pick(["", "rpc test", "a", "hello", "ü", String(repeating: "x", count: 40)]))
        case 4: return .binary(ArraySlice((0..<rng.below(12)).map { UInt8($0 * 37 & 0xff) }))
        case 5: return .bool(rng.chance(50))
        case 6: return .nil
        case 7: return .array([.int(1), .int(2)])
        default: return .map([(key: .string("k"), value: .int(1))])
        }
    }

    /// One session: the requests as messages (device-dialect bytes).
    package mutating func session(_ rng: inout SessionRandom) -> [FuzzCase.Message] {
        var reqs: [Request] = []
        var born: [UInt32] = []
        func fresh() -> UInt32 { let id = nextID; nextID &+= 1; born.append(id); return id }
        func cm(_ t: UInt32, _ name: String, _ args: [MessagePackValue]) -> Request {
            .call(target: Self.proxy(t), name: name, args: args, kwargs: [])
        }
        if rng.chance(40) { reqs.append(.ver) }
        let module = rng.pick(["rpc_test", "rpc_test", "rpc_test", "math", "io", "gc", "builtins"])
        reqs.append(.importModule(module))
        let m = fresh()
        let uses = 1 + rng.below(3)
        switch module {
        case "rpc_test":
            reqs.append(cm(m, "RPC_Test", [.string(rng.pick(["rpc test", "t", ""]))]))
            let obj = fresh()
            for _ in 0..<uses {
                switch rng.below(8) {
                case 0, 1: reqs.append(cm(obj, "add", [Self.argument(&rng), Self.argument(&rng)]))
                case 2: reqs.append(.getProperty(target: Self.proxy(obj), name: "name"))
                case 3: reqs.append(.str(target: Self.proxy(obj)))
                case 4: reqs.append(.setProperty(target: Self.proxy(obj), name: "_name", value: Self.argument(&rng)))
                case 5: reqs.append(.equal(Self.proxy(obj), Self.proxy(rng.chance(50) ? obj : m)))
                case 6: reqs.append(.identity(target: Self.proxy(obj)))
                default: reqs.append(cm(obj, "add", [.int(5), .int(7)]))
                }
            }
        case "math":
            for _ in 0..<uses {
                if rng.chance(25) { reqs.append(.getProperty(target: Self.proxy(m), name: rng.pick(["pi", "e"]))) }
                else { reqs.append(cm(m, rng.pick(["sqrt", "sin", "floor", "fabs", "exp"]), [.float(rng.pick([0, 1.5, 2, 9, 100]))])) }
            }
        case "io":
            reqs.append(cm(m, rng.pick(["BytesIO", "StringIO"]), [.binary([0x68, 0x69][...])]))
            let s = fresh()
            for _ in 0..<uses {
                switch rng.below(4) {
                case 0: reqs.append(cm(s, "getvalue", []))
                case 1: reqs.append(cm(s, "write", [.binary([1, 2, 3][...])]))
                case 2: reqs.append(cm(s, "seek", [.int(0)]))
                default: reqs.append(cm(s, "read", []))
                }
            }
        case "gc":
            for _ in 0..<uses { reqs.append(cm(m, rng.pick(["collect", "mem_free", "mem_alloc"]), [])) }
        default:
            reqs.append(.str(target: Self.proxy(m)))
        }
        if rng.chance(5) { reqs.append(.exec(rng.pick(["print(1)", "x = 2", "print('hello')"]))) }
        if rng.chance(3) { reqs.append(.registry) }
        // Release in reverse order, as a client's finalisers typically run.
        for id in born.reversed() { reqs.append(.release(id: id)) }
        return reqs.map { FuzzCase.Message(bytes: $0.encoded()) }
    }

    /// A request that uses an id the server never issued or already released.
    package func strayUse(_ rng: inout SessionRandom) -> [UInt8] {
        let id: UInt32 = rng.chance(50) && !released.isEmpty ? rng.pick(released)
            : rng.pick([0, 0xFFFF_FFFF, 0x7FFF_FFFF, nextID &+ 1, nextID &+ 1000, 0x8000_0000])
        let r: Request
        switch rng.below(4) {
        case 0: r = .str(target: Self.proxy(id))
        case 1: r = .release(id: id)
        case 2: r = .call(target: Self.proxy(id), name: "add", args: [.int(1), .int(2)], kwargs: [])
        default: r = .getProperty(target: Self.proxy(id), name: "name")
        }
        return r.encoded()
    }
}
