/// The oracles of the session targets (server and client). The codec's oracles name themselves
/// (`node-vs-value`, `roundtrip-device`, …); every target's verdict carries its oracle's name.
package enum OracleKind: String, Sendable, CaseIterable, Codable {
    /// The spawned program exited.
    case exit
    /// The spawned program was killed by a signal.
    case signal
    /// Nothing at all came back within the timeout.
    case hang
    /// Replies came, but the `["ver"]` probe after the case was never answered.
    case liveness
    /// The server closed the connection (a server we did not spawn).
    case disconnect
    /// Bytes on the reply stream that are not MessagePack (or a traceback read as fixints).
    case nonMsgpack = "non-msgpack"
    /// More or fewer replies than requests, or the probe's reply out of place.
    case pairing
    /// The registry (`re`) keeps growing though every proxy was released.
    case leak
    /// The spawned program's resident memory grew past the limit.
    case memory
    /// The server talked without end.
    case flood
    /// The real target and the in-process device twin disagree about a case (the twin is wrong,
    /// or the device has a bug the twin lacks).
    case divergence
}

/// What an oracle concluded about one input, for every target: `pass`, or a finding with the
/// oracle that fired, what was seen (`detail`), how a spawned program ended (`end`) and the
/// deduplication `signature` (the codec's oracles sign at once; a session target signs after
/// minimisation, from the culprit request).
package struct Verdict: Sendable, Equatable {
    /// The oracle's name; empty for a pass.
    package var oracle: String
    package var signature: String
    package var detail: String
    package var end: ProcessEnd?
    /// The normalised exception line of the traceback a session target wrote as it died (its
    /// error path), when it wrote one: the failure's class.
    package var exception: String?

    package init(oracle: String, signature: String, detail: String, end: ProcessEnd? = nil) {
        self.oracle = oracle; self.signature = signature; self.detail = detail; self.end = end
    }

    /// A session target's verdict (signed later, see `signature(for:)`).
    package init(oracle: OracleKind, end: ProcessEnd? = nil, detail: String) {
        self.init(oracle: oracle.rawValue, signature: "", detail: detail, end: end)
    }

    package static var pass: Verdict { Verdict(oracle: "", signature: "", detail: "") }

    package static func finding(oracle: String, signature: String, detail: String) -> Verdict {
        Verdict(oracle: oracle, signature: signature, detail: detail)
    }

    package var isFinding: Bool { !oracle.isEmpty }

    /// True when a session oracle of this kind fired.
    package func fired(_ k: OracleKind) -> Bool { oracle == k.rawValue }

    /// The exit status or signal part of a signature (`exit:71`, `signal:11`, `-`).
    package var status: String { end?.key ?? "-" }

    /// The part of the signature minimisation must keep: the exception the target died of, or
    /// the oracle and the exit status or signal (liveness and hang count as one: both are a
    /// target that stopped answering).
    package var kind: String {
        if let e = exception { return "dead|" + e }
        return (fired(.hang) || fired(.liveness) ? "unresponsive" : oracle) + "|" + status
    }

    /// Is the target dead or silent (rather than answering wrongly)?
    var isDeath: Bool { exception != nil || FailureClass.deaths.contains(oracle) }

    /// A session target's deduplication signature, from the target's own evidence: the
    /// exception line it wrote (`dead|ValueError: short read`); for another death the kind and
    /// the hostile feature of the culprit (`signal|signal:11|str32-length`); for a wrong answer
    /// the oracle and the shape of the culprit request (the command and arity).
    package func signature(for c: FuzzCase) -> String {
        if let e = exception { return "dead|" + e }
        if isDeath, let f = FailureClass.culprit(c)?.feature { return kind + "|" + f }
        return "\(oracle)|\(status)|\(RequestShape.coarse(c.signatureRequest ?? []))"
    }
}
