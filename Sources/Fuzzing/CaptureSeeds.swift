import Capture
import URPC

/// One connection of a capture as the dissector cut it: the client's requests in order and every
/// message's bytes (both directions, capture order).
package struct CapturedConnection: Sendable {
    package var stream: Int
    /// Client → server messages, in order.
    package var requests: [[UInt8]] = []
    /// Server → client messages, in order.
    package var replies: [Message] = []
    /// Every message's bytes, both directions.
    package var messages: [[UInt8]] = []

    /// Proxy ids born in the server's replies (first appearance order, at most 4096).
    package var bornIDs: [UInt32] {
        let bytes = replies.flatMap { Array($0.bytes) }
        let scan = bytes.withUnsafeBufferPointer { ReplyScan($0) }
        var seen: Set<UInt32> = []
        var out: [UInt32] = []
        for id in scan.proxyIDs where id < 0xFFFF_0000 && out.count < 4096 && seen.insert(id).inserted { out.append(id) }
        return out
    }

    /// The client side as a seed session, its proxy ids moved as if the server had just booted
    /// (the first id born in the capture becomes 1).
    package var seedCase: FuzzCase {
        let base = bornIDs.min() ?? 1
        let c = FuzzCase(messages: requests.map { FuzzCase.Message(bytes: $0) }, idBase: max(1, base))
        return c.rebasedToFreshSession()
    }
}

/// Reads captures for seeding runs and replays.
package enum CaptureSeeds {
    /// Every connection with at least one message. Damage ends the capture quietly (what came
    /// before it is kept); a file that is not a capture throws.
    package static func connections(path: String) throws -> [CapturedConnection] {
        let source = try CaptureSource.open(path: path)
        let dissector = Dissector(options: DissectorOptions(lint: false))
        var messages: [Message] = []
        while true {
            do {
                guard let seg = try source.nextSegment() else { break }
                dissector.consume(seg, into: &messages)
            } catch { break }
        }
        messages += dissector.finish()
        var byStream: [Int: CapturedConnection] = [:]
        var order: [Int] = []
        for m in messages {
            let bytes = Array(m.bytes.isEmpty ? (m.raw ?? []) : m.bytes)
            guard !bytes.isEmpty else { continue }
            if byStream[m.stream] == nil { byStream[m.stream] = CapturedConnection(stream: m.stream); order.append(m.stream) }
            byStream[m.stream]!.messages.append(bytes)
            if m.direction == .clientToServer { byStream[m.stream]!.requests.append(bytes) } else { byStream[m.stream]!.replies.append(m) }
        }
        return order.map { byStream[$0]! }
    }

    /// Every message of the captures, for the codec target's corpus.
    package static func codecInputs(paths: [String], maxLength: Int) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        for p in paths {
            for c in try connections(path: p) { out += c.messages.filter { $0.count <= maxLength } }
        }
        return out
    }

    /// The seed sessions of the captures (connections with requests), in capture order.
    package static func serverSeeds(paths: [String]) throws -> [SeedSession] {
        var out: [SeedSession] = []
        for p in paths {
            for c in try connections(path: p) where !c.requests.isEmpty {
                out.append(SeedSession(fresh: c.seedCase, births: UInt32(c.bornIDs.count)))
            }
        }
        return out
    }
}

extension Engine {
    /// Adds capture messages to the corpus whatever their coverage, and saves them into the
    /// first corpus directory unless saving is off. Returns how many were new.
    @discardableResult
    package func addCaptureInputs(_ inputs: [[UInt8]]) -> Int {
        var added = 0
        for input in inputs {
            if addSeed(input, keep: true) { added += 1 }
            // Saved even when the corpus held it already (the built-in empty seed): files are
            // named by content, so saving twice is harmless.
            if options.saveCorpus, let dir = options.corpusDirectories.first { try? Corpus.save(input, to: dir) }
        }
        return added
    }
}
