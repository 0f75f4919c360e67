import MessagePack

/// Human-readable summaries of messages, as `msgdissect` prints them (one line per message).
package enum MessageText {
    /// The manifest-style name of what a message is (`request`, `reply`, `ri_count`, `ri_raw`,
    /// `ri_end`, `console`, `error_reply`, `raw_traceback`, `malformed`, `skipped`).
    package static func partName(_ m: Message) -> String { partNames[partIndex(m)] }

    package static let partNames = ["request", "malformed", "reply", "ri_count", "ri_raw", "ri_end", "console",
                                    "error_reply", "raw_traceback", "skipped"]

    /// The index of the message's part name in `partNames` (counters keep no strings).
    package static func partIndex(_ m: Message) -> Int {
        m.part == .request ? (isMalformed(m) ? 1 : 0) : partIndex(m.part, m.direction)
    }

    /// `partIndex` of a message that is not a request (its part and direction say it).
    @inline(__always)
    package static func partIndex(_ part: Message.Part, _ direction: Direction) -> Int {
        switch part {
        case .request: return 0
        case .value: return 2
        case .riCount: return 3
        case .riData: return 4
        case .riEnd: return 5
        case .console: return 6
        case .exception: return 7
        case .legacyTraceback: return 8
        case .skipped: return direction == .clientToServer ? 1 : 9
        }
    }

    /// A request the device cannot take as it is: not a request shape, or bytes its codec refuses.
    package static func isMalformed(_ m: Message) -> Bool {
        if m.isMalformedRequest { return true }
        return m.anomalies.contains { $0.severity == .error && deviceRefusal.contains($0.kind) }
    }

    static let deviceRefusal: Set<String> = [
        "uint64-refused", "int64-refused", "float64-refused", "invalid-byte", "bad-ext-code", "bad-proxy",
        "nesting-overflow", "unhashable-map-key",
    ]

    /// `cm P2.add(5, 7)`, `↳ "V1" (0.3 ms)`, `⋯ console "hello"` …
    package static func summary(_ m: Message, formatter f: ValueFormatter = Proxy.formatter) -> String {
        var w = ByteWriter()
        writeSummary(m, formatter: f, into: &w)
        return w.string
    }

    /// Writes the summary (the printers' path): values are written from the message's wire
    /// bytes, and decoded only when there are none (raw parts) or they are not the value shown (a
    /// request too deep to decode, shown to a depth).
    package static func writeSummary(_ m: Message, formatter f: ValueFormatter = Proxy.formatter, into w: inout ByteWriter) {
        switch m.part {
        case .request:
            writeRequest(m, f, &w)
        case .value:
            if m.replyTo == nil { w.literal("unsolicited ") } else { w.literal("↳ ") }
            writeValue(m, f, &w)
        case .riCount:
            w.literal("↳ ri count ")
            writeValue(m, f, &w)
        case .riEnd:
            w.literal("↳ ri end ")
            writeValue(m, f, &w)
        default:
            writeOther(m, f, &w)
        }
        writeLatency(m, &w)
    }

    /// True when `m.bytes` are the one MessagePack object whose value the message shows.
    package static func hasWireValue(_ m: Message) -> Bool {
        switch m.part {
        case .riData, .legacyTraceback, .skipped: return false
        default: return !m.bytes.isEmpty && m.shallowValue == nil
        }
    }

    /// Writes the message's value, from its wire bytes when it has them; `?` when it has none.
    private static func writeValue(_ m: Message, _ f: ValueFormatter, _ w: inout ByteWriter) {
        if hasWireValue(m), f.write(wire: m.bytes, into: &w) { return }
        writeValue(m.value, f, &w)
    }

    /// The parts whose summary shows no value.
    private static func writeOther(_ m: Message, _ f: ValueFormatter, _ w: inout ByteWriter) {
        switch m.part {
        case .riData:
            w.literal("  ri data "); w.decimal(m.raw?.count ?? 0); w.literal(" bytes ")
            writePrintable(m.raw ?? [], max: 40, into: &w)
        case .console:
            w.literal("⋯ console ")
            writePrintable(m.consoleBytes ?? [], max: 60, into: &w)
        case .exception:
            if let e = m.exception { w.literal("↳ error "); w.text(e.name); w.text(e.args) } else { w.literal("↳ error ?") }
        case .legacyTraceback:
            w.literal("↳ raw traceback ("); w.decimal(m.raw?.count ?? 0); w.literal(" bytes, not msgpack")
            if let t = m.trigger, t != .request { w.literal(", "); w.text(t.rawValue) }
            w.literal("): ")
            if let line = m.exceptionLine { w.text(line) }
        case .skipped:
            if let raw = m.raw, !raw.isEmpty {
                w.literal("skipped "); w.decimal(raw.count); w.literal(" bytes ")
                writePrintable(raw, max: 24, into: &w)
            } else {
                w.literal("(end of capture) ")
                if let d = m.anomalies.first?.detail { w.text(d) }
            }
        case .request, .value, .riCount, .riEnd:
            break
        }
    }

    private static func writeLatency(_ m: Message, _ w: inout ByteWriter) {
        if let l = m.latency, m.part == .value || m.part == .riEnd || m.part == .exception {
            w.literal(" (")
            writeMilliseconds(l, into: &w)
            w.byte(0x29)
        }
    }

    private static func writeRequest(_ m: Message, _ f: ValueFormatter, _ w: inout ByteWriter) {
        // A well-formed request of a known command is written from its bytes: the dissector
        // framed it without decoding it, and printing needs no parsed `Request`.
        if let c = m.requestKnown, !m.isMalformedRequest, hasWireValue(m),
           Request.writeSummary(wire: m.bytes, command: c, f, into: &w) { return }
        if let r = m.request { r.writeSummary(f, into: &w) } else { w.byte(0x3f) }
    }

    private static func writeValue(_ v: MessagePackValue?, _ f: ValueFormatter, _ w: inout ByteWriter) {
        if let v { f.write(v, into: &w) } else { w.byte(0x3f) }
    }

    /// `0.07 ms`, `12.3 ms`, `1.25 s`.
    package static func milliseconds(_ seconds: Double) -> String {
        var w = ByteWriter(capacity: 32)
        writeMilliseconds(seconds, into: &w)
        return w.string
    }

    package static func writeMilliseconds(_ seconds: Double, into w: inout ByteWriter) {
        let ms = seconds * 1000
        if ms < 10 { w.fixed(ms, 2); w.literal(" ms") }
        else if ms < 1000 { w.fixed(ms, 1); w.literal(" ms") }
        else { w.fixed(ms / 1000, 2); w.literal(" s") }
    }

    /// Fixed-point decimal without Foundation (`ByteWriter.fixed`).
    package static func formatFixed(_ v: Double, _ digits: Int) -> String {
        var w = ByteWriter(capacity: 32)
        w.fixed(v, digits)
        return w.string
    }

    /// Bytes as a quoted string when mostly text, else hex.
    package static func printable(_ b: ArraySlice<UInt8>, max: Int) -> String {
        var w = ByteWriter()
        writePrintable(b, max: max, into: &w)
        return w.string
    }

    /// Writes bytes as a JSON-quoted string when they are all printable ASCII, tab, CR or LF,
    /// else as hex; cut after `max` bytes with `…`.
    package static func writePrintable(_ b: ArraySlice<UInt8>, max: Int, into w: inout ByteWriter) {
        let text = b.withUnsafeBufferPointer { p in
            p.allSatisfy { $0 == 0x0a || $0 == 0x0d || $0 == 0x09 || ($0 >= 0x20 && $0 <= 0x7e) }
        }
        // Printable ASCII decodes to itself, so the bytes are quoted as they are.
        if text { JSONMapping.quote(utf8: b.prefix(max), into: &w) } else { w.hex(b.prefix(max)) }
        if b.count > max { w.literal("…") }
    }
}
