#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Inputs kept because they showed behaviour no earlier input showed. Files are named by the
/// SHA-1 of their content, so writing the same input twice is a no-op (deduplication), and
/// parallel workers sharing one directory never clash.
package struct Corpus: Sendable {
    package private(set) var inputs: [[UInt8]] = []
    /// Content hashes of `inputs`, for deduplication.
    private var hashes: Set<String> = []

    package init() {}

    package var count: Int { inputs.count }
    package var isEmpty: Bool { inputs.isEmpty }

    /// Adds an input unless the same bytes are already there. Returns its hash when added.
    @discardableResult
    package mutating func add(_ input: [UInt8]) -> String? {
        let h = SHA1.hex(input)
        guard hashes.insert(h).inserted else { return nil }
        inputs.append(input)
        return h
    }

    package func contains(hash: String) -> Bool { hashes.contains(hash) }

    /// Reads every regular file of a directory (sorted by name, so loading is deterministic),
    /// skipping files larger than `maxLength`. Returns the new inputs. Other processes may share
    /// the directory (`--jobs`): their half-written files are skipped, and a file that is gone by
    /// the time it is read (renamed into place, removed by `cmin`) is not an error.
    package static func load(_ dir: String, maxLength: Int = 1 << 20) throws(FileError) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for name in try Files.list(dir) where !isBeingWritten(name) {
            let bytes: [UInt8]
            do {
                bytes = try Files.read(dir + "/" + name, limit: maxLength + 1)
            } catch {
                if case .cannotOpen(_, let e) = error, e == ENOENT { continue }
                throw error
            }
            if bytes.count <= maxLength { out.append(bytes) }
        }
        return out
    }

    /// A file `Files.writeAtomically` has not renamed into place yet.
    package static func isBeingWritten(_ name: String) -> Bool { name.contains(".tmp-") }

    /// Writes an input into a corpus directory under its content hash.
    package static func save(_ input: [UInt8], to dir: String) throws(FileError) {
        let path = dir + "/" + SHA1.hex(input)
        if !Files.exists(path) { try Files.writeAtomically(input, to: path, durable: false) }
    }

    /// Corpus minimisation: keeps the smallest input for each distinct behaviour signature
    /// (ties: the first in order). Order of the result follows the order of first appearance.
    package static func minimize(_ inputs: [[UInt8]], signature: ([UInt8]) -> UInt64) -> [[UInt8]] {
        var best: [UInt64: Int] = [:]
        var order: [UInt64] = []
        for (i, x) in inputs.enumerated() {
            let s = signature(x)
            if let j = best[s] {
                if x.count < inputs[j].count { best[s] = i }
            } else {
                best[s] = i
                order.append(s)
            }
        }
        return order.map { inputs[best[$0]!] }
    }
}
