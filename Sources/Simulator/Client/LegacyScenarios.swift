import MessagePack
import URPC

/// The legacy scenarios: a short ordinary session, then one trigger of the published server's
/// error path (spec §7), the traceback read as text, then (where the stream is still open) a later
/// `["ver"]` that the dead server never answers. The ground truth records the death.
struct LegacyScenario {
    let scenario: Scenario

    init?(_ s: Scenario) {
        switch s {
        case .legacyEOF, .legacyShortRead, .legacy64Bit, .legacyDeep, .legacyArity, .legacyUnknownProxy,
             .legacyNotCallable, .legacyMemory:
            scenario = s
        default:
            return nil
        }
    }

    /// An id the session never issues.
    static let unknownID: UInt32 = 99
    /// Nesting of the deep request: about 2,000 arrays (spec §7).
    static let deepNesting = 2000

    var summary: String {
        switch scenario {
        case .legacyEOF: return "the client closes after its last reply (EOFError)"
        case .legacyShortRead: return "a request cut inside a str payload, then silence (ValueError: short read; needs --short-reads)"
        case .legacy64Bit: return "a float64 argument (NotImplementedError: 64 bit types)"
        case .legacyDeep: return "_s of a \(Self.deepNesting)-deep array (RuntimeError: maximum recursion depth exceeded)"
        case .legacyArity: return "cm with 4 elements instead of 5 (IndexError)"
        case .legacyUnknownProxy: return "gp on P\(Self.unknownID), never issued (AttributeError on None)"
        case .legacyNotCallable: return "an unknown command (TypeError: None isn't callable)"
        default: return "a bin32 of 2 GiB, header only (MemoryError)"
        }
    }

    var trigger: String {
        switch scenario {
        case .legacyEOF: return "eof"
        case .legacyShortRead: return "short-read"
        default: return "request"
        }
    }

    /// The failing (or, for short-read, incomplete) request's bytes on the wire.
    func request(target t: RemoteRef) throws -> [UInt8] {
        let enc = Encoder(dialect: .device)
        let cm = MessagePackValue.string(Command.cm.rawValue)
        // ["cm", P2, "add", [ … as the device writes it, element by element.
        let callAdd = try [0x95] + enc.encode(cm) + enc.encode(t.ext) + enc.encode("add")
        switch scenario {
        case .legacyShortRead:
            // ["cm", P2, "add", ["hello world" cut after "hell": the read of the payload waits.
            return callAdd + [0x92, 0xab] + Array("hell".utf8)
        case .legacy64Bit:
            // [1.5, 2] with 1.5 as float64 (cb): the device codec has no 64-bit types.
            return try callAdd + Encoder(dialect: .standard).encode(.array([.double(1.5), 2])) + enc.encode(.map([]))
        case .legacyDeep:
            return try [0x92] + enc.encode(.string(Command.str.rawValue))
                + [UInt8](repeating: 0x91, count: Self.deepNesting - 2) + [0x90]
        case .legacyArity:
            return try enc.encode(.array([cm, t.ext, "add", .array([1, 2])]))
        case .legacyUnknownProxy:
            return try enc.encode(.array([.string(Command.gp.rawValue), Proxy.value(Self.unknownID), "name"]))
        case .legacyNotCallable:
            return try enc.encode(.array(["nope"]))
        default:
            // [bin32 of 0x7fffffff bytes …: the header only.
            return callAdd + [0x92, 0xc6, 0x7f, 0xff, 0xff, 0xff]
        }
    }

    func run(_ c: ScenarioClient) throws -> ScenarioResult {
        let rt = try c.importModule("rpc_test")
        let t = try c.construct(rt, "RPC_Test", [.string("legacy")])
        var lines = ["add -> \(ValueFormatter().format(try c.method(t, "add", [5, 7])))"]
        var failing: Int? = nil
        if scenario == .legacyEOF {
            c.link.shutdownWrite()
        } else {
            if scenario == .legacyUnknownProxy {
                c.noteUnknownID(Self.unknownID, "used as a target, never issued")
            }
            failing = c.truth.requests
            c.bumpRequests()
            try c.link.write(try request(target: t))
        }
        let text: [UInt8]
        do {
            text = try c.link.readText(until: Self.isCompleteTraceback)
        } catch ClientError.closed where scenario == .legacyEOF {
            text = c.link.partial
        }
        let traceback = String(decoding: text, as: UTF8.self)
        let exception = traceback.split(separator: "\n").last.map(String.init) ?? traceback
        lines.append("raw traceback on the stream:\n\(traceback)")
        c.note("raw-traceback", "\(trigger): \(exception)")
        var death = GroundTruth.Death(trigger: trigger, exception: exception, traceback: traceback, failingRequest: failing)
        if scenario != .legacyEOF {
            // A later request: the RPC task is dead, nothing answers it.
            let ver = try Encoder(dialect: .device).encode(.array([.string(Command.ver.rawValue)]))
            death.afterDeath.append(.init(index: c.truth.requests, cmd: Command.ver.rawValue, bytes: ver))
            c.bumpRequests()
            try c.link.write(ver)
            c.link.timeout = 0.5
            if let answer = try? c.link.readObject() {
                throw ClientError.unexpected("the dead server answered ver: \(ValueFormatter().format(answer.value))")
            }
            c.note("server-dead", "no reply after the traceback")
            lines.append("the server answers nothing any more")
        }
        c.recordDeath(death)
        return ScenarioResult(truth: c.truth, lines: lines)
    }

    /// A traceback is complete once a line that is neither its header nor a frame has ended.
    static func isCompleteTraceback(_ text: [UInt8]) -> Bool {
        guard let lastNewline = text.lastIndex(of: UInt8(ascii: "\n")) else { return false }
        let lines = text[..<lastNewline].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let last = lines.last else { return false }
        return !last.starts(with: "Traceback ".utf8) && !last.starts(with: "  File ".utf8)
    }
}
