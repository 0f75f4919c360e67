import Capture
import MessagePack

/// One NDJSON object per message (`msgdissect --json`). Fields (README): frame, first_frame, n,
/// time, stream, dir, kind, part, cmd, value, summary, stream_offset, length, hex (raw parts),
/// reply_to (frame of the request), reply_to_n, latency_ms, anomalies; for server errors exception
/// (the exception line), error (an ExtType(2) reply's fields), trigger and text (a raw traceback).
package enum MessageJSON {
    package static func write(_ m: Message, relativeTo t0: Timestamp, into s: inout String) {
        var w = ByteWriter(capacity: 512)
        write(m, relativeTo: t0, into: &w)
        s += w.string
    }

    /// Writes the object and its newline (the one JSON formatter of messages).
    package static func write(_ m: Message, relativeTo t0: Timestamp, into w: inout ByteWriter) {
        w.literal("{\"frame\":"); w.decimal(m.frame)
        w.literal(",\"first_frame\":"); w.decimal(m.firstFrame)
        w.literal(",\"n\":"); w.decimal(m.index)
        w.literal(",\"time\":"); w.fixed(m.time.since(t0), 6)
        w.literal(",\"stream\":"); w.decimal(m.stream)
        w.literal(",\"dir\":\""); w.text(m.direction.rawValue)
        w.literal("\",\"kind\":\""); w.text(m.kind.rawValue)
        w.literal("\",\"part\":\""); w.text(MessageText.partName(m)); w.byte(0x22)
        if let c = m.command { w.literal(",\"cmd\":"); JSONMapping.quote(c, into: &w) }
        writeValue(m, &w)
        if let line = m.exceptionLine {
            w.literal(",\"exception\":")
            JSONMapping.quote(line, into: &w)
        }
        if let t = m.trigger { w.literal(",\"trigger\":\""); w.text(t.rawValue); w.byte(0x22) }
        if let e = m.exception {
            w.literal(",\"error\":{\"name\":")
            JSONMapping.quote(e.name, into: &w)
            w.literal(",\"args\":")
            JSONMapping.quote(e.args, into: &w)
            w.literal(",\"traceback\":")
            JSONMapping.quote(e.traceback, into: &w)
            w.byte(0x7d)
        }
        if let raw = m.raw, m.part == .legacyTraceback {
            w.literal(",\"text\":")
            JSONMapping.quote(String(decoding: raw, as: UTF8.self), into: &w)
        }
        w.literal(",\"hex\":\""); w.hex(m.bytes)
        // The summary is written in place, then quoted where it stands.
        w.literal("\",\"summary\":_")
        let start = w.count
        MessageText.writeSummary(m, into: &w)
        JSONMapping.quoteInPlace(from: start, in: &w)
        w.literal(",\"stream_offset\":["); w.decimal(m.streamRange.lowerBound)
        w.byte(0x2c); w.decimal(m.streamRange.upperBound)
        w.literal("],\"length\":"); w.decimal(m.streamRange.count)
        if let r = m.replyToFrame { w.literal(",\"reply_to\":"); w.decimal(r) }
        if let r = m.replyTo { w.literal(",\"reply_to_n\":"); w.decimal(r) }
        if let l = m.latency { w.literal(",\"latency_ms\":"); w.fixed(l * 1000, 3) }
        w.literal(",\"anomalies\":[")
        for (i, a) in m.anomalies.enumerated() {
            if i > 0 { w.byte(0x2c) }
            JSONMapping.quote(a.kind, into: &w)
        }
        w.byte(0x5d)
        if !m.anomalies.isEmpty {
            w.literal(",\"anomaly_details\":[")
            for (i, a) in m.anomalies.enumerated() {
                if i > 0 { w.byte(0x2c) }
                w.literal("{\"kind\":")
                JSONMapping.quote(a.kind, into: &w)
                w.literal(",\"severity\":\""); w.text(a.severity.rawValue)
                w.literal("\",\"detail\":")
                JSONMapping.quote(a.detail, into: &w)
                w.byte(0x7d)
            }
            w.byte(0x5d)
        }
        w.literal("}\n")
    }

    /// `,"value":…` from the message's wire bytes, else from its decoded value; nothing when it
    /// has no value.
    private static func writeValue(_ m: Message, _ w: inout ByteWriter) {
        if MessageText.hasWireValue(m) {
            let start = w.count
            w.literal(",\"value\":")
            if Proxy.json.write(wire: m.bytes, into: &w) { return }
            w.truncate(to: start)
        }
        if let value = m.value {
            w.literal(",\"value\":")
            Proxy.json.write(value, into: &w)
        }
    }
}
