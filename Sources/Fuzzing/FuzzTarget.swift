/// Something the engine executes inputs against in process (the codec). The server and client
/// targets run sessions instead (`ServerFuzzer`, `ClientFuzzer`) and share the verdicts,
/// findings, minimiser and summary with it. A target may keep state between executions (a
/// connection, a session): `reset()` is called after a finding and before replaying one.
///
/// `execute` must record behaviour features into `features` (coverage for in-process code, or
/// whatever a stateful target can observe: reply kinds, error classes, states reached); the
/// engine keeps inputs that add features. `thorough` asks for the expensive oracles; the engine
/// sets it for inputs with new behaviour and for a sample of the others.
package protocol FuzzTarget {
    var name: String { get }
    mutating func execute(_ input: [UInt8], thorough: Bool, features: inout FeatureSet) -> Verdict
    mutating func reset()
}

extension FuzzTarget {
    package mutating func reset() {}
}

/// The targets `msgfuzz --target` knows.
package enum TargetKind: String, Sendable, CaseIterable {
    case codec
    /// A test target that traps on the bytes `c1 c1`; hidden from help, used to prove the crash
    /// store writes before the process dies.
    case plantedCrash = "planted-crash"

    package func make() -> any FuzzTarget {
        switch self {
        case .codec: return CodecTarget()
        case .plantedCrash: return PlantedCrashTarget()
        }
    }
}
