/// One kind of anomaly, registered once with its name, group, severity and meaning (Wireshark's
/// `ei_register_info`). The dissector, the proxy tracker, the device lint and the fuzz oracles
/// report through these; `--fail-on` validates against them and `docs/anomalies.md` is generated
/// from them.
package struct AnomalyKind: Sendable, Hashable, CustomStringConvertible {
    /// Where a kind comes from (Wireshark's expert-info groups).
    package enum Group: String, Sendable, CaseIterable {
        /// Bytes on the wire: lost, skipped, cut off.
        case wire
        /// A request or reply that breaks the protocol.
        case `protocol`
        /// Requests and replies that do not pair up.
        case pairing
        /// The published server's broken error path (spec §7).
        case errorPath = "error-path"
        /// Proxy lifecycles: births, uses, releases (spec §4).
        case lifecycle
        /// Bytes the device's own MessagePack codec reads differently or crashes on (spec §2).
        case lint
    }

    /// The stable name (`desync`, `leaked`, `uint-read-as-signed` …) in every output.
    package let name: String
    package let group: Group
    package let severity: Anomaly.Severity
    /// One line a user understands.
    package let meaning: String

    package init(_ name: String, _ group: Group, _ severity: Anomaly.Severity, _ meaning: String) {
        self.name = name
        self.group = group
        self.severity = severity
        self.meaning = meaning
    }

    package var description: String { name }
}
