#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MessagePack
import URPC

/// Two real-traffic lifecycle cases for the leak tracker:
///
/// - `pipelined-release`: `cm P3.BytesIO(…)`, `ri P4 4` and `_d P4` in one write, before the reply
///   that issues P4. The server processes them in order; P4 is released (the pipelined use and
///   release are notes, `used-before-issued`).
/// - `mid-session`: imports and constructors first, then a pause of `MidSession.pause` seconds;
///   the recording is cut at that pause (scripts/record-captures.sh), so the capture starts inside
///   the session: no SYN, no `ver`, proxies born before it, used during it, one of them released,
///   and a final `re` dump that lists the live ones. The ground truth describes what the cut capture
///   shows: its requests only, and `born_before_capture` for the proxies born before the pause.
enum LifecycleScenario {
    /// The pause between the part of `mid-session` before the capture and the part inside it.
    /// The record script cuts at the first gap of over `MidSession.cutGap` seconds.
    enum MidSession {
        static let pause = 2.0
        static let cutGap = 1.5
    }

    static func pipelinedRelease(_ c: ScenarioClient) throws -> ScenarioResult {
        let f = ValueFormatter()
        var lines: [String] = []
        let rt = try c.importModule("rpc_test")
        let t = try c.construct(rt, "RPC_Test", [.string("pipeline")])
        lines.append("add -> \(f.format(try c.method(t, "add", [5, 7])))")
        let io = try c.importModule("io")
        // The server issues ids counting up: the BytesIO will be the next one.
        let next = RemoteRef(id: c.truth.maxBorn + 1)
        let content: [UInt8] = Array("abcd".utf8)
        let enc = Encoder(dialect: .device)
        var batch = try enc.encode(.array([.string(Command.cm.rawValue), io.ext, "BytesIO", .array([.binary(content[...])]), .map([])]))
        batch += try enc.encode(.array([.string(Command.ri.rawValue), next.ext, .int(Int64(content.count))]))
        batch += try enc.encode(c.releaseMessage(next))
        try c.link.writeWhole(batch)
        c.note("used-before-issued", id: next.id, "ri P\(next.id) sent in the same write as the cm that creates it, before its reply")
        c.note("used-before-issued", id: next.id, "_d P\(next.id) sent in the same write as the cm that creates it, before its reply")
        c.note("pipelined", "ri and _d sent while cm BytesIO was unanswered")
        let b = try c.proxy(try c.finish(cmd: "cm", label: "cm BytesIO"))
        guard b == next else { throw ClientError.unexpected("cm BytesIO issued P\(b.id), predicted P\(next.id)") }
        let raw = try c.finish(cmd: "ri", label: "ri", readinto: content.count).raw ?? []
        lines.append("pipelined: cm BytesIO -> P\(b.id), ri -> \(Hex.spaced(raw))")
        c.bumpRequests()
        let d = try c.link.readReply()
        guard d.value.isNil else { throw ClientError.unexpected("_d answered \(f.format(d.value))") }
        c.updateTruth { $0.release(b.id) }
        lines.append("pipelined: _d P\(b.id) -> nil")
        lines.append("registry = \(f.format(try c.registry()))")
        try c.release(t)
        lines.append("registry = \(f.format(try c.registry()))")
        return ScenarioResult(truth: c.truth, lines: lines)
    }

    static func midSession(_ c: ScenarioClient) throws -> ScenarioResult {
        let f = ValueFormatter()
        var lines: [String] = []
        // Before the capture: every proxy made here is used, released or listed by the final dump
        // inside it, so the capture shows all of them.
        let rt = try c.importModule("rpc_test")
        let t = try c.construct(rt, "RPC_Test", [.string("before")])
        let io = try c.importModule("io")
        let b = try c.construct(io, "BytesIO", [.bytes("early bytes".utf8)])
        let u = try c.construct(rt, "RPC_Test", [.string("old")])
        c.updateTruth { $0.captureBegins() }
        sleep(seconds: MidSession.pause)
        // Inside the capture.
        lines.append("add -> \(f.format(try c.method(t, "add", [2, 3])))")
        lines.append("ri -> \(Hex.spaced(try c.readinto(b, 5)))")
        try c.release(b)
        let v = try c.construct(rt, "RPC_Test", [.string("short-lived")])
        lines.append("add -> \(f.format(try c.method(v, "add", [1, 1])))")
        try c.release(v)
        let w = try c.construct(rt, "RPC_Test", [.string("kept")])
        lines.append("str = \(f.format(try c.str(u)))")
        lines.append("eq(w, t) = \(f.format(try c.eq(w, t)))")
        lines.append("registry = \(f.format(try c.registry()))")
        return ScenarioResult(truth: c.truth, lines: lines)
    }

    static func sleep(seconds: Double) {
        var left = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var rest = timespec()
        while nanosleep(&left, &rest) != 0 && errno == EINTR { left = rest }
    }
}
