import MessagePack

/// The class of a client failure from the replies that caused it (issue 13): the hostile feature
/// the device lint finds in the mutated replies (`str32-length`, `array32-count`, `nesting`, …),
/// never the shape of whatever reply happened to come last.
enum ReplyCulprit {
    /// The feature of the first mutated reply (in the order the client read them) with a
    /// crash-class finding, else the first with another refused feature; else the shape of the
    /// last mutated reply (`honest` when none was mutated).
    static func feature(_ mutated: [Int: [UInt8]]) -> String {
        let ordered = mutated.keys.sorted().map { mutated[$0]! }
        let lints = ordered.map { DeviceLint.lint($0) }
        for l in lints {
            if let f = l.first(where: { $0.severity == .crash }) { return FailureClass.feature(f.id) }
        }
        for l in lints {
            if let f = l.first(where: { $0.severity == .refused && $0.id != "truncated" }) { return FailureClass.feature(f.id) }
        }
        return ordered.last.map { RequestShape.describe($0) } ?? "honest"
    }

    /// A client finding's signature: the oracle, the end (signal or exit status) and the feature.
    static func signature(_ v: Verdict, _ mutated: [Int: [UInt8]]) -> String {
        "\(v.oracle)|\(v.status)|\(feature(mutated))"
    }
}
