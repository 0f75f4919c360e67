import Foundation
import Lifecycle
import MessagePack
import MsgscopeTestSupport
import Testing
import URPC

/// Random sessions (valid and broken traffic, restarts, releases at any boundary, random splits):
/// the tracker never crashes and its facts stay consistent with each other.
@Suite struct RandomSessionTests {
    /// The shared splitmix64 generator (reproducible), with a bounded draw.
    struct Rng {
        var mix: SplitMix
        init(state: UInt64) { mix = SplitMix(state: state) }
        mutating func next() -> UInt64 { mix.next() }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    @Test(arguments: 1...12)
    func randomSessionsStayConsistent(seed: Int) throws {
        var rng = Rng(state: UInt64(seed) &* 7919)
        var s = Session()
        var nextID: UInt32 = 1
        for _ in 0..<(40 + rng.below(80)) {
            let id = UInt32(1 + rng.below(Int(nextID) + 2))
            switch rng.below(11) {
            case 0: s.ver()
            case 1, 2:
                s.cm(id, "make", returns: .array([Session.proxy(nextID), 5, Session.proxy(nextID + 1)]))
                nextID += 2
            case 3: s.im("m", nextID); nextID += 1
            case 4: s.drop(id)
            case 5: s.send(Session.release(id))   // unanswered, or overtaking the next reply
            case 6: s.re((1..<nextID).filter { _ in rng.below(3) > 0 })
            case 7: s.call(["eq", Session.proxy(id), Session.proxy(id)], true)
            case 8:
                nextID = 1   // server reboot
                s.ver()
            case 9:
                // A reply split around a client release.
                s.send(["gp", Session.proxy(id), "x"])
                let b = try Encoder(dialect: .device).encode(Session.proxy(nextID))
                nextID += 1
                s.bytes([b[0]], clientToServer: false)
                s.send(Session.release(UInt32(1 + rng.below(Int(nextID)))))
                s.bytes(Array(b[1...]), clientToServer: false)
                s.reply(.nil)
            default:
                // Garbage on either side.
                s.bytes((0..<(1 + rng.below(6))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, clientToServer: rng.below(2) == 0)
            }
        }
        let (r, _) = track(s.segments)
        for rec in r.records {
            switch rec.fate {
            case .released: #expect(rec.release?.answered == true && rec.birth != nil)
            case .leaked: #expect(rec.birth != nil && rec.release?.answered != true)
            case .lostInRestart: #expect(rec.birth != nil)
            case .unknown: #expect(rec.birth == nil)
            }
        }
        for c in r.connections {
            let born = Set(c.born.map(\.id))
            #expect(Set(c.leakedAtEnd).isSubset(of: born))
            #expect(Set(c.released.map(\.id)).isSubset(of: born))
            #expect(c.unknownIDs.allSatisfy { id in r.records.contains { $0.id == id && $0.birth == nil } })
            #expect(c.leakedAtEnd == c.leakedAtEnd.sorted())
        }
        #expect(r.anomalies.filter { $0.kind == "leaked" }.count == r.summary.leaked)
        #expect(r.anomalies.allSatisfy { AnomalyRegistry.kind(named: $0.kind)?.group == .lifecycle })
        #expect(try parseJSON(r.json()) is [String: Any])
        #expect(r.text().contains("SUMMARY: "))
        #expect(r.html().hasSuffix("</html>\n"))
    }
}
