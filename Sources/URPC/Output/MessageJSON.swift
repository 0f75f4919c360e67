import Capture
import MessagePack

/// One NDJSON object per message (`msgdissect --json`). Fields (README): frame, first_frame, n,
/// time, stream, dir, kind, part, cmd, value, summary, stream_offset, length, hex (raw parts),
/// reply_to (frame of the request), reply_to_n, latency_ms, anomalies; for server errors exception
/// (the exception line), error (an ExtType(2) reply's fields), trigger and text (a raw traceback).
package enum MessageJSON {
    package static func write(_ m: Message, relativeTo t0: Timestamp, into s: inout String) {
        s += "{\"frame\":\(m.frame),\"first_frame\":\(m.firstFrame),\"n\":\(m.index),\"time\":"
        MessageText.appendFixed(m.time.since(t0), 6, into: &s)
        s += ",\"stream\":\(m.stream),\"dir\":\"\(m.direction.rawValue)\",\"kind\":\"\(m.kind.rawValue)\""
        s += ",\"part\":\"" + MessageText.partName(m) + "\""
        if let c = m.command { s += ",\"cmd\":"; JSONMapping.quote(c, into: &s) }
        if let v = m.value {
            s += ",\"value\":"
            Proxy.json.write(v, into: &s)
        }
        if let line = m.exceptionLine {
            s += ",\"exception\":"
            JSONMapping.quote(line, into: &s)
        }
        if let t = m.trigger { s += ",\"trigger\":\"" + t.rawValue + "\"" }
        if let e = m.exception {
            s += ",\"error\":{\"name\":"
            JSONMapping.quote(e.name, into: &s)
            s += ",\"args\":"
            JSONMapping.quote(e.args, into: &s)
            s += ",\"traceback\":"
            JSONMapping.quote(e.traceback, into: &s)
            s += "}"
        }
        if let raw = m.raw {
            if m.part == .legacyTraceback {
                s += ",\"text\":"
                JSONMapping.quote(String(decoding: raw, as: UTF8.self), into: &s)
            }
        }
        s += ",\"hex\":\"" + Hex.string(m.bytes) + "\""
        s += ",\"summary\":"
        JSONMapping.quote(MessageText.summary(m), into: &s)
        s += ",\"stream_offset\":[\(m.streamRange.lowerBound),\(m.streamRange.upperBound)],\"length\":\(m.streamRange.count)"
        if let r = m.replyToFrame { s += ",\"reply_to\":\(r)" }
        if let r = m.replyTo { s += ",\"reply_to_n\":\(r)" }
        if let l = m.latency { s += ",\"latency_ms\":"; MessageText.appendFixed(l * 1000, 3, into: &s) }
        s += ",\"anomalies\":["
        for (i, a) in m.anomalies.enumerated() {
            if i > 0 { s += "," }
            JSONMapping.quote(a.kind, into: &s)
        }
        s += "]"
        if !m.anomalies.isEmpty {
            s += ",\"anomaly_details\":["
            for (i, a) in m.anomalies.enumerated() {
                if i > 0 { s += "," }
                s += "{\"kind\":"
                JSONMapping.quote(a.kind, into: &s)
                s += ",\"severity\":\"\(a.severity.rawValue)\",\"detail\":"
                JSONMapping.quote(a.detail, into: &s)
                s += "}"
            }
            s += "]"
        }
        s += "}\n"
    }
}
