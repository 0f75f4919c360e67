import Foundation
import Testing
@testable import Fuzzing
import MessagePack
import URPC

/// Built executables beside the test bundle (msgfuzz, urpc-sim, msgdissect).
enum ServerTestSupport {
    static func binary(_ name: String) -> String? {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    static func summary(_ path: String) throws -> [String: Any] {
        let data = try #require(FileManager.default.contents(atPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func findings(_ summary: [String: Any]) -> [[String: Any]] { summary["findings"] as? [[String: Any]] ?? [] }
}

/// Framing: how a device reader cuts a request stream, and completing mutated messages.
struct FramingTests {
    @Test func aCompleteRequestIsOneObject() {
        let r = Framing.walk([0x92, 0xa2, 0x69, 0x6d, 0xa8] + Array("rpc_test".utf8))
        #expect(r.isSingleObject)
        #expect(Framing.answersOnce([0x92, 0xa2, 0x69, 0x6d, 0xa8] + Array("rpc_test".utf8)))
    }

    @Test(arguments: [
        ([0x93, 0x01] as [UInt8], [0x93, 0x01, 0xc0, 0xc0] as [UInt8]),
        ([0xc4, 0x05, 0x01], [0xc4, 0x05, 0x01, 0, 0, 0, 0]),
        ([0x92, 0x91], [0x92, 0x91, 0xc0, 0xc0]),
        ([0xc6, 0x00], [0xc6, 0x00, 0x00, 0x00, 0x00]),
    ])
    func cutMessagesAreCompleted(input: [UInt8], expected: [UInt8]) throws {
        let fixed = try #require(Framing.repaired(input))
        #expect(fixed == expected)
        #expect(Framing.walk(fixed).isComplete)
    }

    @Test func refusedHeadersDoNotWaitForPayload() {
        // The 32-bit crash inputs declare lengths no reader waits for: complete as they stand.
        for bytes: [UInt8] in [[0xc6, 0xff, 0xff, 0xff, 0xff], [0xdb, 0xff, 0xff, 0xff, 0xf0], [0xdd, 0x40, 0, 0, 0], [0xdf, 0x20, 0, 0, 0], [0xc1]] {
            let r = Framing.walk(bytes)
            #expect(r.isComplete, "\(bytes)")
            #expect(r.refusals == 1)
            #expect(!r.isSingleObject)
        }
        // A moderate lie is waited for and must be completed.
        #expect(!Framing.walk([0xc6, 0x00, 0x00, 0x01, 0x00]).isComplete)
    }

    @Test func anExtOtherThanAProxyLeavesTheRestOfTheRequestInTheStream() {
        #expect(!Framing.answersOnce([0x92, 0xa2, 0x5f, 0x73, 0xd4, 0x02, 0x00]))
        #expect(Framing.answersOnce([0x92, 0xa2, 0x5f, 0x73, 0xd6, 0x01, 0, 0, 0, 1]))
        #expect(!Framing.answersOnce([0x92, 0x81, 0x90, 0x01, 0x01]))
    }
}

/// The structure-aware session mutations reach every crash class of spec §2.
struct SessionMutationTests {
    @Test func lieAndDeepenReachEveryDeviceFaultClass() {
        var model = ProtocolModel()
        var ctx = MutationContext(seed: 7, maxLength: 8192)
        var seen: Set<String> = []
        for _ in 0..<3000 {
            let messages = model.session(&ctx.random)
            var b = messages[ctx.random.below(messages.count)].bytes
            let m: StructureMutation = ctx.random.chance(50) ? .lie32 : .deepen
            guard m.apply(&b, &ctx.random) else { continue }
            for f in DeviceLint.lint(b) where f.severity == .crash { seen.insert(f.id) }
        }
        #expect(seen == ["bin32-length-overflow", "str32-length-overflow", "ext32-length-overflow",
                         "array32-count-overflow", "map32-count-overflow", "nesting-overflow"])
    }

    @Test func generatedSessionsAreWellFormedAndPredictIds() throws {
        var model = ProtocolModel()
        var rng = SessionRandom(seed: 3)
        let s = model.session(&rng)
        #expect(s.allSatisfy { Framing.answersOnce($0.bytes) })
        // The first request after an optional ver imports a module; the session releases what it made.
        let im = try #require(s.first { $0.bytes.count > 3 && $0.bytes[1] == 0xa2 && $0.bytes[2] == 0x69 && $0.bytes[3] == 0x6d })
        #expect(RequestShape.describe(im.bytes) == "[\"im\",str]")
        #expect(s.last.map { RequestShape.describe($0.bytes) } == "[\"_d\",bin]")
        #expect(model.nextID > 1)
    }

    @Test func aSameSeedGivesTheSameCases() {
        func cases(_ seed: UInt64) -> [[UInt8]] {
            var model = ProtocolModel()
            var ctx = MutationContext(seed: seed, maxLength: 8192)
            let mutator = CaseMutator()
            return (0..<200).map { _ in
                var c = FuzzCase(messages: model.session(&ctx.random))
                mutator.mutate(&c, model: model, &ctx)
                return c.bytes
            }
        }
        #expect(cases(11) == cases(11))
        #expect(cases(11) != cases(12))
    }

    @Test func rebasingMovesIdsToAFreshSession() {
        let c = FuzzCase(messages: [FuzzCase.Message(bytes: [0x92, 0xa2, 0x5f, 0x73, 0xd6, 0x01, 0, 0, 0, 0x48]),
                                    FuzzCase.Message(bytes: WireForm.release(0x49))], idBase: 0x48)
        let r = c.rebasedToFreshSession()
        #expect(r.messages[0].bytes.suffix(4) == [0, 0, 0, 1])
        #expect(r.messages[1].bytes.suffix(4) == [0, 0, 0, 2])
    }

    @Test func shapesNameCommandAndArgumentKinds() {
        let cm: [UInt8] = [0x95, 0xa2, 0x63, 0x6d, 0xd6, 0x01, 0, 0, 0, 2, 0xa3, 0x61, 0x64, 0x64, 0x92, 0x05, 0x07, 0x80]
        #expect(RequestShape.describe(cm) == "[\"cm\",ext1,str,array,map]")
        #expect(RequestShape.describe([0xc6, 0xff, 0xff, 0xff, 0xff]) == "bin32")
        #expect(RequestShape.describe([0xc1]) == "invalid")
    }
}

/// Signatures from the target's own evidence (issue 13).
struct SignatureTests {
    /// A death without a traceback is signed by the hostile feature of the culprit, wherever it
    /// is in the case: harmless requests around it never name the finding.
    @Test(arguments: [
        ([UInt8](repeating: 0x91, count: 300) + [0xc0], "nesting"),
        ([0xc6, 0xff, 0xff, 0xff, 0xf0] + [UInt8](repeating: 0x41, count: 40), "bin32-length"),
        ([0x92, 0xa2, 0x5f, 0x73, 0xdb, 0xff, 0xff, 0xff, 0xff, 0x41, 0x41], "str32-length"),
        ([0xdf, 0x40, 0x00, 0x00, 0x00], "map32-count"),
        ([0x92, 0xa2, 0x5f, 0x73, 0xdd, 0x3f, 0xff, 0xff, 0xfe, 0x01], "array32-count"),
    ])
    func deathsAreSignedByTheCulpritsHostileFeature(culprit: [UInt8], feature: String) {
        let ver = WireForm.versionRequest
        let gp = Request.getProperty(target: Proxy.value(3), name: "name").encoded()
        let v = Verdict(oracle: .signal, end: .signaled(11), detail: "")
        let before = FuzzCase(messages: [FuzzCase.Message(bytes: gp), FuzzCase.Message(bytes: culprit), FuzzCase.Message(bytes: ver)])
        let alone = FuzzCase(messages: [FuzzCase.Message(bytes: culprit)])
        #expect(v.signature(for: before) == "signal|signal:11|\(feature)")
        #expect(v.signature(for: alone) == v.signature(for: before))
        // A wrong answer (not a death) keeps the shape of its request.
        let pairing = Verdict(oracle: .pairing, detail: "")
        #expect(pairing.signature(for: FuzzCase(messages: [FuzzCase.Message(bytes: ver)])) == "pairing|-|[\"ver\"]/1")
    }

    /// An error-path death is named by the exception line the target wrote, normalised.
    @Test func errorPathDeathsAreSignedByTheirException() throws {
        let tb = "Traceback (most recent call last):\n  File \"lib/urpc_server/async_server.py\", line 117, in async_serve\n"
        let cases: [(String, String)] = [
            ("NotImplementedError: 64 bit types", "NotImplementedError: 64 bit types"),
            ("MemoryError: memory allocation failed, allocating 2147483648 bytes", "MemoryError: memory allocation failed, allocating # bytes"),
            ("AttributeError: 'NoneType' object has no attribute 'foo'", "AttributeError: 'NoneType' object has no attribute '…'"),
            ("OSError: [Errno 11] EAGAIN", "OSError: [Errno 11] EAGAIN"),
            ("ValueError: bad object at 0x7f3a2c00 in /tmp/x.py", "ValueError: bad object at # in …"),
            ("AttributeError: 'NoneType' object has no attribute 'x\u{7}y", "AttributeError: 'NoneType' object has no attribute '…'"),
            ("ImportError: no module named 'rrpctest'", "ImportError: no module named '…'"),
            ("ImportError: no module named 'c'c_tes'", "ImportError: no module named '…'"),
            ("NameError: name 'x' isn't defined", "NameError: name '…' isn't defined"),
            ("AttributeError: 'NoneType' object has no attribute", "AttributeError: 'NoneType' object has no attribute '…'"),
            ("TypeError: unsupported types for __add__: 'bytes', 'str'", "TypeError: unsupported types for __add__: '…'"),
            ("TypeError: 'NoneType' object isn't callable", "TypeError: 'NoneType' object isn't callable"),
        ]
        for (line, expected) in cases {
            let bytes = [UInt8](repeating: 0xc0, count: 3) + Array((tb + line + "\n").utf8)
            #expect(FailureClass.exception(in: bytes) == expected)
            var v = Verdict(oracle: .exit, end: .exited(3), detail: "")
            v.exception = FailureClass.exception(in: bytes)
            #expect(v.signature(for: FuzzCase(messages: [])) == "dead|" + expected)
            #expect(v.kind == "dead|" + expected)
        }
        #expect(FailureClass.exception(in: Array("no traceback here".utf8)) == nil)
    }
}

struct ReplyScanTests {
    @Test func proxiesConsoleAndTextAreSeen() {
        let traceback = Array("Traceback (most recent call last):\n".utf8)
        let bytes: [UInt8] = [0xd6, 0x01, 0, 0, 0, 7, 0xc7, 0x02, 0x03, 0x68, 0x69, 0xc0] + traceback
        let scan = bytes.withUnsafeBufferPointer { ReplyScan($0) }
        #expect(scan.proxyIDs == [7])
        #expect(scan.objects.count == 3 + traceback.count)
        #expect(scan.objects[1].isConsole)
        #expect(scan.longestTextRun == traceback.count)
        #expect(scan.invalidAt == nil)
        let bad: [UInt8] = [0xc0, 0xc1]
        #expect(bad.withUnsafeBufferPointer { ReplyScan($0) }.invalidAt == 1)
    }
}

/// msgfuzz --target server against urpc-sim in child processes.
@Suite(.serialized) struct ServerTargetProcessTests {
    func tools() throws -> (msgfuzz: String, sim: String) {
        (try #require(ServerTestSupport.binary("msgfuzz"), "msgfuzz is built with the tests"),
         try #require(ServerTestSupport.binary("urpc-sim"), "urpc-sim is built with the tests"))
    }

    @Test func theLegacyServerDiesAfterABadRequestWithinTenSeconds() throws {
        let (exe, _) = try tools()
        let dir = TestSupport.temporaryDirectory("legacy")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try TestSupport.run(exe, ["--target", "server", "--legacy-errors", "--max-time", "6", "--seed", "1",
                                          "--minimize-time", "4", "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"])
        #expect(r.status == 1, "findings give exit status 1: \(r.stderr)")
        let s = try ServerTestSupport.summary(dir + "/s.json")
        let dead = ServerTestSupport.findings(s).filter { ($0["oracle"] as? String) == "liveness" }
        let first = try #require(dead.first, "a dead-server finding")
        #expect((first["first_found_s"] as? Double ?? 99) < 10)
        #expect((first["detail"] as? String ?? "").contains("Traceback"))
        // The reproducer is on disk and replays against a fresh legacy server.
        let repro = try #require((first["minimized"] as? String) ?? (first["input"] as? String))
        let replay = try TestSupport.run(exe, ["replay", "--target", "server", "--legacy-errors", repro])
        #expect(replay.status == 1, "\(replay.stdout)\(replay.stderr)")
        #expect(replay.stdout.contains("liveness"))
    }

    @Test func eachDeviceFaultIsItsOwnSmallFinding() throws {
        let (exe, _) = try tools()
        let dir = TestSupport.temporaryDirectory("faults")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try TestSupport.run(exe, ["--target", "server", "--device-faults", "--max-time", "40", "--seed", "2",
                                          "--minimize-time", "16", "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"])
        #expect(r.status == 1, "\(r.stderr)")
        let s = try ServerTestSupport.summary(dir + "/s.json")
        let exits = ServerTestSupport.findings(s).filter { ($0["oracle"] as? String) == "exit" }
        let statuses = Set(exits.compactMap { $0["status"] as? String })
        #expect(statuses == ["exit:71", "exit:72", "exit:73", "exit:74", "exit:75", "exit:76"], "\(exits.map { $0["signature"] ?? "" })")
        // One finding per class, each minimised to a few bytes (deep nesting needs its 300 levels).
        #expect(exits.count == 6)
        for f in exits {
            let size = try #require(f["minimized_size"] as? Int, "minimised: \(f["signature"] ?? "")")
            if f["status"] as? String == "exit:76" { #expect(size <= 330) } else { #expect(size <= 32, "\(f["signature"] ?? "") \(size) bytes") }
            let capture = try #require(f["capture"] as? String)
            #expect(FileManager.default.fileExists(atPath: capture))
        }
    }

    @Test func theDefaultServerGivesNoFalseFinding() throws {
        let (exe, _) = try tools()
        let dir = TestSupport.temporaryDirectory("clean")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try TestSupport.run(exe, ["--target", "server", "--max-time", "5", "--seed", "4", "--audit-every", "512",
                                          "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"])
        let s = try ServerTestSupport.summary(dir + "/s.json")
        #expect(ServerTestSupport.findings(s).isEmpty, "\(ServerTestSupport.findings(s).map { $0["signature"] ?? "" })")
        #expect(r.status == 0)
        #expect((s["execs"] as? Int ?? 0) > 1000)
        // The one summary schema: the codec's keys, plus the session target's own.
        #expect((s["exec_per_s"] as? Double ?? 0) > 0 && (s["seconds"] as? Double ?? 0) >= 5)
        #expect(s["target"] as? String == "server" && s["restarts"] is Int && s["operations"] is [String: Int])
        #expect(s["cases"] == nil && s["cases_per_second"] == nil)
    }

    @Test func aReproducerReplaysOverConnectAndItsCaptureDissects() throws {
        let (exe, sim) = try tools()
        let dir = TestSupport.temporaryDirectory("replay")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A known fatal request: bin32 with a wrapping length (spec §2).
        try Files.writeAtomically([0xc6, 0xff, 0xff, 0xff, 0xff], to: dir + "/bin32")
        let port = try #require(Loopback.freePort())
        let server = try TargetProcess(command: "\(sim) server --listen 127.0.0.1:\(port) --device-faults", stderrPath: nil)
        defer { server.kill() }
        var up = false
        for _ in 0..<500 where !up { if let fd = Loopback.connect(host: "127.0.0.1", port: port) { close(fd); up = true } else { usleep(10_000) } }
        try #require(up)
        let r = try TestSupport.run(exe, ["replay", "--connect", "127.0.0.1:\(port)", "--capture", dir + "/s.pcap", dir + "/bin32"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(server.wait(millis: 2000) == .exited(71))
        if let dissect = ServerTestSupport.binary("msgdissect") {
            let d = try TestSupport.run(dissect, [dir + "/s.pcap"])
            #expect(d.status == 0, "\(d.stderr)")
            #expect(d.stdout.contains("c6") || d.stdout.lowercased().contains("bin"), "\(d.stdout)")
        }
    }
}

/// msgfuzz --target client: msgscope plays the server for a spawned client.
@Suite(.serialized) struct ClientTargetProcessTests {
    @Test func theTwinClientSurvivesMutatedReplies() throws {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"))
        let sim = try #require(ServerTestSupport.binary("urpc-sim"))
        let dir = TestSupport.temporaryDirectory("client")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try TestSupport.run(exe, ["--target", "client", "--spawn", "\(sim) client --connect 127.0.0.1:{port} --scenario basic --timeout 0.5 --quiet",
                                          "--max-time", "4", "--client-timeout", "2", "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"])
        let s = try ServerTestSupport.summary(dir + "/s.json")
        #expect(ServerTestSupport.findings(s).isEmpty, "\(ServerTestSupport.findings(s).map { $0["detail"] ?? "" })")
        #expect(r.status == 0)
        #expect((s["execs"] as? Int ?? 0) >= 5, "the client was run again and again")
    }

    @Test func aClientThatTrustsItsServerIsCaughtAndReproduced() throws {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"))
        let python = try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                  "python3 plays a fragile client")
        let dir = TestSupport.temporaryDirectory("fragile")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A client that dies of SIGSEGV unless its handshake reply is exactly "V1" (a2 56 31).
        let script = """
        import os, socket, sys
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
        for _ in range(3):
            s.sendall(bytes([0x91, 0xa3, 0x76, 0x65, 0x72]))
            r = s.recv(64)
            if r != bytes([0xa2, 0x56, 0x31]):
                os.kill(os.getpid(), 11)
        """
        try Files.writeAtomically(Array(script.utf8), to: dir + "/client.py")
        let r = try TestSupport.run(exe, ["--target", "client", "--spawn", "\(python) \(dir)/client.py {port}", "--max-time", "4", "--minimize-time", "3",
                                          "--seed", "3", "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"])
        #expect(r.status == 1, "\(r.stderr)")
        let s = try ServerTestSupport.summary(dir + "/s.json")
        let f = try #require(ServerTestSupport.findings(s).first { ($0["oracle"] as? String) == "signal" })
        #expect(f["status"] as? String == "signal:11")
        #expect(f["minimized_messages"] as? Int == 1, "one mutated reply is enough")
        let repro = try #require(f["minimized"] as? String)
        let replay = try TestSupport.run(exe, ["replay", "--target", "client", "--spawn", "\(python) \(dir)/client.py {port}", repro])
        #expect(replay.status == 1, "\(replay.stdout)\(replay.stderr)")
        let capture = try #require(f["capture"] as? String)
        #expect(FileManager.default.fileExists(atPath: capture))
    }
}
