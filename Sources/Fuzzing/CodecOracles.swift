import MessagePack

/// The codec's expensive oracles, each a property that must hold for every input:
/// - `node-vs-value`: the node tree's values equal the fast path's, with the same error;
/// - `document-vs-node`: the document (tape) decoder reads the same objects, formats, offsets and
///   error as the node tree;
/// - `roundtrip-standard` / `roundtrip-device`: decode → encode → decode gives the same value, and
///   encoding is stable (both dialects, where the value is representable);
/// - `stream-chunking`: the stream decoder under random chunkings returns the whole-buffer nodes
///   (same offsets) and the same error, or waits for more bytes exactly where the buffer is cut;
/// - `lint-model`: the device lint agrees with the device dialect decoder (spec §2).
package struct CodecOracles: Sendable {
    /// 1 MiB object limit: hostile lengths are refused early without changing any small input's result.
    package let standard = Decoder(options: DecodingOptions(dialect: .standard, maxDepth: 512, maxObjectSize: 1 << 20))
    package let device = Decoder(options: DecodingOptions(dialect: .device, maxDepth: 512, maxObjectSize: 1 << 20))

    package init() {}

    package func check(_ input: [UInt8], features: inout FeatureSet) -> Verdict {
        let std = standard.decodeAll(input)
        let dev = device.decodeAll(input)
        if let v = nodeVsValue(input, standard, std) { return v }
        if let v = nodeVsValue(input, device, dev) { return v }
        if let v = documentVsNode(input, standard, std) { return v }
        if let v = documentVsNode(input, device, dev) { return v }
        if let v = roundTrip(std.nodes, .standard) { return v }
        if let v = roundTrip(dev.nodes, .device) { return v }
        if let v = streamChunking(input, std) { return v }
        let lint = DeviceLint.lint(input)
        for f in lint { features.add(12 << 56 | UInt64(truncatingIfNeeded: f.id.hashValue & 0xffff)) }
        if let v = lintModel(input, lint, std, dev) { return v }
        return .pass
    }

    func nodeVsValue(_ input: [UInt8], _ d: Decoder, _ r: (nodes: [Node], error: DecodingError?)) -> Verdict? {
        let values = d.decodeAllValues(input)
        let dialect = d.options.dialect
        if values.values.count != r.nodes.count || values.error != r.error {
            return .finding(oracle: "node-vs-value", signature: "node-vs-value:\(dialect):count-or-error",
                            detail: "\(dialect): node path \(r.nodes.count) objects, error \(r.error.map { "\($0)" } ?? "none"); value path \(values.values.count), error \(values.error.map { "\($0)" } ?? "none")")
        }
        for (n, v) in zip(r.nodes, values.values) where n.value != v {
            return .finding(oracle: "node-vs-value", signature: "node-vs-value:\(dialect):\(n.format)",
                            detail: "\(dialect): object at \(n.offset): node value \(ValueFormatter().format(n.value)) ≠ fast path \(ValueFormatter().format(v))")
        }
        return nil
    }

    func documentVsNode(_ input: [UInt8], _ d: Decoder, _ r: (nodes: [Node], error: DecodingError?)) -> Verdict? {
        let dialect = d.options.dialect
        var document = Document()
        var pos = 0
        for n in r.nodes {
            do throws(DecodingError) {
                try d.decodeDocument(input, at: pos, into: &document)
            } catch {
                return .finding(oracle: "document-vs-node", signature: "document-vs-node:\(dialect):spurious-error:\(error.reason)",
                                detail: "\(dialect): the node tree decodes the object at \(pos); the document refuses it: \(error)")
            }
            if document.root.node != n {
                return .finding(oracle: "document-vs-node", signature: "document-vs-node:\(dialect):\(n.format)",
                                detail: "\(dialect): object at \(pos): document \(ValueFormatter().format(document.value)) ≠ node tree \(ValueFormatter().format(n.value)) (or offsets differ)")
            }
            pos = document.end
        }
        guard let e = r.error else { return nil }
        do throws(DecodingError) {
            try d.decodeDocument(input, at: pos, into: &document)
            return .finding(oracle: "document-vs-node", signature: "document-vs-node:\(dialect):missed-error:\(e.reason)",
                            detail: "\(dialect): the node tree refuses the object at \(pos) (\(e)); the document accepts it")
        } catch {
            if error == e { return nil }
            return .finding(oracle: "document-vs-node", signature: "document-vs-node:\(dialect):error:\(e.reason)-vs-\(error.reason)",
                            detail: "\(dialect): node tree error \(e), document error \(error)")
        }
    }

    func roundTrip(_ nodes: [Node], _ dialect: Dialect) -> Verdict? {
        let enc = Encoder(dialect: dialect)
        let dec = dialect == .standard ? standard : device
        for n in nodes {
            let v = n.value
            let bytes: [UInt8]
            do { bytes = try enc.encode(v) } catch { continue }   // not representable in this dialect
            let back: MessagePackValue
            do { back = try dec.decode(bytes) } catch {
                return .finding(oracle: "roundtrip-\(dialect)", signature: "roundtrip-\(dialect):undecodable:\(n.format)",
                                detail: "object at \(n.offset) re-encodes to \(Hex.spaced(bytes.prefix(32))), which does not decode: \(error)")
            }
            if back != v {
                return .finding(oracle: "roundtrip-\(dialect)", signature: "roundtrip-\(dialect):value:\(n.value.kindName)",
                                detail: "object at \(n.offset): \(ValueFormatter().format(v)) comes back as \(ValueFormatter().format(back))")
            }
            if let again = try? enc.encode(back), again != bytes {
                return .finding(oracle: "roundtrip-\(dialect)", signature: "roundtrip-\(dialect):unstable:\(n.value.kindName)",
                                detail: "object at \(n.offset) encodes to \(Hex.spaced(bytes.prefix(32))) then \(Hex.spaced(again.prefix(32)))")
            }
        }
        return nil
    }

    func streamChunking(_ input: [UInt8], _ whole: (nodes: [Node], error: DecodingError?)) -> Verdict? {
        // Chunkings derive from the input itself, so a replay sees the same ones.
        var random = FuzzRandom(seed: UInt64(truncatingIfNeeded: input.count) &* 31 &+ input.reduce(0) { $0 &* 131 &+ UInt64($1) })
        for round in 0..<3 {
            var s = StreamDecoder(options: standard.options)
            var got: [Node] = []
            var err: DecodingError? = nil
            var pos = 0
            feeding: while pos < input.count {
                let size = round == 0 ? 1 : 1 + random.below(round == 1 ? 8 : max(1, input.count))
                let end = min(input.count, pos + size)
                s.feed(input[pos..<end])
                pos = end
                while true {
                    do {
                        guard let n = try s.next() else { break }
                        got.append(n)
                    } catch { err = error; break feeding }
                }
            }
            let sig = "stream-chunking"
            if got.count > whole.nodes.count || zip(got, whole.nodes).contains(where: { $0 != $1 }) {
                let i = Array(zip(got, whole.nodes)).firstIndex { $0 != $1 } ?? whole.nodes.count
                return .finding(oracle: sig, signature: "\(sig):nodes", detail: "round \(round): object \(i) differs from the whole-buffer decode")
            }
            switch (whole.error, err) {
            case (nil, nil):
                if got.count != whole.nodes.count || s.bufferedCount != 0 {
                    return .finding(oracle: sig, signature: "\(sig):incomplete", detail: "round \(round): \(got.count) of \(whole.nodes.count) objects, \(s.bufferedCount) bytes left")
                }
            case (nil, let e?):
                return .finding(oracle: sig, signature: "\(sig):spurious-error:\(e.reason)", detail: "round \(round): stream error \(e) where the buffer decodes")
            case (let e?, nil):
                // The stream waits for more bytes: only right when the buffer ran out.
                let cut = whole.nodes.last?.end ?? 0
                guard case .truncated = e, got.count == whole.nodes.count, s.offset == cut else {
                    return .finding(oracle: sig, signature: "\(sig):missed-error:\(e.reason)", detail: "round \(round): buffer error \(e), stream waits at \(s.offset) after \(got.count) objects")
                }
            case (let e?, let se?):
                // A length the buffer cannot hold may be refused by the stream before its bytes come (lengthBeyondLimit).
                // And where the buffer refuses a count or length it cannot hold, the stream, which
                // cannot know that no more bytes will come, reads on into the object and may meet a
                // bad byte first: any stream error at or after the truncated object's start is right.
                var early = false
                if case .truncated = e, se.offset >= e.offset { early = true }
                if got.count != whole.nodes.count || (se != e && !early) {
                    return .finding(oracle: sig, signature: "\(sig):error:\(e.reason)-vs-\(se.reason)", detail: "round \(round): buffer error \(e), stream error \(se)")
                }
            }
        }
        return nil
    }

    func lintModel(_ input: [UInt8], _ lint: [LintFinding], _ std: (nodes: [Node], error: DecodingError?),
                   _ dev: (nodes: [Node], error: DecodingError?)) -> Verdict? {
        var flagged: [Int: [String]] = [:]
        for f in lint { flagged[f.offset, default: []].append(f.id) }
        // Lint → model: what the lint says the device does, the device dialect decoder does.
        for f in lint {
            switch f.id {
            case "uint-read-as-signed":
                if let n = find(dev.nodes, at: f.offset), case .scalar(let v) = n.content, let i = v.intValue, i >= 0 {
                    return .finding(oracle: "lint-model", signature: "lint-model:uint-read-as-signed",
                                    detail: "lint says the device reads offset \(f.offset) as negative; device dialect gives \(i)")
                }
            case "uint64-refused", "int64-refused", "float64-refused", "invalid-byte":
                // The device decoder stops at the first error, so it must have failed by this offset.
                guard let e = dev.error, e.offset <= f.offset else {
                    return .finding(oracle: "lint-model", signature: "lint-model:\(f.id)",
                                    detail: "lint says the device refuses offset \(f.offset); device dialect decodes past it")
                }
            default: break
            }
        }
        // Model → lint: every scalar the device reads differently is flagged by the lint, up to
        // where the lint stops (a crash input or a cut-short object ends its walk).
        let stop = lint.filter { $0.severity == .crash || $0.id == "truncated" }.map(\.offset).min() ?? Int.max
        var mismatch: Verdict? = nil
        func compare(_ a: Node, _ b: Node) {
            guard mismatch == nil, a.offset == b.offset, a.offset < stop else { return }
            switch (a.content, b.content) {
            case let (.array(x), .array(y)): for (p, q) in zip(x, y) { compare(p, q) }
            case let (.map(x), .map(y)):
                for (p, q) in zip(x, y) { compare(p.key, q.key); compare(p.value, q.value) }
            case let (.scalar(x), .scalar(y)) where x != y:
                let ids = flagged[a.offset] ?? []
                let expected: [String]
                switch a.format {
                case .uint8, .uint16, .uint32: expected = ["uint-read-as-signed"]
                case .int32: expected = ["int32-wraps"]
                default: expected = ["ext-code-negative"]
                }
                if !ids.contains(where: expected.contains) {
                    mismatch = .finding(oracle: "lint-model", signature: "lint-model:unflagged:\(a.format)",
                                        detail: "offset \(a.offset): standard \(ValueFormatter().format(x)), device \(ValueFormatter().format(y)); the lint reports \(ids)")
                }
            default: break
            }
        }
        for (a, b) in zip(std.nodes, dev.nodes) { compare(a, b) }
        return mismatch
    }

    private func find(_ nodes: [Node], at offset: Int) -> Node? {
        for n in nodes where n.range.contains(offset) {
            if n.offset == offset { return n }
            return find(n.children, at: offset)
        }
        return nil
    }
}
