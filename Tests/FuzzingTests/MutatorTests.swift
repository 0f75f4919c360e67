import Testing
@testable import Fuzzing
import MessagePack

/// Each mutator class produces what it claims, over many seeds.
@Suite struct MutatorTests {
    let table = MutatorTable.standard
    let request: [UInt8] = [0x95, 0xa2, 0x63, 0x6d, 0xd6, 0x01, 0, 0, 0, 2, 0xa3, 0x61, 0x64, 0x64, 0x92, 0x05, 0x07, 0x80]

    func apply(_ name: String, _ input: [UInt8], seed: UInt64, corpus: [[UInt8]] = []) -> [UInt8]? {
        let m = table[name]!
        var c = MutationContext(seed: seed, corpus: corpus)
        var x = input
        return m.apply(&x, &c) ? x : nil
    }

    @Test func tableHasByteAndStructureMutatorsByName() {
        #expect(table.byteIndices.count >= 10)
        #expect(table.structureIndices.count >= 10)
        #expect(Set(table.names).count == table.names.count)
        for n in ["flip-bit", "interesting-32", "splice", "length-lie", "deepen-nesting", "map-duplicate-key",
                  "ext-change-code", "numeric-boundary", "encode-device-dialect"] {
            #expect(table[n] != nil, "\(n)")
        }
    }

    @Test func flipBitChangesExactlyOneBit() {
        for seed in 0..<200 as Range<UInt64> {
            let out = apply("flip-bit", request, seed: seed)!
            let bits = zip(out, request).map { ($0 ^ $1).nonzeroBitCount }.reduce(0, +)
            #expect(out.count == request.count && bits == 1)
        }
    }

    @Test func flipByteInvertsOneByte() {
        for seed in 0..<100 as Range<UInt64> {
            let out = apply("flip-byte", request, seed: seed)!
            let diffs = zip(out, request).filter { $0 != $1 }
            #expect(diffs.count == 1 && diffs[0].0 ^ diffs[0].1 == 0xff)
        }
    }

    @Test func interestingValuesAreWritten() {
        for seed in 0..<100 as Range<UInt64> {
            let out = apply("interesting-32", request, seed: seed)!
            #expect(out.count == request.count)
            let words = (0...(out.count - 4)).map { i in (0..<4).reduce(UInt32(0)) { $0 << 8 | UInt32(out[i + $1]) } }
            #expect(words.contains { ByteMutators.interesting32.contains($0) })
            let out8 = apply("interesting-8", request, seed: seed)!
            #expect(zip(out8, request).allSatisfy { $0 == $1 || ByteMutators.interesting8.contains($0) })
        }
    }

    @Test func chunkMutatorsInsertDeleteDuplicate() {
        for seed in 0..<100 as Range<UInt64> {
            #expect(apply("insert-byte", request, seed: seed)!.count == request.count + 1)
            let del = apply("delete-chunk", request, seed: seed)!
            #expect(del.count < request.count)
            // What is left is the input with one contiguous range cut out.
            let k = request.count - del.count
            #expect((0...del.count).contains { i in Array(request[..<i]) + Array(request[(i + k)...]) == del })
            let dup = apply("duplicate-chunk", request, seed: seed)!
            #expect(dup.count > request.count)
        }
    }

    @Test func spliceTakesASuffixOfAnotherEntry() {
        let other: [UInt8] = Array(0xe0...0xff)
        for seed in 0..<100 as Range<UInt64> {
            let out = apply("splice", request, seed: seed, corpus: [other])!
            #expect((0...request.count).contains { cut in
                Array(out.prefix(cut)) == Array(request.prefix(cut)) && out.count > cut && Array(other.suffix(out.count - cut)) == Array(out.dropFirst(cut))
            })
        }
    }

    @Test func dictionaryInsertsAToken() {
        for seed in 0..<100 as Range<UInt64> {
            let out = apply("dictionary-insert", request, seed: seed)!
            let tokens = MutationDictionary.urpc.tokens
            #expect(tokens.contains { t in out.count == request.count + t.count && out.containsSequence(t) })
        }
    }

    @Test func changeWidthKeepsTheValue() throws {
        let d = Decoder()
        let input: [UInt8] = [0x93, 0x05, 0xcd, 0x01, 0x00, 0xd0, 0x80]
        var changed = 0
        for seed in 0..<200 as Range<UInt64> {
            guard let out = apply("node-change-width", input, seed: seed) else { continue }
            // Widths change, the numbers stay (an array header may also change width).
            #expect(try d.decode(out) == d.decode(input))
            if out != input { changed += 1 }
        }
        #expect(changed > 50)
    }

    @Test func lengthLieBreaksTheDeclaredLength() throws {
        let input: [UInt8] = [0x92, 0xa3, 0x61, 0x62, 0x63, 0xc4, 0x02, 0x01, 0x02]
        let original = try Decoder().decode(input)
        for seed in 0..<200 as Range<UInt64> {
            guard let out = apply("length-lie", input, seed: seed) else { continue }
            let result = try? Decoder().decode(out)
            #expect(result != original, "\(Hex.spaced(out))")
        }
    }

    @Test func deepenNestingWrapsANode() throws {
        let deep = Decoder(options: DecodingOptions(maxDepth: 2000))
        for seed in 0..<100 as Range<UInt64> {
            let out = apply("deepen-nesting", request, seed: seed)!
            #expect(out.count > request.count)
            // One node now sits inside one or more new single-entry containers.
            let before = try containers(deep.decodeNode(request)), after = try containers(deep.decodeNode(out))
            #expect(after.count > before.count)
            #expect(after.filter { $0 == 1 }.count - before.filter { $0 == 1 }.count == after.count - before.count)
        }
    }

    /// The item counts of every container in the tree.
    func containers(_ n: Node) -> [Int] {
        switch n.content {
        case .scalar: return []
        case .array(let a): return [a.count] + a.flatMap(containers)
        case .map(let m): return [m.count] + m.flatMap { containers($0.key) + containers($0.value) }
        }
    }

    @Test func mapDuplicateKeyAddsARepeatedKey() throws {
        let input: [UInt8] = [0x82, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x02]
        for seed in 0..<50 as Range<UInt64> {
            let out = apply("map-duplicate-key", input, seed: seed)!
            guard case .map(let m) = try Decoder().decode(out) else { Issue.record("not a map"); continue }
            #expect(m.count == 3)
            #expect(DeviceLint.lint(out).contains { $0.id == "duplicate-map-key" })
        }
    }

    @Test func mapReorderKeepsTheEntries() throws {
        let input: [UInt8] = [0x83, 0xa1, 0x61, 0x01, 0xa1, 0x62, 0x02, 0xa1, 0x63, 0x03]
        guard case .map(let before) = try Decoder().decode(input) else { return }
        var reordered = 0
        for seed in 0..<50 as Range<UInt64> {
            let out = apply("map-reorder-keys", input, seed: seed)!
            guard case .map(let after) = try Decoder().decode(out) else { Issue.record("not a map"); continue }
            #expect(Set(after.map { $0.key }) == Set(before.map { $0.key }))
            #expect(after.allSatisfy { e in before.contains { $0.key == e.key && $0.value == e.value } })
            if out != input { reordered += 1 }
        }
        #expect(reordered == 50)
    }

    @Test func extMutatorsChangeCodeAndSize() throws {
        let proxy: [UInt8] = [0xd6, 0x01, 0, 0, 0, 7]
        for seed in 0..<100 as Range<UInt64> {
            let code = apply("ext-change-code", proxy, seed: seed)!
            #expect(code.count == proxy.count && Array(code[2...]) == Array(proxy[2...]))
            let sized = apply("ext-change-size", proxy, seed: seed)!
            guard case .ext(let t, let data) = try Decoder(dialect: .device).decode(sized) else { Issue.record("not an ext"); continue }
            #expect(t == 1)
            #expect([0, 1, 2, 3, 4, 5, 8, 16, 17, 255, 256].contains(data.count))
        }
    }

    @Test func numericBoundaryPutsABoundary() throws {
        let input: [UInt8] = [0x05]
        let floats = Set(StructureMutators.boundaryFloats)
        for seed in 0..<100 as Range<UInt64> {
            let out = apply("numeric-boundary", input, seed: seed)!
            switch try Decoder().decode(out) {
            case .int(let v): #expect(StructureMutators.boundaryInts.contains(v))
            case .uint(let v): #expect(StructureMutators.boundaryInts.contains(Int64(bitPattern: v)))
            case .float(let f): #expect(floats.contains(f.bitPattern))
            default: Issue.record("not a number: \(Hex.spaced(out))")
            }
        }
    }

    @Test func dialectEncoders() throws {
        // 200 as uint8 (standard) → device encoding d1 00 c8; −32 as d0 e0 (device) → e0.
        #expect(apply("encode-device-dialect", [0xcc, 0xc8], seed: 1) == [0xd1, 0x00, 0xc8])
        #expect(apply("encode-standard-dialect", [0xd0, 0xe0], seed: 1) == [0xe0])
        #expect(apply("encode-device-dialect", [0x05], seed: 1) == nil)   // already the device's bytes
    }

    @Test func changeTypeReplacesANode() throws {
        for seed in 0..<100 as Range<UInt64> {
            let out = apply("node-change-type", request, seed: seed)!
            #expect(out != request || StructureMutators.palette.contains { request.containsSequence($0) })
        }
    }

    @Test func structureMutatorsDeclineNonMessagePack() {
        for name in ["length-lie", "map-duplicate-key", "ext-change-code"] {
            #expect(apply(name, [0xc1], seed: 1) == nil)
        }
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ t: [UInt8]) -> Bool {
        guard t.count <= count else { return false }
        return (0...(count - t.count)).contains { Array(self[$0..<($0 + t.count)]) == t }
    }
}
