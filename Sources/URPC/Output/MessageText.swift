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
        switch m.part {
        case .request: return isMalformed(m) ? 1 : 0
        case .value: return 2
        case .riCount: return 3
        case .riData: return 4
        case .riEnd: return 5
        case .console: return 6
        case .exception: return 7
        case .legacyTraceback: return 8
        case .skipped: return m.direction == .clientToServer ? 1 : 9
        }
    }

    /// A request the device cannot take as it is: not a request shape, or bytes its codec refuses.
    package static func isMalformed(_ m: Message) -> Bool {
        if case .malformed? = m.request { return true }
        return m.anomalies.contains { $0.severity == .error && deviceRefusal.contains($0.kind) }
    }

    static let deviceRefusal: Set<String> = [
        "uint64-refused", "int64-refused", "float64-refused", "invalid-byte", "bad-ext-code", "bad-proxy",
        "nesting-overflow", "unhashable-map-key",
    ]

    /// `cm P2.add(5, 7)`, `↳ "V1" (0.3 ms)`, `⋯ console "hello"` …
    package static func summary(_ m: Message, formatter f: ValueFormatter = Proxy.formatter) -> String {
        var s = ""
        writeSummary(m, formatter: f, into: &s)
        return s
    }

    /// Appends the summary to `s` (the printers' path).
    package static func writeSummary(_ m: Message, formatter f: ValueFormatter = Proxy.formatter, into s: inout String) {
        switch m.part {
        case .request:
            if let r = m.request { r.writeSummary(f, into: &s) } else { s += "?" }
        case .value:
            s += m.replyTo == nil ? "unsolicited " : "↳ "
            if let v = m.value { f.write(v, into: &s) } else { s += "?" }
        case .riCount:
            s += "↳ ri count "
            if let v = m.value { f.write(v, into: &s) } else { s += "?" }
        case .riData:
            s += "  ri data " + String(m.raw?.count ?? 0) + " bytes " + printable(m.raw ?? [], max: 40)
        case .riEnd:
            s += "↳ ri end "
            if let v = m.value { f.write(v, into: &s) } else { s += "?" }
        case .console:
            s += "⋯ console " + printable(m.consoleBytes ?? [], max: 60)
        case .exception:
            if let e = m.exception { s += "↳ error " + e.name + e.args } else { s += "↳ error ?" }
        case .legacyTraceback:
            s += "↳ raw traceback (" + String(m.raw?.count ?? 0) + " bytes, not msgpack"
            if let t = m.trigger, t != .request { s += ", " + t.rawValue }
            s += "): " + (m.exceptionLine ?? "")
        case .skipped:
            if m.raw?.isEmpty ?? true {
                s += "(end of capture) " + (m.anomalies.first?.detail ?? "")
            } else {
                s += "skipped " + String(m.raw!.count) + " bytes " + printable(m.raw!, max: 24)
            }
        }
        if let l = m.latency, m.part == .value || m.part == .riEnd || m.part == .exception {
            s += " ("
            s += milliseconds(l)
            s += ")"
        }
    }

    package static func milliseconds(_ seconds: Double) -> String {
        let ms = seconds * 1000
        if ms < 10 { return formatFixed(ms, 2) + " ms" }
        if ms < 1000 { return formatFixed(ms, 1) + " ms" }
        return formatFixed(ms / 1000, 2) + " s"
    }

    /// Fixed-point decimal without Foundation.
    package static func formatFixed(_ v: Double, _ digits: Int) -> String {
        var s = ""
        appendFixed(v, digits, into: &s)
        return s
    }

    /// Appends a fixed-point decimal (no Foundation, no heap allocation for the digits).
    package static func appendFixed(_ v: Double, _ digits: Int, into s: inout String) {
        let done: Void? = withFixed(v, digits) { s += String(decoding: $0, as: UTF8.self) }
        if done == nil { s += String(v) }
    }

    /// Calls `body` with the ASCII digits of `v` to `digits` decimals (the one formatter of the
    /// text and byte outputs); nil, without calling it, when `v` is not finite or too large.
    package static func withFixed<R>(_ v: Double, _ digits: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard v.isFinite, abs(v) < 9e15, digits <= 9 else { return nil }
        var scale: Int64 = 1
        for _ in 0..<digits { scale *= 10 }
        var n = Int64((abs(v) * Double(scale)).rounded())
        let negative = v < 0 && n > 0
        var tmp: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        return withUnsafeMutableBytes(of: &tmp) { buf in
            var i = 32
            var written = 0
            repeat {
                i -= 1
                buf[i] = UInt8(0x30 + n % 10)
                n /= 10
                written += 1
                if written == digits { i -= 1; buf[i] = 0x2e }
            } while n > 0 || written <= digits
            if negative { i -= 1; buf[i] = 0x2d }
            return body(UnsafeRawBufferPointer(rebasing: buf[i..<32]))
        }
    }

    /// Bytes as a quoted string when mostly text, else hex.
    package static func printable<C: Collection>(_ b: C, max: Int) -> String where C.Element == UInt8 {
        let text = b.allSatisfy { $0 == 0x0a || $0 == 0x0d || $0 == 0x09 || (0x20...0x7e).contains($0) }
        if text {
            var s = ""
            JSONMapping.quote(String(decoding: b.prefix(max), as: UTF8.self), into: &s)
            return b.count > max ? s + "…" : s
        }
        return Hex.string(b.prefix(max)) + (b.count > max ? "…" : "")
    }
}
