import Foundation
import Testing
@testable import Fuzzing

/// Serial targets that die, close their pty or stop reading (issue 13): the run always ends on
/// time with its summary written, on a real pseudo-terminal.
@Suite struct SerialEndTests {
    /// A device on a pty that answers the readiness probe, then, on the first case, exits while
    /// it is being written (`exit`) or never reads again (`stall`).
    static let standIn = """
    import os, sys, time, tty
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    ver = bytes([0x91, 0xa3, 0x76, 0x65, 0x72])
    buf = b""
    while ver not in buf:
        buf += os.read(fd, 4096)
    os.write(fd, bytes([0xa2, 0x56, 0x31]))
    os.read(fd, 64)
    if sys.argv[2] == "exit":
        os.write(fd, b"Traceback (most recent call last):\\nValueError: short read\\n")
        os._exit(3)
    time.sleep(3600)
    """

    func python() throws -> String {
        try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) },
                     "python3 plays the serial device")
    }

    @Test(arguments: ["exit", "stall"])
    func aDeadOrDeafSerialTargetEndsWithinMaxTime(mode: String) throws {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"))
        let dir = TestSupport.temporaryDirectory("serial-" + mode)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Files.writeAtomically(Array(Self.standIn.utf8), to: dir + "/dev.py")
        let start = Date()
        let r = try TestSupport.run(exe, ["--target", "server", "--spawn", "\(try python()) \(dir)/dev.py {pty} \(mode)", "--max-time", "3",
                                          "--minimize-time", "1", "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"])
        let took = Date().timeIntervalSince(start)
        #expect(took < 3 + 2, "the run took \(took) s")
        let s = try ServerTestSupport.summary(dir + "/s.json")
        #expect(!ServerTestSupport.findings(s).isEmpty, "a target that dies or stops reading is a finding: \(r.stderr.suffix(400))")
        if mode == "exit" {
            #expect(ServerTestSupport.findings(s).contains { ($0["signature"] as? String) == "dead|ValueError: short read" })
        }
    }

    @Test func oneSigtermEndsASerialRunWithItsSummary() throws {
        let exe = try #require(ServerTestSupport.binary("msgfuzz"))
        let dir = TestSupport.temporaryDirectory("serial-term")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Files.writeAtomically(Array(Self.standIn.utf8), to: dir + "/dev.py")
        let p = TestSupport.process(exe, ["--target", "server", "--spawn", "\(try python()) \(dir)/dev.py {pty} stall", "--max-time", "60",
                                          "--findings", dir + "/f", "--summary-json", dir + "/s.json", "--quiet"])
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(2_500_000)
        #expect(p.isRunning)
        let sent = Date()
        kill(p.processIdentifier, SIGTERM)
        while p.isRunning && Date().timeIntervalSince(sent) < 10 { usleep(20_000) }
        let took = Date().timeIntervalSince(sent)
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        #expect(took < 2, "one SIGTERM ended the run after \(took) s")
        #expect(FileManager.default.fileExists(atPath: dir + "/s.json"))
    }
}
