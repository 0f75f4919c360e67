import MessagePack

/// Something that went wrong, or is worth a look, on the wire or in a proxy's life: one type shared
/// by the dissector, the proxy tracker and the fuzz oracles (Wireshark's "expert info").
package struct Anomaly: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Wireshark's expert-info levels.
    package enum Severity: String, Sendable, Comparable, CaseIterable {
        case chat, note, warning, error
        var rank: Int { switch self { case .chat: 0; case .note: 1; case .warning: 2; case .error: 3 } }
        package static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
    }

    /// Stable name (`desync`, `leaked`, `uint-read-as-signed`, …).
    package var kind: String
    package var severity: Severity
    /// Capture frame (1-based) where it shows, when known.
    package var frame: Int?
    package var stream: Int?
    /// The proxy concerned, when there is one.
    package var proxy: UInt32?
    /// A sentence a user understands.
    package var detail: String

    package init(kind: String, severity: Severity, frame: Int? = nil, stream: Int? = nil,
                proxy: UInt32? = nil, detail: String) {
        self.kind = kind
        self.severity = severity
        self.frame = frame
        self.stream = stream
        self.proxy = proxy
        self.detail = detail
    }

    package var description: String {
        var s = "\(severity) \(kind)"
        if let frame { s += " at frame \(frame)" }
        if let proxy { s += " (P\(proxy))" }
        return s + ": " + detail
    }

    /// An anomaly of a registered kind: its severity is the kind's, unless the evidence at hand
    /// says otherwise (an unknown id after a seen handshake is an invalid id: an error, not a note).
    package init(_ kind: AnomalyKind, severity: Severity? = nil, frame: Int? = nil, stream: Int? = nil,
                proxy: UInt32? = nil, detail: String) {
        self.init(kind: kind.name, severity: severity ?? kind.severity, frame: frame, stream: stream, proxy: proxy, detail: detail)
    }

    /// True when the anomaly is of `kind`.
    package func `is`(_ kind: AnomalyKind) -> Bool { self.kind == kind.name }

    /// A device-lint finding as an anomaly of the message it was found in.
    package init(lint f: LintFinding, frame: Int?, stream: Int?) {
        self.init(kind: f.id, severity: Severity(lint: f.severity), frame: frame, stream: stream, detail: f.message)
    }
}

extension Anomaly.Severity {
    /// The expert-info level of a device-lint severity.
    package init(lint s: LintFinding.Severity) {
        switch s {
        case .info: self = .note
        case .differs: self = .warning
        case .refused, .crash: self = .error
        }
    }
}
