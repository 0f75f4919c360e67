import Capture
import Foundation

extension Sidecar {
    /// The replayable description of a session case (read back by `ReplayFile`).
    init(_ c: FuzzCase, target: String, verdict: Verdict?, signature: String?) {
        self.init(target: target, verdict: verdict, signature: signature)
        messages = c.messages.map {
            Message(hex: HexText.string($0.bytes), splits: $0.splits.isEmpty ? nil : $0.splits, garbage: $0.isGarbage ? true : nil)
        }
        gapMicros = c.gapMicros
        restartFirst = c.restartFirst
        idBase = Int(c.idBase)
        size = c.byteCount
    }

    /// The case a description replays (nil when it has no messages).
    var fuzzCase: FuzzCase? {
        guard let ms = messages else { return nil }
        let messages = ms.compactMap { m -> FuzzCase.Message? in
            guard let b = HexText.bytes(m.hex) else { return nil }
            return FuzzCase.Message(bytes: b, splits: m.splits ?? [], isGarbage: m.garbage ?? false)
        }
        return FuzzCase(messages: messages, gapMicros: gapMicros ?? 0, restartFirst: restartFirst ?? false,
                        idBase: UInt32(clamping: idBase ?? 1))
    }
}

extension FindingBook {
    /// Writes the exchange of a run as a capture: TCP (pcap) for socket targets, the serial
    /// capture format (pcapng) for ttys.
    /// Returns `path`.
    package static func writeCapture(_ t: Transcript, path: String, serverPort: UInt16, serialLine: String?) throws -> String {
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
package enum ReplayFile {
    package static func load(_ path: String) throws -> FuzzCase {
        let json = path.hasSuffix(".json") ? path : path + ".json"
        if let c = Sidecar.load(json)?.fuzzCase { return c }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CaptureError.write("cannot read \(path)")
        }
        return FuzzCase(messages: [FuzzCase.Message(bytes: Array(data))])
    }
}
