import MessagePack

/// The codec in process: decoder (both dialects; value, node and document paths), stream decoder,
/// encoder and device lint. Every input gets the cheap checks (walk for features; whole-buffer
/// decode without a trap and with errors inside the input, through the document decoder, whose
/// reused tape allocates nothing; the device dialect where it can differ). Thorough executions —
/// every input with new features and every `thoroughEvery`-th — add the expensive oracles of
/// `CodecOracles`, which decode the same bytes through every other path and compare.
package struct CodecTarget: FuzzTarget {
    package let name = "codec"
    package let oracles = CodecOracles()
    private let walker = WireWalker()
    private var document = Document()

    package init() {}

    package mutating func execute(_ input: [UInt8], thorough: Bool, features: inout FeatureSet) -> Verdict {
        let sensitive = input.withUnsafeBufferPointer { walker.walk($0, into: &features) }
        // The device decode can differ from the standard one only where the walk saw a header the
        // dialects read differently; elsewhere it repeats the same work, so the cheap path skips it.
        for k in 0..<(sensitive || thorough ? 2 : 1) {
            let decoder = k == 0 ? oracles.standard : oracles.device
            var pos = 0
            while pos < input.count {
                do {
                    try decoder.decodeDocument(input, at: pos, into: &document)
                    let end = document.end
                    if end <= pos || end > input.count {
                        return .finding(oracle: "decode-progress", signature: "decode-progress",
                                        detail: "\(decoder.options.dialect) decode at \(pos) ended at \(end)")
                    }
                    pos = end
                } catch {
                    if error.offset < 0 || error.offset > input.count {
                        return .finding(oracle: "error-offset", signature: "error-offset:\(error.reason)",
                                        detail: "\(decoder.options.dialect): \(error) is outside the \(input.count)-byte input")
                    }
                    features.add(11 << 56 | UInt64(k) << 8 | UInt64(error.reason.utf8.count))
                    break
                }
            }
        }
        guard thorough else { return .pass }
        return oracles.check(input, features: &features)
    }
}
