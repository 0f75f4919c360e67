import Foundation
import Testing

/// `urpc-sim server …` as a child process of the tests.
struct SimulatorChild {
    /// The built `urpc-sim` next to the test bundle, if it was built.
    static var binary: URL? {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = exe.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("urpc-sim")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return nil
    }

    let process = Process()
    let out = Pipe(), err = Pipe()
    let started = ContinuousClock.now

    init(_ args: [String]) throws {
        let bin = try #require(Self.binary, "urpc-sim is built next to the tests: run `swift build` first")
        process.executableURL = bin
        process.arguments = ["server"] + args
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    /// The port of "urpc-sim: listening on 127.0.0.1:PORT".
    func listeningPort() throws -> UInt16 {
        var line = Data()
        while !line.contains(0x0a) {
            let d = out.fileHandleForReading.availableData
            if d.isEmpty { break }
            line += d
        }
        let text = String(decoding: line, as: UTF8.self)
        return try #require(text.split(separator: ":").last.flatMap { UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    }

    /// Waits (at most `seconds`) for the exit; the status, or nil if it is still running.
    func exitStatus(within seconds: Double) -> Int32? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it is still there a second later.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        if exitStatus(within: 1) == nil { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
