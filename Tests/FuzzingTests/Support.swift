import Testing
import Foundation
@testable import Fuzzing
import MessagePack

/// Paths and helpers shared by the tests.
enum TestSupport {
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The msgfuzz executable next to the test bundle (swift test builds every product).
    static var msgfuzz: String? {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("msgfuzz").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    static func temporaryDirectory(_ name: String) -> String {
        let path = NSTemporaryDirectory() + "msgfuzz-test-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    struct Result { var status: Int32; var signaled: Bool; var stdout: String; var stderr: String }

    /// A child process of `exe` (not yet started), without Swift's crash backtraces.
    static func process(_ exe: String, _ args: [String]) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"
        p.environment = env
        return p
    }

    static func run(_ exe: String, _ args: [String]) throws -> Result {
        let p = process(exe, args)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, signaled: p.terminationReason == .uncaughtSignal,
                      stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    static func crashFiles(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasPrefix("crash-") && !$0.hasSuffix(".json") && !$0.hasSuffix(".min") }.sorted()
    }
}

/// The helpers the process tests stand on: the package root, fresh directories, crash-file listing.
@Test func fuzzingTestHelpersDoWhatTheySay() throws {
    #expect(FileManager.default.fileExists(atPath: TestSupport.packageRoot + "/Package.swift"))
    let a = TestSupport.temporaryDirectory("helpers"), b = TestSupport.temporaryDirectory("helpers")
    defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
    #expect(a != b && FileManager.default.fileExists(atPath: a))
    for name in ["crash-1", "crash-1.json", "crash-2.min", "min-3"] { try Data().write(to: URL(fileURLWithPath: a + "/" + name)) }
    #expect(TestSupport.crashFiles(a) == ["crash-1"])
}
