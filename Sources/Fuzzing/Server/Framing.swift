import MessagePack
import URPC

/// How a request stream is cut into objects by a device-dialect server reader, and how to make a
/// mutated message complete so that it cannot swallow the liveness probe that follows it.
///
/// It mirrors the urpc server's reader (spec §2, and the twin's resynchronisation): an invalid
/// byte (`c1`, and `cb cf d3` in the device dialect) or a nesting deeper than `maxDepth` is
/// refused at its header byte, and a declared length or count beyond `maxObjectSize` is refused
/// after its header; the reader resumes right after and reads the rest as new top-level objects.
package struct Framing: Sendable {
    package static let maxDepth = 512
    package static let maxObjectSize = 64 << 20

    /// What a walk found.
    package struct Report: Equatable, Sendable {
        /// Complete top-level objects (refused headers count as one each).
        package var objects = 0
        /// Headers the reader refuses (invalid byte, too deep, too long).
        package var refusals = 0
        /// Bytes still needed to finish a header or payload at the end.
        package var missingBytes = 0
        /// Open containers at the end (items still expected, innermost last).
        package var openItems: [Int] = []
        package var isComplete: Bool { missingBytes == 0 && openItems.isEmpty }
        /// One well-formed object, nothing refused: its reply count is predictable.
        package var isSingleObject: Bool { isComplete && objects == 1 && refusals == 0 }
    }

    package static func walk(_ bytes: [UInt8]) -> Report {
        bytes.withUnsafeBufferPointer { walk($0) }
    }

    package static func walk(_ p: UnsafeBufferPointer<UInt8>) -> Report {
        var r = Report()
        var scanner = ObjectScanner(dialect: .device, maxDepth: maxDepth, maxObjectSize: maxObjectSize)
        var i = 0
        while i < p.count {
            switch scanner.extent(of: p, at: i) {
            case .complete(let end, _):
                r.objects += 1
                i = end
            case .needsMore(let missing):
                r.missingBytes = missing
                r.openItems = scanner.stack.openItems
                return r
            case .invalid(let at, let reason):
                // The reader resumes after the refused header byte, or after a too-long header.
                r.refusals += 1
                r.objects += 1
                if case .lengthBeyondLimit = reason { i = at + Format.headerLength(firstByte: p[at]) } else { i = at + 1 }
            }
        }
        return r
    }

    /// Completes `bytes` (zero bytes for a cut payload, nils for missing items) so the reader
    /// finishes every object it starts. Nil when that would take more than `limit` bytes (huge
    /// padded containers only slow the run down).
    package static func repaired(_ bytes: [UInt8], limit: Int = 4096) -> [UInt8]? {
        var out = bytes
        var added = 0
        while true {
            let r = walk(out)
            if r.isComplete { return out }
            if r.missingBytes > 0 {
                added += r.missingBytes
                if added > limit { return nil }
                out.append(contentsOf: repeatElement(0, count: r.missingBytes))
                continue
            }
            // Each nil finishes one item of the innermost container; a finished container
            // finishes one item of its parent.
            var n = 0
            for (k, c) in r.openItems.enumerated() { n += k == 0 ? c : c - 1 }
            added += n
            if added > limit { return nil }
            out.append(contentsOf: repeatElement(0xc0, count: n))
        }
    }
}

extension Framing {
    /// True when the server answers `bytes` with exactly one reply: one well-formed object that
    /// the device unpacker reads to its end. It stops early, leaving the rest of the object in the
    /// stream to be read as further requests (spec §2: nothing is rolled back), on an ext whose
    /// code is not 1 and on a container used as a map key, so those are left to the fence.
    package static func answersOnce(_ bytes: [UInt8]) -> Bool {
        guard walk(bytes).isSingleObject else { return false }
        let s = MessageStructure(bytes)
        var i = 0
        while i < s.spans.count {
            let sp = s.spans[i]
            switch sp.header.kind {
            case .ext(let t) where t != ExtCode.proxy: return false
            case .map where sp.header.count > 0:
                // Keys are the even children.
                var j = i + 1, child = 0
                while j < s.spans.count, s.spans[j].start < sp.end {
                    let c = s.spans[j]
                    if child % 2 == 0, c.header.isContainer { return false }
                    child += 1
                    var k = j + 1
                    while k < s.spans.count, s.spans[k].start < c.end { k += 1 }
                    j = k
                }
            default: break
            }
            i += 1
        }
        return true
    }
}

extension Framing {
    /// The deepest container nesting in `bytes` (walked iteratively, any depth is safe).
    package static func depth(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBufferPointer { p in
            var scanner = ObjectScanner()
            var deepest = 0
            var i = 0
            while i < p.count {
                guard case .complete(let end, let d) = scanner.extent(of: p, at: i) else {
                    return max(deepest, scanner.deepest)
                }
                deepest = max(deepest, d)
                i = end
            }
            return deepest
        }
    }
}
