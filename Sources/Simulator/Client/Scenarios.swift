#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MessagePack
import URPC

/// The sessions `urpc-sim client` plays.
package enum Scenario: String, CaseIterable, Sendable {
    /// The shared capture A: rpc_test calls with every argument type, gp/sp/_s/eq/_id, re,
    /// math, io, two releases by the finaliser, four proxies left registered.
    case basic
    /// socket (a real loopback echo: bind, listen, connect, accept, send, recv, ri, close) and
    /// network (WLAN), with one release written while a reply is outstanding.
    case sockets
    /// The published client: no `_d` is ever sent, every proxy leaks.
    case leaky
    /// The shared capture D: `ri` raw replies and console output of `ex` and `cm`.
    case readinto
    /// Failing requests: with the intended error reply each raises on the client and the session
    /// goes on; against `--legacy-errors` the first one kills the server (raw traceback).
    case errors
    /// N `add` calls (`--count`), measured.
    case stress
    /// The published server's error path (spec §7), one trigger each; play them against
    /// `urpc-sim server --legacy-errors` (`legacy-short-read` also with `--short-reads`).
    case legacyEOF = "legacy-eof", legacyShortRead = "legacy-short-read", legacy64Bit = "legacy-64bit"
    case legacyDeep = "legacy-deep", legacyArity = "legacy-arity", legacyUnknownProxy = "legacy-unknown-proxy"
    case legacyNotCallable = "legacy-not-callable", legacyMemory = "legacy-memory"

    package var summary: String {
        switch self {
        case .basic: return "capture A: rpc_test, gp/sp/_s/eq/_id, re, math, io, two releases, four leaks"
        case .sockets: return "socket echo over loopback + network.WLAN, a release during an outstanding reply"
        case .leaky: return "the published client: no _d ever sent, every proxy leaks"
        case .readinto: return "capture D: ri raw replies, console output of ex and cm"
        case .errors: return "failing requests: error replies (or the legacy raw traceback, then silence)"
        case .stress: return "N add calls (--count N), prints calls/s"
        default: return LegacyScenario(self).map { "legacy error path: \($0.summary)" } ?? rawValue
        }
    }
}

/// What a played scenario reports.
package struct ScenarioResult {
    package var truth: GroundTruth
    package var lines: [String] = []
    package var callsPerSecond: Double?

    package init(truth: GroundTruth, lines: [String] = [], callsPerSecond: Double? = nil) {
        self.truth = truth
        self.lines = lines
        self.callsPerSecond = callsPerSecond
    }
}

package enum ScenarioRunner {
    package static func run(_ scenario: Scenario, client c: ScenarioClient, count: Int = 10_000) throws -> ScenarioResult {
        var lines: [String] = []
        func say(_ s: String) { lines.append(s) }
        let f = ValueFormatter()
        var rate: Double? = nil
        if scenario == .leaky { c.leaky = true }
        try c.handshake()
        if let legacy = LegacyScenario(scenario) { return try legacy.run(c) }
        switch scenario {
        case .basic, .leaky:
            let rt = try c.importModule("rpc_test")
            let t = try c.construct(rt, "RPC_Test", [.string("sensor A")])
            let argPairs: [[MessagePackValue]] = [
                [5, 7], [300, -20000], [100000, -1], ["abc", "xyz"],
                [.binary([0, 1]), .binary([0xfe, 0xff])], [.float(1.5), .float(2.25)],
            ]
            for a in argPairs { say(f.format(try c.method(t, "add", a))) }
            say("name = \(f.format(try c.get(t, "name")))")
            try c.set(t, "_name", "sensor B")
            say("name = \(f.format(try c.get(t, "name")))")
            say("str = \(f.format(try c.str(t)))")
            say("eq(t, t) = \(f.format(try c.eq(t, t)))")
            _ = try c.id(t)
            say("registry = \(f.format(try c.registry()))")
            let math = try c.importModule("math")
            let io = try c.importModule("io")
            let u = try c.construct(rt, "RPC_Test", [.string("probe")])
            say("sqrt(2) = \(f.format(try c.method(math, "sqrt", [.float(2)])))")
            let b = try c.construct(io, "BytesIO", [.bytes("xyz".utf8)])
            say("getvalue = \(f.format(try c.method(b, "getvalue")))")
            say("eq(t, u) = \(f.format(try c.eq(t, u)))")
            say("t == u: \(try c.sameObject(t, u))")
            say("str(u) = \(f.format(try c.str(u)))")
            if scenario == .leaky {
                // More objects the published client drops without a word to the server.
                for i in 0..<4 {
                    let x = try c.construct(rt, "RPC_Test", [.string("tmp \(i)")])
                    _ = try c.method(x, "add", [.int(Int64(i)), 1])
                }
            }
            try c.release(u)
            try c.release(b)
            say("registry = \(f.format(try c.registry()))")
        case .readinto:
            let io = try c.importModule("io")
            let b = try c.construct(io, "BytesIO", [.bytes("hello world".utf8)])
            for n in [5, 16, 16] { say("ri \(n) -> \(Hex.spaced(try c.readinto(b, n)))") }
            var big: [UInt8] = [0x92, 0xa2, 0x5f, 0x64, 0xc4, 0x04, 0, 0, 0, 1, 0xd6, 1, 0, 0, 0, 0x63, 0xc0, 0xc1, 0xc3, 0xdd, 0xff, 0xff, 0xff, 0xff]
            big += (0...255).map { UInt8($0) } + (0...255).reversed().map { UInt8($0) }
            while big.count < 711 { big += [0x91, 0xa3, 0x76, 0x65, 0x72] }
            big = Array(big.prefix(711))
            let b2 = try c.construct(io, "BytesIO", [.bytes(big)])
            for n in [600, 600, 8] { say("ri \(n) -> \(try c.readinto(b2, n).count) bytes") }
            say("console: \(try c.exec("print('hello from server')").map { String(decoding: $0, as: UTF8.self) })")
            say("console: \(try c.exec("for i in range(3):\n    print('line', i)").map { String(decoding: $0, as: UTF8.self) })")
            try c.exec("x = 6 * 7")
            let bi = try c.importModule("builtins")
            _ = try c.method(bi, "print", ["cm output", 42])
            say("sum = \(f.format(try c.method(bi, "sum", [.array([1, 2, 3])])))")
            try c.release(b)
            say("registry = \(f.format(try c.registry()))")
        case .sockets:
            let sock = try c.importModule("socket")
            let srv = try c.construct(sock, "socket")
            _ = try c.method(srv, "bind", [.array(["127.0.0.1", 0])])
            _ = try c.method(srv, "listen", [1])
            let addr = try c.method(srv, "getsockname")
            guard let port = addr.arrayValue?.last?.intValue else { throw ClientError.unexpected("getsockname \(f.format(addr))") }
            let cli = try c.construct(sock, "socket")
            _ = try c.method(cli, "connect", [.array(["127.0.0.1", .int(port)])])
            let accepted = try c.method(srv, "accept")
            guard let pair = accepted.arrayValue, pair.count == 2, let conn = RemoteRef(pair[0]) else {
                throw ClientError.unexpected("accept \(f.format(accepted))")
            }
            say("accept -> \(f.format(accepted))")
            say("send -> \(f.format(try c.method(cli, "send", [.bytes("hello".utf8)])))")
            say("recv -> \(f.format(try c.method(conn, "recv", [5])))")
            _ = try c.method(conn, "send", [.bytes("pong!".utf8)])
            say("ri -> \(Hex.spaced(try c.readinto(cli, 16)))")
            _ = try c.method(conn, "close")
            // The finaliser of the accepted socket runs while the next reply is still arriving.
            try c.callWithReleaseDuringReply(conn, "cm", [cli.ext, "close", .array([]), .map([])], label: "cm close")
            try c.release(cli)
            try c.method(srv, "close")
            try c.release(srv)
            let net = try c.importModule("network")
            let wlan = try c.construct(net, "WLAN", [0])
            _ = try c.method(wlan, "active", [true])
            _ = try c.method(wlan, "connect", ["msgscope", "secret"])
            say("isconnected -> \(f.format(try c.method(wlan, "isconnected")))")
            say("ifconfig -> \(f.format(try c.method(wlan, "ifconfig")))")
            try c.release(wlan)
            say("registry = \(f.format(try c.registry()))")
        case .errors:
            let rt = try c.importModule("rpc_test")
            let t = try c.construct(rt, "RPC_Test", [.string("err")])
            let failing: [(String, MessagePackValue)] = [
                ("missing attribute", .array(["cm", t.ext, "foo", .array([]), .map([])])),
                ("unknown command", .array(["nope"])),
                ("wrong arity", .array(["cm", t.ext, "add"])),
                ("not an array", 5),
                ("ext code 2", .array(["_s", .ext(type: ExtCode.exception, data: [0, 0, 0, 1])])),
                ("bad argument types", .array(["cm", t.ext, "add", .array([1, "x"]), .map([])])),
            ]
            for (what, req) in failing {
                try c.link.send(req)
                do {
                    let r = try c.link.readReply()
                    c.truthCount()
                    if case .ext(ExtCode.exception, let d) = r.value {
                        let type = String(decoding: d.prefix { $0 != 4 }, as: UTF8.self)
                        c.note("error-reply", "\(what): \(type)")
                        say("\(what): server raised \(type)")
                    } else {
                        // The published server writes its traceback as text: read as fixints.
                        var text = r.bytes
                        c.link.timeout = 0.3
                        while let more = try? c.link.readObject() { text += more.bytes }
                        while let raw = try? c.link.readRaw(1) { text += raw }
                        let s = String(decoding: text, as: UTF8.self)
                        c.note("raw-traceback", "\(what): \(s.split(separator: "\n").last.map(String.init) ?? s)")
                        say("\(what): raw traceback on the stream:\n\(s)")
                        if (try? c.call("ver", [])) == nil {
                            c.note("server-dead", "no reply after the traceback")
                            say("the server answers nothing any more")
                        }
                        return ScenarioResult(truth: c.truth, lines: lines)
                    }
                } catch let e as ClientError {
                    c.note("no-reply", "\(what): \(e)")
                    return ScenarioResult(truth: c.truth, lines: lines)
                }
            }
            say("ver after the errors -> \(f.format(try c.call("ver", []).value))")
            say("registry = \(f.format(try c.registry()))")
        case .stress:
            let rt = try c.importModule("rpc_test")
            let t = try c.construct(rt, "RPC_Test", [.string("stress")])
            let start = now()
            for i in 0..<count { _ = try c.method(t, "add", [.int(Int64(i)), 1]) }
            let elapsed = now() - start
            rate = Double(count) / max(elapsed, 1e-9)
            say("\(count) calls in \(String(format3(elapsed))) s: \(Int(rate!)) calls/s")
        default: break
        }
        return ScenarioResult(truth: c.truth, lines: lines, callsPerSecond: rate)
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func format3(_ x: Double) -> String {
        let ms = Int((x * 1000).rounded())
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - String(ms % 1000).count))\(ms % 1000)"
    }
}

extension ScenarioClient {
    func truthCount() { bumpRequests() }
}
