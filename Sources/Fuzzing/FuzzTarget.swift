/// What one execution concluded.
public enum Verdict: Sendable, Equatable {
    case pass
    /// An oracle was violated. `signature` groups findings of one cause (dedup key); `detail` says
    /// what was seen, for the report.
    case finding(oracle: String, signature: String, detail: String)

    public var isFinding: Bool { if case .finding = self { return true } else { return false } }
}

/// Something the engine executes inputs against: the codec in process today; a server or client
/// behind a socket or a pseudo-terminal later. A target may keep state between executions (a
/// connection, a session): `reset()` is called after a finding and before replaying one.
///
/// `execute` must record behaviour features into `features` (coverage for in-process code, or
/// whatever a stateful target can observe: reply kinds, error classes, states reached); the
/// engine keeps inputs that add features. `thorough` asks for the expensive oracles; the engine
/// sets it for inputs with new behaviour and for a sample of the others.
public protocol FuzzTarget {
    var name: String { get }
    mutating func execute(_ input: [UInt8], thorough: Bool, features: inout FeatureSet) -> Verdict
    mutating func reset()
}

extension FuzzTarget {
    public mutating func reset() {}
}

/// The targets `msgfuzz --target` knows.
public enum TargetKind: String, Sendable, CaseIterable {
    case codec
    /// A test target that traps on the bytes `c1 c1`; hidden from help, used to prove the crash
    /// store writes before the process dies.
    case plantedCrash = "planted-crash"

    /// Targets planned but not built yet, for a clear error.
    public static let planned = ["server", "client"]

    public func make() -> any FuzzTarget {
        switch self {
        case .codec: return CodecTarget()
        case .plantedCrash: return PlantedCrashTarget()
        }
    }
}
