import Foundation
import Testing
@testable import Fuzzing

/// The msgfuzz executable in real child processes: a planted trap kills the process, and the
/// crash file must already be on disk; minimise, dedup, replay and the exit statuses.
@Suite(.serialized) struct ProcessTests {
    func msgfuzz() throws -> String { try #require(TestSupport.msgfuzz, "msgfuzz is built with the tests") }

    @Test func crashFileIsWrittenBeforeATrapKillsTheProcess() throws {
        let exe = try msgfuzz()
        let dir = TestSupport.temporaryDirectory("trap")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Files.makeDirectory(dir + "/corpus")
        try Files.writeAtomically([0x93, 0xc1, 0x00], to: dir + "/corpus/seed")
        let r = try TestSupport.run(exe, ["--target", "planted-crash", "--corpus", dir + "/corpus", "--findings", dir + "/findings",
                                          "--runs", "200000", "--seed", "5", "--quiet"])
        #expect(r.signaled, "the planted trap kills the process (status \(r.status))")
        let crashes = TestSupport.crashFiles(dir + "/findings")
        #expect(crashes.count == 1)
        let name = try #require(crashes.first)
        let bytes = try Files.read(dir + "/findings/" + name)
        #expect(bytes.containsSequence([0xc1, 0xc1]))
        #expect(name == "crash-" + SHA1.hex(bytes))
        #expect(r.stderr.contains("the input was written to"))
        // The record of the current input was left; a later run recovers nothing new from it.
        #expect(CrashGuard.recoverOrphans(in: dir + "/findings").isEmpty)
    }

    @Test func minimizeShrinksAPlantedCrashAndDedupMergesOneCause() throws {
        let exe = try msgfuzz()
        let dir = TestSupport.temporaryDirectory("min")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a: [UInt8] = [0x95, 0xa2, 0x63, 0x6d, 0xc1, 0xc1, 0xd6, 0x01, 0, 0, 0, 1, 0x80]
        let b: [UInt8] = [0x00, 0x01, 0xc1, 0xc1, 0x7f]
        try Files.writeAtomically(a, to: dir + "/crash-" + SHA1.hex(a))
        try Files.writeAtomically(b, to: dir + "/crash-" + SHA1.hex(b))
        let m = try TestSupport.run(exe, ["minimize", "--target", "planted-crash", dir + "/crash-" + SHA1.hex(a), "--output", dir + "/a.min"])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(try Files.read(dir + "/a.min") == [0xc1, 0xc1])
        #expect(m.stdout.contains("trap:"))
        let d = try TestSupport.run(exe, ["dedup", "--target", "planted-crash", dir])
        #expect(d.status == 0, "\(d.stderr)")
        #expect(TestSupport.crashFiles(dir) == ["crash-" + SHA1.hex(b)])
    }

    @Test func codecRunWritesTheSummary() throws {
        let exe = try msgfuzz()
        let dir = TestSupport.temporaryDirectory("run")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try TestSupport.run(exe, ["--target", "codec", "--corpus", TestSupport.packageRoot + "/corpus/urpc", "--no-save-corpus",
                                          "--findings", dir + "/findings", "--runs", "3000", "--summary-json", dir + "/s.json", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/s.json"))) as? [String: Any]
        #expect(json?["execs"] as? Int == 3000)
        for k in ["exec_per_s", "seconds", "corpus_size", "findings"] { #expect(json?[k] != nil, "\(k)") }
    }

    @Test func findingsExitOneAndReplay() throws {
        let exe = try msgfuzz()
        let dir = TestSupport.temporaryDirectory("slow")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A zero time limit makes every execution a slow-input finding: exit 1, one deduplicated finding.
        let r = try TestSupport.run(exe, ["--target", "codec", "--findings", dir, "--runs", "100", "--timeout", "0",
                                          "--summary-json", dir + "/s.json", "--quiet"])
        #expect(r.status == 1)
        let crashes = TestSupport.crashFiles(dir)
        #expect(crashes.count == 1)
        let sidecar = try #require(Sidecar.load(dir + "/" + crashes[0] + ".json")?.signature)
        #expect(sidecar == "slow-input:codec")
        let replay = try TestSupport.run(exe, ["replay", dir + "/" + crashes[0]])
        #expect(replay.status == 0 && replay.stdout.contains("pass"))
    }

    @Test func usageErrorsExitTwo() throws {
        let exe = try msgfuzz()
        let r = try TestSupport.run(exe, ["--target", "nonsense", "--runs", "1"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("unknown target"))
        #expect(try TestSupport.run(exe, ["--jobs", "0"]).status == 2)
        let help = try TestSupport.run(exe, ["run", "--help"])
        #expect(help.status == 0 && !help.stdout.contains("planted"))
    }

    @Test func parallelJobsShareTheDirectories() throws {
        let exe = try msgfuzz()
        let dir = TestSupport.temporaryDirectory("jobs")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Files.makeDirectory(dir + "/corpus")
        try Files.writeAtomically([0x91, 0xa3, 0x76, 0x65, 0x72], to: dir + "/corpus/ver")
        let r = try TestSupport.run(exe, ["--target", "codec", "--jobs", "2", "--runs", "4000", "--corpus", dir + "/corpus",
                                          "--findings", dir + "/findings", "--summary-json", dir + "/s.json", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/s.json"))) as? [String: Any]
        #expect(json?["execs"] as? Int == 4000)
        #expect(try Files.list(dir + "/corpus").count > 1)   // workers saved new inputs into the shared corpus
    }
}

@Suite struct CrashRecordTests {
    /// A process killed outright (SIGKILL, OOM) runs no handler; its memory-mapped record of the
    /// input in execution survives, and the next run turns it into a crash file.
    @Test func recordOfAKilledProcessIsRecovered() throws {
        let dir = TestSupport.temporaryDirectory("orphan")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "kill -9 $$"]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal)
        let input: [UInt8] = [0x95, 0xa2, 0x63, 0x6d, 0xc1]
        var record = [UInt8](repeating: 0, count: 16)
        record[0] = UInt8(input.count)   // length, little-endian UInt64
        record[8] = 1                    // executing
        try Files.writeAtomically(record + input + [UInt8](repeating: 0, count: 64), to: dir + "/.current-\(p.processIdentifier)")
        let recovered = CrashGuard.recoverOrphans(in: dir)
        #expect(recovered == [dir + "/crash-" + SHA1.hex(input)])
        #expect(try Files.read(recovered[0]) == input)
        #expect(!Files.exists(dir + "/.current-\(p.processIdentifier)"))
        // An idle record (no execution running when the process ended) is only cleaned up.
        record[8] = 0
        try Files.writeAtomically(record + input, to: dir + "/.current-\(p.processIdentifier)")
        #expect(CrashGuard.recoverOrphans(in: dir).isEmpty)
    }
}
