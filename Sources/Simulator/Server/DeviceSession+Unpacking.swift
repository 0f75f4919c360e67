import MessagePack
import URPC

/// The device unpacker with `ext_hook=_ext_handler, use_list=False`: arrays become tuples, ext 1
/// resolves through the registry (unknown ids to None), any other ext code fails the assertion.
extension DeviceSession {
    struct UnpackAbort: Error {
        var exception: PyException
        /// Stream offset (decoder-relative) where the device stopped reading.
        var end: Int
    }

    /// On a value tree. Throws where the node version throws (then `unpackFailed` finds out where
    /// the device stopped).
    func unpack(_ v: MessagePackValue) throws -> PyValue {
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
            guard code == ExtCode.proxy else { throw UnpackAbort(exception: PyException("AssertionError"), end: end) }
            return registry.lookup(data)
        case .timestamp: throw UnpackAbort(exception: PyException("AssertionError"), end: end)
        case .array, .map: return .none
        }
    }

    /// On nodes, which know where each element ends.
    func unpack(_ n: Node) throws -> PyValue {
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
}
