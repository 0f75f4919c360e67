import MessagePack
import URPC

/// A proxy as the client holds it.
package struct RemoteRef: Sendable, Equatable {
    package let id: UInt32
    package var ext: MessagePackValue { Proxy.value(id) }

    package init(id: UInt32) { self.id = id }

    init?(_ v: MessagePackValue) {
        guard let id = Proxy.id(v) else { return nil }
        self.id = id
    }
}

/// Plays a client the way the published client library (`urpc/client.py`) does: one request at a
/// time, the reply read before the next request, console output printed, proxies released with
/// `["_d", bin(id)]` from the "finaliser" (or never, in leaky mode), while tracking ground truth.
package final class ScenarioClient {
    package let link: ClientLink
    package private(set) var truth: GroundTruth
    /// The published client's mode: the finaliser module is missing, no `_d` is ever sent.
    package var leaky: Bool
    /// Console output printed by the server (ExtType(3)).
    package var onConsole: (([UInt8]) -> Void)?
    private let encoder = Encoder(dialect: .device)

    package init(link: ClientLink, scenario: String, leaky: Bool = false) {
        self.link = link
        self.truth = GroundTruth(scenario: scenario)
        self.leaky = leaky
    }

    // MARK: Requests

    /// Sends `[cmd, args…]` and reads the reply; proxies in it are recorded as born by `label`.
    @discardableResult
    package func call(_ cmd: String, _ args: [MessagePackValue], label: String? = nil, readinto: Int? = nil) throws -> Reply {
        try link.send(.array([.string(cmd)] + args))
        return try finish(cmd: cmd, label: label, readinto: readinto)
    }

    private func finish(cmd: String, label: String?, readinto: Int? = nil) throws -> Reply {
        truth.requests += 1
        let r = try link.readReply(readinto: readinto)
        for c in r.console { onConsole?(c) }
        if case .ext(ExtCode.exception, let d) = r.value {
            let parts = String(decoding: d, as: UTF8.self).split(separator: "\u{04}", maxSplits: 2, omittingEmptySubsequences: false)
            throw ClientError.remote(type: parts.count > 0 ? String(parts[0]) : "", args: parts.count > 1 ? String(parts[1]) : "",
                                     traceback: parts.count > 2 ? String(parts[2]) : "")
        }
        recordBirths(r.value, label: label ?? cmd)
        return r
    }

    private func recordBirths(_ v: MessagePackValue, label: String) {
        switch v {
        case .ext: if let p = RemoteRef(v) { truth.born(p.id, by: label) }
        case .array(let a): a.forEach { recordBirths($0, label: label) }
        case .map(let m): m.forEach { recordBirths($0.key, label: label); recordBirths($0.value, label: label) }
        default: break
        }
    }

    func proxy(_ r: Reply) throws -> RemoteRef {
        guard let p = RemoteRef(r.value) else { throw ClientError.unexpected("expected a proxy, got \(ValueFormatter().format(r.value))") }
        return p
    }

    /// The handshake: `["ver"]` → "V1", retried once (the first try can fail on a waking device).
    package func handshake() throws {
        var reply: MessagePackValue
        do { reply = try call("ver", []).value } catch { reply = try call("ver", []).value }
        guard reply == .string(WireForm.version) else {
            throw ClientError.unexpected("version \(ValueFormatter().format(reply)), expected \(WireForm.version)")
        }
    }

    package func importModule(_ name: String) throws -> RemoteRef {
        try proxy(try call("im", [.string(name)], label: "im \(name)"))
    }

    /// `obj.name(*args, **kwargs)` → `["cm", obj, name, args, kwargs]`.
    @discardableResult
    package func method(_ target: RemoteRef, _ name: String, _ args: [MessagePackValue] = [],
                       _ kwargs: [(key: MessagePackValue, value: MessagePackValue)] = []) throws -> MessagePackValue {
        try call("cm", [target.ext, .string(name), .array(args), .map(kwargs)], label: "cm \(name)").value
    }

    package func construct(_ module: RemoteRef, _ cls: String, _ args: [MessagePackValue] = []) throws -> RemoteRef {
        try proxy(try call("cm", [module.ext, .string(cls), .array(args), .map([])], label: "cm \(cls)"))
    }

    package func get(_ target: RemoteRef, _ name: String) throws -> MessagePackValue {
        try call("gp", [target.ext, .string(name)], label: "gp \(name)").value
    }

    package func set(_ target: RemoteRef, _ name: String, _ value: MessagePackValue) throws {
        try call("sp", [target.ext, .string(name), value])
    }

    package func str(_ target: RemoteRef) throws -> MessagePackValue { try call("_s", [target.ext]).value }
    package func eq(_ a: RemoteRef, _ b: RemoteRef) throws -> MessagePackValue { try call("eq", [a.ext, b.ext]).value }
    package func id(_ a: RemoteRef) throws -> MessagePackValue { try call("_id", [a.ext]).value }
    /// The client library's `a == b`: two `_id` requests compared on the client.
    package func sameObject(_ a: RemoteRef, _ b: RemoteRef) throws -> Bool { try id(a) == id(b) }
    package func registry() throws -> MessagePackValue { try call("re", []).value }

    @discardableResult
    package func exec(_ code: String) throws -> [[UInt8]] { try call("ex", [.string(code)]).console }

    /// `proxy.readinto(buffer)`: `["ri", obj, n]` → count, raw bytes, nil.
    package func readinto(_ target: RemoteRef, _ n: Int) throws -> [UInt8] {
        try link.send(.array([.string(Command.ri.rawValue), target.ext, .int(Int64(n))]))
        return try finish(cmd: "ri", label: "ri", readinto: n).raw ?? []
    }

    // MARK: Releases

    private func releaseMessage(_ p: RemoteRef) -> MessagePackValue {
        .array([.string(Command.release.rawValue), .binary(ArraySlice(Registry.key(p.id)))])
    }

    /// The finaliser of a collected proxy: `["_d", bin(id)]`, answered by nil. In leaky mode
    /// nothing is sent (the published client has no finaliser).
    package func release(_ p: RemoteRef) throws {
        guard !leaky else { return }
        try link.send(releaseMessage(p))
        truth.requests += 1
        let r = try link.readReply()
        guard r.value.isNil else { throw ClientError.unexpected("_d answered \(ValueFormatter().format(r.value))") }
        truth.release(p.id)
    }

    /// A garbage collection during a call: the request is written, then the finaliser writes
    /// `_d` before the reply has been read; then both replies are read (in order).
    @discardableResult
    package func callWithReleaseDuringReply(_ release: RemoteRef, _ cmd: String, _ args: [MessagePackValue], label: String? = nil) throws -> Reply {
        guard !leaky else { return try call(cmd, args, label: label) }
        try link.send(.array([.string(cmd)] + args))
        try link.send(releaseMessage(release))
        truth.anomalies.append(GroundTruth.Anomaly(kind: "release-during-reply", id: release.id, detail: nil))
        let r = try finish(cmd: cmd, label: label)
        truth.requests += 1
        let d = try link.readReply()
        guard d.value.isNil else { throw ClientError.unexpected("_d answered \(ValueFormatter().format(d.value))") }
        truth.release(release.id)
        return r
    }

    func bumpRequests() { truth.requests += 1 }

    func recordDeath(_ d: GroundTruth.Death) { truth.death = d }

    func noteUnknownID(_ id: UInt32, _ detail: String) {
        truth.usedUnknown(id)
        note("unknown-id", id: id, detail)
    }

    func note(_ kind: String, id: UInt32? = nil, _ detail: String? = nil) {
        truth.anomalies.append(GroundTruth.Anomaly(kind: kind, id: id, detail: detail))
    }
}
