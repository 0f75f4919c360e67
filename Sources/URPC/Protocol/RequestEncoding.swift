import MessagePack

extension Request {
    /// The request as the client sends it: `[cmd, args…]` (spec §3).
    package var value: MessagePackValue {
        var a: [MessagePackValue] = []
        a.reserveCapacity(5)
        a.append(.string(command))
        switch self {
        case .ver, .registry: break
        case .importModule(let s), .exec(let s): a.append(.string(s))
        case let .call(t, n, args, kw): a += [t, .string(n), .array(args), .map(kw)]
        case let .getProperty(t, n): a += [t, .string(n)]
        case let .setProperty(t, n, v): a += [t, .string(n), v]
        case let .readInto(t, n): a += [t, .int(n)]
        case .release(let id): a.append(Proxy.releaseArgument(id))
        case .str(let t), .identity(let t): a.append(t)
        case let .equal(x, y): a += [x, y]
        case .other(_, let args): a += args
        case let .malformed(_, cmd, args):
            if cmd == nil { return .array(args) }
            a = [.string(cmd!)] + args
        }
        return .array(a)
    }

    /// The request's bytes in a dialect (the device's by default, as the real client packs them).
    /// Values the dialect cannot pack give an empty array.
    package func encoded(_ dialect: Dialect = .device) -> [UInt8] {
        (try? Encoder(dialect: dialect).encode(value)) ?? []
    }
}
