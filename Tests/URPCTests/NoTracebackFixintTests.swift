import Foundation
import Testing
import URPC

/// Every capture the project ships (captures/**.pcap and .pcapng).
func shippedCaptures() -> [String] {
    let root = packageRoot.appendingPathComponent("captures")
    let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
    return files.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
}

@Test("no shipped capture shows a traceback byte as an unsolicited fixint reply", arguments: shippedCaptures())
func noTracebackAsFixints(file: String) throws {
    let m = try dissect(packageRoot.appendingPathComponent("captures").appendingPathComponent(file).path)
    let fixints = m.filter { msg in
        msg.direction == .serverToClient && msg.part == .value && msg.anomalies.contains { $0.is(.unsolicitedReply) }
            && msg.value?.intValue.map { (0x09...0x7e).contains($0) } == true
    }
    #expect(fixints.isEmpty, "\(file): \(fixints.count) unsolicited fixints, first at frame \(fixints.first?.frame ?? 0)")
    // Every raw traceback carries its exception line.
    for tb in m where tb.part == .legacyTraceback { #expect(tb.exceptionLine?.isEmpty == false) }
}
