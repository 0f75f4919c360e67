import Foundation
import Testing

/// msgdissect's output on every shipped capture, in every mode, is byte-identical to the golden
/// files in Fixtures/golden (made by Fixtures/golden/make.sh from the binary before the speed work).
/// The binary is the one `swift build` puts next to the test bundle.
@Suite struct GoldenOutputTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()
    static let golden = root.appendingPathComponent("Tests/URPCTests/Fixtures/golden")

    static let modes: [String: [String]] = [
        "summary": [], "verbose": ["-V"], "json": ["--json"], "stats": ["--stats"],
        "statsquiet": ["--stats", "--quiet"], "leaks": ["leaks"], "leaksjson": ["leaks", "--format", "json"],
    ]

    /// (capture file name in golden/, mode, exit status, bytes on stderr), from status.txt.
    static let cases: [(name: String, mode: String, status: Int32, stderrBytes: Int)] = {
        let text = (try? String(contentsOf: golden.appendingPathComponent("status.txt"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 4, let rc = Int32(f[2]), let n = Int(f[3]) else { return nil }
            return (String(f[0]), String(f[1]), rc, n)
        }
    }()

    static var msgdissect: URL? {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("msgdissect")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return nil
    }

    /// The capture a golden name stands for: `sim_basic.pcap` is captures/sim/basic.pcap.
    static func capture(_ name: String) -> URL {
        let captures = root.appendingPathComponent("captures")
        for dir in ["shared", "sim"] where name.hasPrefix(dir + "_") {
            return captures.appendingPathComponent(dir).appendingPathComponent(String(name.dropFirst(dir.count + 1)))
        }
        return captures.appendingPathComponent(name)
    }

    @Test func everyShippedCaptureAndModeHasAGoldenOutput() throws {
        let shipped = try FileManager.default.subpathsOfDirectory(atPath: Self.root.appendingPathComponent("captures").path)
            .filter { $0.contains(".pcap") }
        #expect(shipped.count >= 16)
        for path in shipped {
            let name = path.replacingOccurrences(of: "/", with: "_")
            for mode in Self.modes.keys {
                #expect(Self.cases.contains { $0.name == name && $0.mode == mode }, "no golden output for \(path) \(mode)")
            }
        }
    }

    @Test(arguments: Array(GoldenOutputTests.modes.keys).sorted())
    func outputIsByteIdentical(mode: String) throws {
        let bin = try #require(Self.msgdissect, "msgdissect is built next to the tests: run `swift build` first")
        let cases = Self.cases.filter { $0.mode == mode }
        #expect(cases.count >= 16)
        for c in cases {
            let expected = try Data(contentsOf: Self.golden.appendingPathComponent("\(c.name).\(c.mode).out"))
            let p = Process()
            p.executableURL = bin
            var args = Self.modes[mode]!
            args.append(Self.capture(c.name).path)
            p.arguments = args
            let out = Pipe(), err = Pipe()
            p.standardOutput = out
            p.standardError = err
            try p.run()
            let got = out.fileHandleForReading.readDataToEndOfFile()
            let errBytes = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            #expect(p.terminationStatus == c.status, "\(c.name) \(mode): exit status")
            #expect(errBytes.count == c.stderrBytes, "\(c.name) \(mode): stderr")
            #expect(got == expected, "\(c.name) \(mode): output differs from the golden file")
        }
    }
}
