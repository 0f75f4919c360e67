import MessagePack

/// Every anomaly kind msgscope reports, each registered once. Add a kind here (and report it with
/// `Anomaly(.name, …)`); the docs table and `--fail-on` follow.
extension AnomalyKind {
    // MARK: wire
    package static let gap = AnomalyKind("gap", .wire, .warning, "bytes of a direction were not captured; messages around them are lost")
    package static let desync = AnomalyKind("desync", .wire, .error, "bytes that do not decode were skipped to find the next message start")
    package static let midStream = AnomalyKind("mid-stream", .wire, .note, "the capture starts inside a connection; bytes before the first message start were skipped")
    package static let truncatedMessage = AnomalyKind("truncated-message", .wire, .warning, "the capture ends inside a message")
    package static let tooDeep = AnomalyKind("too-deep", .wire, .error, "a message nested deeper than the decoder's depth limit; shown to that depth")

    // MARK: protocol
    package static let malformedRequest = AnomalyKind("malformed-request", .protocol, .error, "a request the server cannot take (not an array, wrong arity, wrong types); the published server dies on it")
    package static let unknownCommand = AnomalyKind("unknown-command", .protocol, .warning, "a command outside the urpc set; the server looks it up among its module-level names")
    package static let badExtCode = AnomalyKind("bad-ext-code", .protocol, .error, "an ext code other than 1 (proxy) in a request; the server rejects it")
    package static let badProxy = AnomalyKind("bad-proxy", .protocol, .error, "a proxy ext whose id is not 4 bytes")
    package static let badReadIntoCount = AnomalyKind("bad-ri-count", .protocol, .error, "an ri reply whose count cannot be a byte count")
    package static let badReadIntoEnd = AnomalyKind("bad-ri-end", .protocol, .warning, "an ri reply that does not end with nil")
    package static let unexpectedConsole = AnomalyKind("unexpected-console", .protocol, .note, "console output during a command that runs no code")

    // MARK: pairing
    package static let pipelined = AnomalyKind("pipelined", .pairing, .note, "a request sent while earlier ones were unanswered (urpc is lock-step)")
    package static let unsolicitedReply = AnomalyKind("unsolicited-reply", .pairing, .warning, "a server message with no request outstanding (the server never sends unsolicited)")
    package static let replyLost = AnomalyKind("reply-lost", .pairing, .warning, "the reply to a request may be in bytes that were not captured")
    package static let noReply = AnomalyKind("no-reply", .pairing, .note, "a request with no reply by the end of the capture")

    // MARK: error path
    package static let legacyErrorPath = AnomalyKind("legacy-error-path", .errorPath, .error, "the published server wrote a Python traceback as raw text onto the RPC stream; its RPC task dies")
    package static let serverDead = AnomalyKind("server-dead", .errorPath, .error, "a request sent after the server's RPC task died on its error path; never answered")
    package static let shortRead = AnomalyKind("short-read", .errorPath, .error, "the server gave up on a request still arriving (read timeout): the request ends where it stopped reading")

    // MARK: lifecycle
    package static let leaked = AnomalyKind("leaked", .lifecycle, .warning, "born and never released by an answered _d by the end of the capture")
    package static let doubleRelease = AnomalyKind("double-release", .lifecycle, .error, "a further _d for an id already released")
    package static let useAfterRelease = AnomalyKind("use-after-release", .lifecycle, .error, "a use in a request the server processes after the id's _d")
    package static let unknownID = AnomalyKind("unknown-id", .lifecycle, .note, "used or released but never seen born (before the capture began, or invalid)")
    package static let idRestart = AnomalyKind("id-restart", .lifecycle, .warning, "the server restarted (ids began again); also each later use of an id born only before it")
    package static let releaseDuringReply = AnomalyKind("release-during-reply", .lifecycle, .warning, "a _d sent while a reply was outstanding (the client's finaliser ran mid-reply)")
    package static let registryMismatch = AnomalyKind("registry-mismatch", .lifecycle, .error, "an re registry dump disagrees with the tracked live set")
    package static let usedBeforeIssued = AnomalyKind("used-before-issued", .lifecycle, .note, "a pipelined use or release of an id whose birth reply was still in flight")
}

/// The registry: every kind, in the order of the docs table.
package enum AnomalyRegistry {
    package static let protocolKinds: [AnomalyKind] = [
        .gap, .desync, .midStream, .truncatedMessage, .tooDeep,
        .malformedRequest, .unknownCommand, .badExtCode, .badProxy, .badReadIntoCount, .badReadIntoEnd, .unexpectedConsole,
        .pipelined, .unsolicitedReply, .replyLost, .noReply,
        .legacyErrorPath, .serverDead, .shortRead,
    ]

    package static let lifecycleKinds: [AnomalyKind] = [
        .leaked, .doubleRelease, .useAfterRelease, .unknownID, .idRestart, .releaseDuringReply, .registryMismatch, .usedBeforeIssued,
    ]

    /// The device lint's findings (defined once, in the codec), as anomaly kinds.
    package static let lintKinds: [AnomalyKind] = DeviceLint.rules.map {
        AnomalyKind($0.id, .lint, Anomaly.Severity(lint: $0.severity), $0.meaning)
    }

    package static let all: [AnomalyKind] = protocolKinds + lifecycleKinds + lintKinds

    private static let byName: [String: AnomalyKind] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

    /// The kind registered under `name`, or nil.
    package static func kind(named name: String) -> AnomalyKind? { byName[name] }

    /// A `--fail-on` list (`leaked,double-release`, `all`): the names that are not registered.
    package static func unknownNames(in names: some Sequence<String>) -> [String] {
        names.filter { $0 != "all" && $0 != "any" && byName[$0] == nil }
    }

    /// The docs table (`docs/anomalies.md`), generated: `msgdissect anomalies --markdown`.
    package static func markdownTable() -> String {
        var s = "| name | group | severity | meaning |\n|---|---|---|---|\n"
        for k in all { s += "| `\(k.name)` | \(k.group.rawValue) | \(k.severity.rawValue) | \(k.meaning) |\n" }
        return s
    }
}
