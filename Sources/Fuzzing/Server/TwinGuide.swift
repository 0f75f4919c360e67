/// What the in-process device twin does with a case run on a fresh session of it.
package enum TwinOutcome: Sendable, Equatable {
    /// It served every request.
    case answers
    /// It died on message `message` of the case; `classKey` names the failure in the fuzzer's
    /// vocabulary (`dead|<exception>` or a device-lint feature such as `str32-length`).
    case dies(classKey: String, message: Int)

    var description: String {
        switch self {
        case .answers: return "the twin answers"
        case let .dies(k, m): return "the twin dies of \(k) at message \(m + 1)"
        }
    }
}

/// Runs a case on the twin. Built by the executable's wiring (Fuzzing does not import the twin,
/// which lives above it).
package protocol TwinPredictor: AnyObject {
    func predict(_ c: FuzzCase) -> TwinOutcome
}

/// Twin-guided selection for expensive targets (a serial device, a reset command, a life that
/// costs seconds): a case the twin predicts to die of a class already found is not sent, or is
/// sent without its fatal request so the rest of its session still explores. Where the real
/// target and the twin disagree, the fuzzer reports a `divergence`.
final class TwinGuide {
    let predictor: TwinPredictor
    /// Classes found so far (a finding's class key, see `classKey(of:for:)`).
    private(set) var known: Set<String> = []
    /// Lives the prediction saved: cases not sent, or sent without their fatal request.
    private(set) var livesSaved = 0
    private(set) var skipped = 0
    private(set) var dropped = 0

    init(predictor: TwinPredictor) { self.predictor = predictor }

    /// The class key of a failure: its exception, else the hostile feature of its culprit, else
    /// its kind (oracle and status).
    static func classKey(of v: Verdict, for c: FuzzCase) -> String {
        if let e = v.exception { return "dead|" + e }
        return FailureClass.culprit(c)?.feature ?? v.kind
    }

    func learn(_ v: Verdict, _ c: FuzzCase) { known.insert(Self.classKey(of: v, for: c)) }

    /// A class the twin predicts that the real target turned out not to have: not tried again.
    func learn(classKey k: String) { known.insert(k) }

    /// The case to send (nil: skip it) and what the twin expects of it.
    func select(_ c: FuzzCase) -> (FuzzCase, TwinOutcome)? {
        var c = c
        var drops = 0
        for _ in 0..<3 {
            let p = predictor.predict(c.rebasedToFreshSession())
            guard case let .dies(key, at) = p, known.contains(key) else {
                dropped += drops
                livesSaved += drops
                return (c, p)
            }
            // A known class: drop its fatal request and keep the rest, or skip the case.
            guard at < c.messages.count, c.messages.count > 1 else { break }
            c.messages.remove(at: at)
            drops += 1
        }
        skipped += 1
        livesSaved += 1
        return nil
    }

    /// A divergence when the real outcome contradicts the twin's, with its signature (one per
    /// direction: `divergence|real-answered`, `divergence|twin-answered`,
    /// `divergence|other-death`; the detail carries both outcomes): nil when they agree.
    static func divergence(real: Verdict?, twin: TwinOutcome, realClass: String?) -> (Verdict, String)? {
        switch (real, twin) {
        case (nil, .dies):
            return (Verdict(oracle: .divergence, detail: "the real target answered where \(twin.description)"),
                    "divergence|real-answered")
        case (let r?, .answers) where r.isDeath:
            let what = realClass ?? r.kind
            return (Verdict(oracle: .divergence, detail: "the real target died of \(what) (\(r.oracle) \(r.status)) where the twin answers"),
                    "divergence|twin-answered")
        case (let r?, .dies(let k, _)) where r.isDeath && realClass != nil && realClass != k:
            return (Verdict(oracle: .divergence, detail: "the real target died of \(realClass!) where \(twin.description)"),
                    "divergence|other-death")
        default:
            return nil
        }
    }
}
