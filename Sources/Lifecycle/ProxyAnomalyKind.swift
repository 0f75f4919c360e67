import URPC

/// The stable names of proxy-lifecycle anomalies (`Anomaly.kind`), as `--fail-on` takes them.
public enum ProxyAnomalyKind: String, Sendable, CaseIterable {
    /// Live at the end of the capture: born and never released by an answered `_d`.
    case leaked
    /// A further `_d` for an id already released.
    case doubleRelease = "double-release"
    /// A use in a request the server processes after the id's `_d`.
    case useAfterRelease = "use-after-release"
    /// Used or released but never seen born (before the capture began, or invalid).
    case unknownID = "unknown-id"
    /// The server restarted (ids began again); also each later use of an id born only before it.
    case idRestart = "id-restart"
    /// A `_d` sent while a reply was outstanding (the client's finaliser ran mid-reply).
    case releaseDuringReply = "release-during-reply"
    /// An `re` registry dump disagrees with the tracked live set.
    case registryMismatch = "registry-mismatch"
    /// A use whose frame precedes the frame of the reply that issues the id.
    case usedBeforeIssued = "used-before-issued"

    public var severity: Anomaly.Severity {
        switch self {
        case .leaked, .idRestart, .releaseDuringReply: .warning
        case .doubleRelease, .useAfterRelease, .registryMismatch: .error
        case .unknownID, .usedBeforeIssued: .note
        }
    }
}
