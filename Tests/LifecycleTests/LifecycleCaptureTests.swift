import Capture
import Foundation
import Lifecycle
import Testing
import URPC

/// The two real-traffic lifecycle cases of ServerOrderTests, on twin captures (captures/sim,
/// recorded by scripts/record-captures.sh): `pipelined-release` (a cm, a ri and a _d of the id the
/// cm creates, in one write before its reply) and `mid-session` (the recording cut after the
/// births: no SYN, no ver, a final registry dump).
@Suite struct LifecycleCaptureTests {
    struct Truth: Decodable {
        struct Proxy: Decodable {
            let id: UInt32
            let fate: String
            let born_by: String?
            let born_before_capture: Bool?
        }
        struct Anomaly: Decodable { let kind: String; let id: UInt32? }
        let requests: Int
        let proxies: [Proxy]
        let leaked: [UInt32]
        let released: [UInt32]
        let anomalies: [Anomaly]
    }

    struct Run {
        let truth: Truth
        let report: LeakReport
        let messages: [Message]
        let streams: [Dissector.Endpoints]
    }

    static func run(_ scenario: String) throws -> Run {
        let folder = SimCaptures.folder
        let truthData = try Data(contentsOf: folder.appendingPathComponent("\(scenario).truth.json"))
        let truth = try JSONDecoder().decode(Truth.self, from: truthData)
        let source = try CaptureSource.open(path: folder.appendingPathComponent("\(scenario).pcap").path)
        let dissector = Dissector()
        let tracker = ProxyTracker()
        var messages: [Message] = []
        while let seg = try source.nextSegment() {
            let ms = dissector.consume(seg)
            tracker.observe(ms)
            messages += ms
        }
        let tail = dissector.finish()
        tracker.observe(tail)
        messages += tail
        tracker.describe(dissector.streamInfos)
        return Run(truth: truth, report: tracker.finish(), messages: messages, streams: dissector.streamInfos)
    }

    /// `msgdissect leaks --json`: the proxies array, by id.
    static func jsonProxies(_ report: LeakReport) throws -> [UInt32: [String: Any]] {
        let doc = try #require(try parseJSON(report.json()) as? [String: Any])
        let proxies = try #require(doc["proxies"] as? [[String: Any]])
        var out: [UInt32: [String: Any]] = [:]
        for p in proxies { out[UInt32(try #require(p["id"] as? Int))] = p }
        return out
    }

    @Test func pipelinedReleaseIsAReleaseOnTheCapture() throws {
        let r = try Self.run("pipelined-release")
        let requests = r.messages.filter { $0.direction == .clientToServer && $0.kind == .request }
        #expect(requests.count == r.truth.requests)
        // The truth's pipelined id: released, with two used-before-issued notes.
        let pipelined = Set(r.truth.anomalies.filter { $0.kind == AnomalyKind.usedBeforeIssued.name }.compactMap(\.id))
        #expect(pipelined.count == 1)
        let id = try #require(pipelined.first)
        #expect(r.truth.released.contains(id))
        // On the wire: cm …BytesIO, ri P<id> and _d P<id> came in one frame, before the reply issuing the id.
        let cm = try #require(requests.first {
            if case .call(_, "BytesIO", _, _) = $0.request { return true } else { return false }
        })
        let ri = try #require(requests.first { $0.command == "ri" })
        let release = try #require(requests.first { $0.index > cm.index && $0.command == "_d" })
        #expect(cm.firstFrame == ri.firstFrame && ri.frame == release.frame)
        let birthReply = try #require(r.messages.first { $0.replyTo == cm.index })
        #expect(birthReply.firstFrame > release.frame)
        #expect(release.outstanding >= 2)
        // The ri is flagged pipelined by the dissector; a _d is left to the lifecycle (a finaliser's).
        #expect(ri.anomalies.contains { $0.is(.pipelined) })

        let record = try #require(r.report.records.first { $0.id == id })
        #expect(record.fate == .released)
        #expect(record.release?.answered == true)
        #expect(record.birth?.frame == birthReply.frame)
        #expect(!record.bornBeforeCapture)
        let about = r.report.anomalies.filter { $0.proxy == id }
        #expect(about.map(\.kind).sorted() == r.truth.anomalies.filter { $0.id == id }.map(\.kind).sorted())
        #expect(about.allSatisfy { $0.severity <= .note }, "\(about)")
        #expect(!r.report.anomalies.contains { $0.is(.leaked) && $0.proxy == id })
        #expect(!r.report.anomalies.contains { $0.is(.registryMismatch) })
        let c = try #require(r.report.connections.first)
        #expect(c.released.first { $0.id == id }?.processedByServer == true)
        #expect(!c.leakedAtEnd.contains(id))
        #expect(c.registrySnapshots.count == 2 && c.registrySnapshots.allSatisfy(\.matchesLifecycle))
        #expect(c.leakedAtEnd == r.truth.leaked.sorted())
        let json = try Self.jsonProxies(r.report)
        #expect(json[id]?["fate"] as? String == "released")
        #expect(json[id]?["release_answered"] as? Bool == true)
    }

    @Test func midSessionCaptureSettlesBirthsBeforeItFromTheRegistryDump() throws {
        let r = try Self.run("mid-session")
        // The capture starts inside the session: no SYN, no handshake.
        #expect(r.streams.count == 1 && r.streams.allSatisfy(\.startedMidStream))
        #expect(!r.messages.contains { $0.command == "ver" })
        #expect(r.messages.filter { $0.direction == .clientToServer && $0.kind == .request }.count == r.truth.requests)
        let before = Set(r.truth.proxies.filter { $0.born_before_capture == true }.map(\.id))
        let leakedBefore = before.intersection(r.truth.leaked)
        let releasedBefore = before.intersection(r.truth.released)
        #expect(!leakedBefore.isEmpty && !releasedBefore.isEmpty)
        #expect(r.truth.proxies.contains { $0.born_before_capture != true && $0.fate == "leaked" })
        #expect(r.truth.proxies.contains { $0.born_before_capture != true && $0.fate == "released" })

        #expect(r.report.records.map(\.id).sorted() == r.truth.proxies.map(\.id).sorted())
        for p in r.truth.proxies {
            let rec = try #require(r.report.records.first { $0.id == p.id })
            #expect(rec.fate.rawValue == p.fate, "P\(p.id)")
            #expect(rec.bornBeforeCapture == (p.born_before_capture ?? false), "P\(p.id)")
            #expect((rec.birth == nil) == (p.born_before_capture ?? false), "P\(p.id)")
        }
        #expect(!r.report.anomalies.contains { $0.is(.registryMismatch) })
        #expect(!r.report.anomalies.contains { $0.is(.unknownID) })
        #expect(Set(r.report.anomalies.filter { $0.is(.leaked) }.compactMap(\.proxy)) == Set(r.truth.leaked))
        let c = try #require(r.report.connections.first)
        #expect(c.leakedAtEnd == r.truth.leaked.sorted())
        #expect(c.registrySnapshots.last.map { Set($0.ids) } == Set(r.truth.leaked))
        // msgdissect leaks --json: born_before_capture exactly where the truth has it.
        let json = try Self.jsonProxies(r.report)
        for p in r.truth.proxies {
            #expect(json[p.id]?["fate"] as? String == p.fate, "P\(p.id)")
            #expect((json[p.id]?["born_before_capture"] as? Bool) == p.born_before_capture, "P\(p.id)")
        }
        // The text as written: one proxy per line, the flag literally there.
        let lines = r.report.json().split(separator: "\n")
        for p in r.truth.proxies {
            let line = lines.first { $0.hasPrefix("{\"id\":\(p.id),") }
            #expect(line?.contains("\"born_before_capture\":true") == (p.born_before_capture == true), "P\(p.id)")
        }
        #expect(r.report.text().contains("born before the capture began"))
    }
}
