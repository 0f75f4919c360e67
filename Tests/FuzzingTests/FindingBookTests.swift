import Foundation
import Testing
@testable import Fuzzing

/// The shared pieces of every target: the finding book, the parts minimiser, the weighted tables.
struct FindingBookTests {
    @Test func aSignatureIsOneFindingWithHitsAndAliases() throws {
        let dir = TestSupport.temporaryDirectory("book")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Files.makeDirectory(dir)
        var book = FindingBook(directory: dir)
        let unknownAtFirst = !book.hit("exit|exit:72|str32")
        #expect(unknownAtFirst)
        var sidecar = Sidecar(target: "server", verdict: Verdict(oracle: .exit, end: .exited(72), detail: "died"), signature: "exit|exit:72|str32")
        sidecar.mutations = ["lie32"]
        let path = try book.save([0xdb, 0xff, 0xff, 0xff, 0xff], sidecar: sidecar)
        #expect(path == dir + "/crash-" + SHA1.hex([0xdb, 0xff, 0xff, 0xff, 0xff]))
        #expect(try Files.read(path) == [0xdb, 0xff, 0xff, 0xff, 0xff])
        // The sidecar reads back with what was found.
        let back = try #require(Sidecar.load(path + ".json"))
        #expect(back.signature == "exit|exit:72|str32" && back.oracle == "exit" && back.status == "exit:72" && back.mutations == ["lie32"])
        book.add(Finding(signature: "exit|exit:72|str32", oracle: "exit", detail: "died", firstFoundSeconds: 1, inputPath: path, size: 5, mutations: []),
                 aliases: ["exit|exit:72|[\"gp\"]/3"])
        let hits = [book.hit("exit|exit:72|str32"), book.hit("exit|exit:72|[\"gp\"]/3")]
        book.alias("exit|exit:72|[]", to: "exit|exit:72|str32")
        let aliased = book.hit("exit|exit:72|[]"), other = book.hit("signal|signal:11|bin32")
        #expect(hits == [true, true] && aliased && !other)
        #expect(book.count == 1 && book.findings[0].hits == 4)
    }

    @Test func aSessionCaseSurvivesItsSidecar() {
        let c = FuzzCase(messages: [FuzzCase.Message(bytes: [0x91, 0xa3, 0x76, 0x65, 0x72], splits: [2]),
                                    FuzzCase.Message(bytes: [0xc1], isGarbage: true)], gapMicros: 200, restartFirst: true, idBase: 7)
        let data = Data(Sidecar(c, target: "server", verdict: nil, signature: nil).bytes)
        let back = try? JSONDecoder().decode(Sidecar.self, from: data)
        #expect(back?.fuzzCase == c)
    }

    @Test func ddminKeepsOnlyTheNeededParts() {
        var tests = 0
        let kept = Minimizer.ddmin(Array(0..<16), budget: { true }) { parts in
            tests += 1
            return parts.contains(3) && parts.contains(11)
        }
        #expect(kept == [3, 11])
        #expect(tests < 100)
        // No budget: nothing is tried.
        #expect(Minimizer.ddmin(Array(0..<16), budget: { false }) { _ in true } == Array(0..<16))
    }

    @Test func tablesDrawByWeightAndByName() {
        let table = WeightedTable<Int>([("rare", 1, 0), ("never", 0, 1), ("common", 9, 2)])
        var random = FuzzRandom(seed: 5)
        var counts = [0, 0, 0]
        for _ in 0..<10_000 { counts[table.pick(&random)] += 1 }
        #expect(counts[1] == 0)
        #expect(counts[0] > 700 && counts[0] < 1300, "\(counts)")
        #expect(table.index(named: "common") == 2)
        // The session and reply operations are such tables, by name.
        #expect(CaseMutator.operations.names.contains("lie32") && CaseMutator.operations.totalWeight == 80)
        #expect(ReplyMutation.operations.names.contains("length-lie"))
    }
}
