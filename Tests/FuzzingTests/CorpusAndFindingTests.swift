import Foundation
import Testing
@testable import Fuzzing
import MessagePack

@Suite struct CorpusAndFindingTests {
    @Test func corpusSavesLoadsAndDeduplicates() throws {
        let dir = TestSupport.temporaryDirectory("corpus")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var c = Corpus()
        #expect(c.add([1, 2, 3]) != nil)
        #expect(c.add([1, 2, 3]) == nil)
        #expect(c.count == 1)
        try Corpus.save([0x91, 0xc0], to: dir)
        try Corpus.save([0x91, 0xc0], to: dir)
        try Corpus.save([0xc3], to: dir)
        let loaded = try Corpus.load(dir)
        #expect(loaded.count == 2)
        #expect(Set(loaded) == [[0x91, 0xc0], [0xc3]])
        #expect(try Files.list(dir).contains(SHA1.hex([0xc3])))
    }

    @Test func corpusLoadingSkipsFilesAnotherWorkerIsWriting() throws {
        let dir = TestSupport.temporaryDirectory("corpus-tmp")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Corpus.save([0x91, 0xc0], to: dir)
        // Half written by another process: not yet renamed into place.
        try Files.writeAtomically([0x92], to: dir + "/" + SHA1.hex([0x92, 0xc0]) + ".tmp-99999")
        #expect(try Corpus.load(dir) == [[0x91, 0xc0]])
    }

    @Test func sha1MatchesKnownDigests() {
        #expect(SHA1.hex([]) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(SHA1.hex(Array("abc".utf8)) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1.hex(Array(repeating: 0x61, count: 1000)) == "291e9a6c66994949b57ba5e650361e98fc36b1ba")
    }

    @Test func corpusMinimisationKeepsTheSmallestPerBehaviour() {
        let target = CodecTarget()
        var t = target
        var features = FeatureSet()
        let inputs: [[UInt8]] = [
            [0x92, 0x01, 0x02], [0x92, 0x03, 0x04], [0x92, 0x05, 0x06],   // one behaviour
            [0xa3, 0x61, 0x62, 0x63], [0xa1, 0x61],                       // fixstr, length 3 vs 1: two length buckets
            [0xc1],
        ]
        let kept = Corpus.minimize(inputs) { x in
            features.begin()
            _ = t.execute(x, thorough: false, features: &features)
            return features.signature
        }
        #expect(kept.contains([0x92, 0x01, 0x02]))
        #expect(!kept.contains([0x92, 0x03, 0x04]))
        #expect(kept.contains([0xc1]))
        #expect(kept.count == 4)
    }

    @Test func dedupMergesInputsOfOneCause() {
        let inputs: [(path: String, bytes: [UInt8])] = [
            ("a", [0x00, 0xc1, 0xc1, 0x05]), ("b", [0xc1, 0xc1]), ("c", [0x91, 0xc0]),
        ]
        let result = FindingBook.deduplicate(inputs) { $0.containsSequence([0xc1, 0xc1]) ? "planted" : "other" }
        #expect(result.kept.count == 2)
        #expect(result.kept.first { $0.signature == "planted" }?.path == "b")
        #expect(result.duplicates == ["a"])
    }

    @Test func minimizerShrinksToTheEssentialBytes() {
        let input: [UInt8] = [0x93, 0x01, 0xa3, 0x61, 0xc1, 0x62, 0x63, 0xc1, 0xc1, 0x00, 0x7f, 0xd6, 0x01]
        let small = Minimizer.minimize(input) { $0.containsSequence([0xc1, 0xc1]) }
        #expect(small == [0xc1, 0xc1])
    }

    @Test func shippedCorpusPassesEveryOracle() throws {
        var target = CodecTarget()
        var features = FeatureSet()
        var count = 0
        for sub in ["corpus/codec", "corpus/urpc"] {
            let dir = TestSupport.packageRoot + "/" + sub
            let names = try Files.list(dir)
            #expect(names.count > 20)
            for name in names {
                let input = try Files.read(dir + "/" + name)
                features.begin()
                let v = target.execute(input, thorough: true, features: &features)
                #expect(v == .pass, "\(sub)/\(name): \(v)")
                count += 1
            }
        }
        #expect(count > 100)
        // The spec §2 device crash inputs ship as seeds, and the lint calls each one a crash.
        let crashes = try Files.list(TestSupport.packageRoot + "/corpus/codec").filter { $0.hasPrefix("device-crash-") }
        #expect(crashes.count == 6)
        for name in crashes {
            let input = try Files.read(TestSupport.packageRoot + "/corpus/codec/" + name)
            #expect(DeviceLint.lint(input).contains { $0.severity == .crash }, "\(name)")
        }
    }

    @Test func oraclesSeeTheDeviceDialect() {
        // uint8 200 is read as −56 by the device; the lint says so and the model agrees: no finding.
        let o = CodecOracles()
        var f = FeatureSet()
        #expect(o.check([0xcc, 0xc8], features: &f) == .pass)
        #expect(DeviceLint.lint([0xcc, 0xc8]).contains { $0.id == "uint-read-as-signed" })
        // A lint that missed it would be caught: compare against an empty lint.
        let std = o.standard.decodeAll([0xcc, 0xc8]), dev = o.device.decodeAll([0xcc, 0xc8])
        #expect(o.lintModel([0xcc, 0xc8], [], std, dev)?.isFinding == true)
    }
}
