import MessagePack

/// The device lint's finding ids as anomaly kinds.
enum LintKinds {
    static let all: [AnomalyKind] = [
        ("uint-read-as-signed", LintFinding.Severity.differs, "an unsigned int the device reads as signed"),
        ("int32-wraps", .differs, "an int32 beyond ±2^30 that the 32-bit device wraps silently"),
        ("uint64-refused", .refused, "uint64: NotImplementedError on the device; the stream is out of sync"),
        ("int64-refused", .refused, "int64: NotImplementedError on the device; the stream is out of sync"),
        ("float64-refused", .refused, "float64: NotImplementedError on the device; the stream is out of sync"),
        ("ext-code-negative", .differs, "an ext type byte the device reads as a negative code"),
        ("duplicate-map-key", .differs, "a map key repeated; the device keeps the last"),
        ("unhashable-map-key", .refused, "a map key the device cannot hash (error)"),
        ("invalid-byte", .refused, "the byte c1, never valid MessagePack"),
        ("truncated", .refused, "an object cut short: EOFError or short read on the device"),
        ("bin-length-overflow", .crash, "bin32 length whose allocation size wraps on the device (heap overflow)"),
        ("str-length-overflow", .crash, "str32 length whose allocation size wraps on the device (heap overflow)"),
        ("ext-length-overflow", .crash, "ext32 length whose allocation size wraps on the device (heap overflow)"),
        ("array32-count-overflow", .crash, "array32 count whose allocation size wraps on the device (heap corruption)"),
        ("map32-count-overflow", .crash, "map32 count whose allocation size wraps on the device (crash)"),
        ("nesting-overflow", .crash, "containers nested past the device's C stack (crash)"),
    ].map { AnomalyKind($0.0, .lint, Anomaly.Severity(lint: $0.1), $0.2) }
}
