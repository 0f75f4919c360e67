import Capture
import Foundation

/// A deduplicated finding against a server (or client) target.
public struct ServerFinding: Sendable {
    public var signature: String
    public var verdict: ServerVerdict
    /// The case as found, and after minimisation (sequence first, then bytes).
    public var original: FuzzCase
    public var minimized: FuzzCase?
    /// Files written (reproducer, its description, the capture of the failing session).
    public var reproducerPath: String
    public var minimizedPath: String?
    public var capturePath: String?
    /// How many cases hit this signature.
    public var hits: Int
    /// Seconds into the run when it was first seen, and the case number.
    public var firstSeconds: Double
    public var firstCase: Int
    /// Minimisation runs spent.
    public var minimizeRuns = 0
    /// Names of the mutations that made the case (engine mutator names for byte edits).
    public var mutations: [String] = []
    public var targetOutput: String = ""

    public var best: FuzzCase { minimized ?? original }
}

/// Writes findings: the raw reproducer (`crash-<sha1>`, atomically, before anything else), a
/// replayable description beside it (`.json`: messages, write splits, verdict) and, once
/// minimised, the reproducer and a capture of the failing session that msgdissect and Wireshark open.
public struct FindingFiles {
    public let directory: String

    public init(directory: String) throws {
        self.directory = directory
        try Files.makeDirectory(directory)
    }

    /// Writes `bytes` to `name` with the engine's atomic write (temporary file, fsync, rename).
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = directory + "/" + name
        try Files.writeAtomically(bytes, to: path)
        return path
    }

    /// The replayable description of a case (read back by `ReplayFile`).
    public static func describe(_ c: FuzzCase, verdict: ServerVerdict?, signature: String?, target: String,
                                extra: [String: Any] = [:]) -> [UInt8] {
        var o: [String: Any] = [
            "target": target,
            "messages": c.messages.map { m -> [String: Any] in
                var d: [String: Any] = ["hex": HexText.string(m.bytes)]
                if !m.splits.isEmpty { d["splits"] = m.splits }
                if m.isGarbage { d["garbage"] = true }
                return d
            },
            "gap_us": c.gapMicros,
            "restart_first": c.restartFirst,
            "id_base": Int(c.idBase),
            "bytes": c.byteCount,
        ]
        if let v = verdict {
            o["oracle"] = v.oracle.rawValue
            o["status"] = v.end?.key ?? NSNull()
            o["detail"] = v.detail
        }
        if let s = signature { o["signature"] = s }
        for (k, v) in extra { o[k] = v }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return Array(data) + [0x0a]
    }

    /// Writes the exchange of a run as a capture: TCP (pcap) for socket targets, the serial
    /// capture format (pcapng) for ttys.
    public func writeCapture(_ t: Transcript, name: String, serverPort: UInt16, serialLine: String?) throws -> String {
        let path = directory + "/" + name
        guard let first = t.events.first else { throw CaptureError.write("empty session") }
        if let line = serialLine {
            let w = try SerialCaptureWriter(path: path, lineName: line, format: .pcapng)
            for e in t.events {
                try w.append(e.bytes, direction: e.side == .client ? .a : .b,
                             time: Timestamp(seconds: e.seconds, nanoseconds: e.nanoseconds))
            }
            try w.close()
        } else {
            let rec = try TCPSessionRecorder(path: path, format: .pcap, link: .ethernet,
                                             client: Endpoint(address: "127.0.0.1", port: 54188),
                                             server: Endpoint(address: "127.0.0.1", port: serverPort == 0 ? 7000 : serverPort),
                                             start: Timestamp(seconds: first.seconds, nanoseconds: first.nanoseconds).adding(nanoseconds: -100_000))
            var last = Timestamp(seconds: first.seconds, nanoseconds: first.nanoseconds)
            for e in t.events {
                var ts = Timestamp(seconds: e.seconds, nanoseconds: e.nanoseconds)
                if ts < last { ts = last }
                try rec.append(e.bytes, from: e.side == .client ? .a : .b, time: ts)
                last = ts.adding(nanoseconds: 20_000)
            }
            try rec.finish(time: last.adding(nanoseconds: 50_000))
        }
        return path
    }
}

/// Hex helpers for descriptions.
enum HexText {
    static func string(_ b: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(b.count * 2)
        for x in b { out.append(digits[Int(x >> 4)]); out.append(digits[Int(x & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        func v(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let h = v(u[i]), let l = v(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
            i += 2
        }
        return out
    }
}

/// A replayable case read back: the `.json` description if there is one, else the raw bytes
/// sent as one write.
public enum ReplayFile {
    public static func load(_ path: String) throws -> FuzzCase {
        let json = path.hasSuffix(".json") ? path : path + ".json"
        if let data = FileManager.default.contents(atPath: json),
           let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let ms = o["messages"] as? [[String: Any]] {
            let messages = ms.compactMap { m -> FuzzCase.Message? in
                guard let h = m["hex"] as? String, let b = HexText.bytes(h) else { return nil }
                return FuzzCase.Message(bytes: b, splits: (m["splits"] as? [Int]) ?? [], isGarbage: (m["garbage"] as? Bool) ?? false)
            }
            return FuzzCase(messages: messages, gapMicros: (o["gap_us"] as? Int) ?? 0,
                            restartFirst: (o["restart_first"] as? Bool) ?? false,
                            idBase: UInt32(clamping: (o["id_base"] as? Int) ?? 1))
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaptureError.write("cannot read \(path)")
        }
        return FuzzCase(messages: [FuzzCase.Message(bytes: Array(data))])
    }
}
