/// One kind of device-lint finding, defined once: its stable id, its severity and what it means.
/// `DeviceLint.rules` lists them all (an anomaly registry lists the lint ids from it).
public struct LintRule: Sendable, Hashable, CustomStringConvertible {
    /// Stable identifier (`uint-read-as-signed`, `bin32-length-overflow`, …).
    public let id: String
    public let severity: LintFinding.Severity
    /// One line saying what the device does.
    public let meaning: String

    public var description: String { "\(id) (\(severity)): \(meaning)" }

    /// A finding of this rule at `offset`, with a message about the value found there.
    public func finding(at offset: Int, _ message: String) -> LintFinding {
        LintFinding(id: id, offset: offset, severity: severity, message: message)
    }
}

extension LintRule {
    public static let uintReadAsSigned = LintRule(id: "uint-read-as-signed", severity: .differs,
        meaning: "a uint8/16/32 with its top bit set is read by the device as a negative signed int")
    public static let uint64Refused = LintRule(id: "uint64-refused", severity: .refused,
        meaning: "uint64 is not implemented on the device (NotImplementedError); the stream is out of sync")
    public static let int64Refused = LintRule(id: "int64-refused", severity: .refused,
        meaning: "int64 is not implemented on the device (NotImplementedError); the stream is out of sync")
    public static let float64Refused = LintRule(id: "float64-refused", severity: .refused,
        meaning: "float64 is not implemented on the device (NotImplementedError); the stream is out of sync")
    public static let int32Wraps = LintRule(id: "int32-wraps", severity: .differs,
        meaning: "an int32 beyond ±2^30 is wrapped silently by the 32-bit device (31-bit small ints)")
    public static let extCodeNegative = LintRule(id: "ext-code-negative", severity: .differs,
        meaning: "an ext type byte 0x80…0xff is read as a negative code, outside 0…127: the server rejects it")
    public static let bin32LengthOverflow = LintRule(id: "bin32-length-overflow", severity: .crash,
        meaning: "a bin32 length ≥ 0xFFFFFFF0 wraps the device's allocation size: heap overflow (crash)")
    public static let str32LengthOverflow = LintRule(id: "str32-length-overflow", severity: .crash,
        meaning: "a str32 length ≥ 0xFFFFFFF0 wraps the device's allocation size: heap overflow (crash)")
    public static let ext32LengthOverflow = LintRule(id: "ext32-length-overflow", severity: .crash,
        meaning: "an ext32 length ≥ 0xFFFFFFF0 wraps the device's allocation size: heap overflow (crash)")
    public static let array32CountOverflow = LintRule(id: "array32-count-overflow", severity: .crash,
        meaning: "an array32 count ≥ 0x3FFFFFFE wraps the device's allocation size (heap corruption or crash)")
    public static let map32CountOverflow = LintRule(id: "map32-count-overflow", severity: .crash,
        meaning: "a map32 count ≥ 0x20000000 wraps the device's allocation size (crash)")
    public static let nestingOverflow = LintRule(id: "nesting-overflow", severity: .crash,
        meaning: "containers nested about 300 deep overflow the C stack of the device's recursive decoder (crash)")
    public static let truncated = LintRule(id: "truncated", severity: .refused,
        meaning: "an object cut short: the device raises EOFError or \"short read\" and the stream is out of sync")
    public static let invalidByte = LintRule(id: "invalid-byte", severity: .refused,
        meaning: "byte 0xc1 is never used in MessagePack: the device raises NotImplementedError")
    public static let unhashableMapKey = LintRule(id: "unhashable-map-key", severity: .refused,
        meaning: "an array or map used as a map key is unhashable on the device: TypeError, the stream is out of sync")
    public static let duplicateMapKey = LintRule(id: "duplicate-map-key", severity: .differs,
        meaning: "a map key repeats an earlier key of the same map: the device keeps the last value")
}

extension DeviceLint {
    /// Every finding the lint can report, each once.
    public static let rules: [LintRule] = [
        .uintReadAsSigned, .uint64Refused, .int64Refused, .float64Refused, .int32Wraps, .extCodeNegative,
        .bin32LengthOverflow, .str32LengthOverflow, .ext32LengthOverflow, .array32CountOverflow,
        .map32CountOverflow, .nestingOverflow, .truncated, .invalidByte, .unhashableMapKey, .duplicateMapKey,
    ]

    /// The rule with this id, if the lint has one.
    public static func rule(id: String) -> LintRule? { rules.first { $0.id == id } }
}

/// The findings whose message is built the same way on both lint paths (header walk and decoded
/// tree), so each sentence is written once.
extension LintRule {
    /// A uint read by the device as signed (`format` names the width).
    static func uintAsSigned(_ format: Format, _ value: UInt64, as signed: Int64, at o: Int) -> LintFinding {
        uintReadAsSigned.finding(at: o, "\(format) \(value) is read by the device as \(signed)")
    }

    /// A 64-bit format the device does not implement (uint64, int64, float64).
    static func refused64(_ format: Format, at o: Int) -> LintFinding? {
        let rule: LintRule
        switch format {
        case .uint64: rule = .uint64Refused
        case .int64: rule = .int64Refused
        case .float64: rule = .float64Refused
        default: return nil
        }
        return rule.finding(at: o, rule.meaning)
    }

    static func int32Wrap(_ v: Int32, at o: Int) -> LintFinding? {
        guard v >= (1 << 30) || v < -(1 << 30) else { return nil }
        return int32Wraps.finding(at: o, "int32 \(v) is beyond ±2^30: the 32-bit device wraps it silently to \((v << 1) >> 1)")
    }

    static func negativeExt(_ t: Int8, at o: Int) -> LintFinding {
        extCodeNegative.finding(at: o,
            "ext type byte 0x\(String(UInt8(bitPattern: t), radix: 16)) is read by the device as code \(t), outside 0…127: the server rejects it")
    }

    static func nesting(_ depth: Int, at o: Int) -> LintFinding {
        nestingOverflow.finding(at: o,
            "containers nested \(depth) deep: the device's recursive decoder has no depth limit and overflows its C stack at about \(DeviceLint.crashDepth) (crash)")
    }
}
