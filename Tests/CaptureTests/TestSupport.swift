import Foundation
import Testing
import MsgscopeTestSupport
@testable import Capture

/// The package root, found from this file's path.
let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The example captures: the repository copy, else the shared folder beside the package root.
func sharedCapture(_ name: String) -> String {
    let local = packageRoot.appendingPathComponent("captures/shared/\(name)").path
    if FileManager.default.fileExists(atPath: local) { return local }
    return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/captures/\(name)").path
}

/// A fresh temporary file path (the directory is created per test process).
func temporaryPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("capture-tests-\(getpid())")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.appendingPathComponent("\(UUID().uuidString)-\(name)").path
}

func hexBytes(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var i = s.startIndex
    while i < s.endIndex {
        let j = s.index(i, offsetBy: 2)
        out.append(UInt8(s[i..<j], radix: 16)!)
        i = j
    }
    return out
}

func ts(_ seconds: Int64, _ nanos: UInt32 = 0) -> Timestamp { Timestamp(seconds: seconds, nanoseconds: nanos) }

/// Reads a whole capture into segments (and the error, if any).
func readSegments(_ path: String) throws -> (segments: [StreamSegment], error: CaptureError?, source: CaptureSource) {
    let source = try CaptureSource.open(path: path)
    let (segments, error) = source.readAll()
    return (segments, error, source)
}

/// What one direction of one stream delivered: bytes, with gaps shown as `nil` runs.
struct DirectionView: Equatable {
    var bytes: [UInt8] = []
    var gaps: [Int] = []
    var opened = false
    var closed: [Bool] = []
}

func view(_ segments: [StreamSegment], stream: Int = 0, side: StreamSide) -> DirectionView {
    var v = DirectionView()
    for s in segments where s.stream == stream {
        if case .opened = s.payload { v.opened = true }
        guard s.side == side else { continue }
        switch s.payload {
        case let .bytes(b): v.bytes += b
        case let .gap(n): v.gaps.append(n)
        case let .closed(reset): v.closed.append(reset)
        case .opened: break
        }
    }
    return v
}


let tsharkPath: String? = ["/usr/bin/tshark", "/usr/local/bin/tshark", "/opt/homebrew/bin/tshark"]
    .first { FileManager.default.isExecutableFile(atPath: $0) }

/// Runs tshark with arguments; returns (exit status, stdout).
func runTShark(_ arguments: [String]) throws -> (Int32, String) {
    let (status, data) = try runToEnd(tsharkPath!, arguments)
    return (status, String(decoding: data, as: UTF8.self))
}

/// The helpers other tests stand on: hex parsing, the per-direction view, the seeded generator.
@Test func captureTestHelpersDoWhatTheySay() {
    #expect(hexBytes("95a2636d") == [0x95, 0xa2, 0x63, 0x6d])
    let c = Endpoint(address: "127.0.0.1", port: 50000), s = Endpoint(address: "127.0.0.1", port: 7000)
    let segs = [
        StreamSegment(frame: 1, time: ts(1), stream: 0, side: .a, source: c, destination: s, startedMidStream: false, payload: .opened),
        StreamSegment(frame: 2, time: ts(1), stream: 0, side: .a, source: c, destination: s, startedMidStream: false, payload: .bytes([1, 2])),
        StreamSegment(frame: 3, time: ts(2), stream: 0, side: .b, source: s, destination: c, startedMidStream: false, payload: .gap(count: 5)),
        StreamSegment(frame: 4, time: ts(2), stream: 0, side: .a, source: c, destination: s, startedMidStream: false, payload: .bytes([3])),
    ]
    #expect(view(segs, side: .a) == DirectionView(bytes: [1, 2, 3], gaps: [], opened: true, closed: []))
    #expect(view(segs, side: .b).gaps == [5])
    var r1 = SplitMix(state: 9), r2 = SplitMix(state: 9)
    #expect((0..<4).map { _ in r1.next() } == (0..<4).map { _ in r2.next() })
    #expect(FileManager.default.fileExists(atPath: sharedCapture("urpc_a_basic_session.pcap")))
}
