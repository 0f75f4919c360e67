import Capture
import Foundation
import Lifecycle
import MessagePack
import Testing
import URPC

/// Ids the flat table holds (small, dense) and ids it leaves to its dictionary (huge) are tracked
/// the same: a session whose ids are all moved above the flat range, keeping their order, gives
/// the same report once the ids are named back. The session has id 0, a jump past the flat
/// bound, a release before the birth it names, a use before its birth, a use after release, a
/// double release, an unknown id, registry dumps and a server restart (ids issued again).
@Suite struct IDRangeTests {
    /// Far above the flat range, and below 2^30 (the device dialect packs registry keys as ints within ±2^30).
    static let shift: UInt32 = 0x2000_0000

    static func session(_ f: (UInt32) -> UInt32) -> Session {
        var s = Session()
        func p(_ id: UInt32) -> MessagePackValue { Session.proxy(f(id)) }
        s.ver()
        s.call(["im", "m"], p(0))
        for id in UInt32(1)...40 { s.call(["cm", p(0), "make", [], .map([])], p(id)) }
        for id in UInt32(1)...40 where id % 3 == 0 { s.call(Session.release(f(id)), .nil) }
        // Pipelined: a use and a release of id 41 before the reply that issues it.
        s.send(["cm", p(0), "make", [], .map([])])
        s.send(["gp", p(41), "name"])
        s.send(Session.release(f(41)))
        s.reply(p(41))
        s.reply("n")
        s.reply(.nil)
        s.call(["cm", p(2), "tick", [], .map([])], .nil)
        s.call(["cm", p(3), "tick", [], .map([])], .nil)       // after its release
        s.call(Session.release(f(3)), .nil)                      // released again
        s.call(["gp", p(9999), "x"], .nil)                       // never issued
        s.call(["re"], .map([(key: .int(Int64(f(0))), value: "m"), (key: .int(Int64(f(1))), value: "o")]))
        // Ids jump past the flat bound (and one reply issues one twice).
        s.call(["cm", p(0), "make", [], .map([])], .array([p(5000), p(5000), .map([(key: .string("k"), value: p(70000))])]))
        s.call(["eq", p(5000), p(70000)], .bool(false))
        // The server restarts: id 1 is issued again; 2 is a proxy of the old session.
        s.call(["im", "m"], p(1))
        s.call(["cm", p(2), "tick", [], .map([])], .nil)
        s.call(Session.release(f(4)), .nil)
        s.call(["cm", p(1), "make", [], .map([])], p(2))
        s.call(["cm", p(2), "tick", [], .map([])], .nil)
        return s
    }

    /// `P<id>` named back from the shifted ids.
    static func unshift(_ s: String) -> String {
        var out = ""
        var rest = Substring(s)
        while let r = rest.firstMatch(of: /P(\d+)/) {
            out += rest[..<r.range.lowerBound]
            let id = UInt32(r.output.1)!
            out += "P\(id >= shift ? id - shift : id)"
            rest = rest[r.range.upperBound...]
        }
        return out + rest
    }

    static func report(_ s: Session, keepsHistory: Bool) -> LeakReport {
        let d = Dissector(options: DissectorOptions(serverPort: 7000))
        let t = ProxyTracker(keepsHistory: keepsHistory)
        for seg in s.segments { t.observe(d.consume(seg)) }
        t.observe(d.finish())
        t.describe(d.streamInfos)
        return t.finish()
    }

    @Test(arguments: [false, true])
    func hugeIdsAreTrackedLikeSmallOnes(keepsHistory: Bool) {
        let small = Self.report(Self.session { $0 }, keepsHistory: keepsHistory)
        let huge = Self.report(Self.session { $0 + Self.shift }, keepsHistory: keepsHistory)
        #expect(Self.unshift(huge.text()) == small.text())
        #expect(huge.anomalies.map { Self.unshift($0.detail) } == small.anomalies.map(\.detail))
        #expect(huge.records.count == small.records.count)
        for (h, s) in zip(huge.records, small.records) {
            #expect(h.id == s.id + Self.shift)
            #expect(h.epoch == s.epoch && h.fate == s.fate && h.useCount == s.useCount && h.uses.count == s.uses.count)
            #expect(h.birth?.frame == s.birth?.frame && h.release == s.release && h.extraReleases == s.extraReleases)
            #expect(h.firstUse == s.firstUse && h.lastUse == s.lastUse && h.birth?.path == s.birth?.path)
            #expect(h.birth.map { Self.unshift($0.creator) } == s.birth?.creator)
        }
        // The session exercises what it says it does.
        let kinds = Set(small.anomalies.map(\.kind))
        for k in ["id-restart", "use-after-release", "double-release", "unknown-id", "used-before-issued", "registry-mismatch"] {
            #expect(kinds.contains(k), "\(k) in \(kinds.sorted())")
        }
        #expect(small.records.contains { $0.id == 0 && $0.birth != nil })
        #expect(small.records.contains { $0.id == 70000 && $0.birth?.path == "[2]{0}" })
    }
}
