import MessagePack
import MsgscopeTestSupport
import Testing

/// The walk with its table given and a body that may stop it: the items pending at each header
/// are the reference walk's, and a body that stops after some header ends the walk there.
@Suite struct HeaderWalkTests {
    /// Items pending (this one included) at each header of the reference walk.
    static func referencePending(_ p: [UInt8], from start: Int, dialect: Dialect) -> [Int] {
        var out: [Int] = []
        var i = start, remaining = 1
        while remaining > 0 {
            guard case .header(let h) = referenceRead(p, at: i, dialect: dialect) else { return out }
            out.append(remaining)
            remaining += h.items - 1
            i += h.headerLength + h.payloadLength
        }
        return out
    }

    static func check(_ p: [UInt8], from start: Int, dialect: Dialect, stopAfter: Int) {
        let (reference, end) = referenceWalk(p, from: start, dialect: dialect)
        let pending = referencePending(p, from: start, dialect: dialect)
        var seen: [(Int, Int)] = []
        let stopped = p.withUnsafeBufferPointer { q in
            HeaderReader(q).walkObject(from: start, table: HeaderTable.table(dialect)) { h in
                seen.append((h.offset, h.pending))
                return seen.count <= stopAfter
            }
        }
        // The body sees the reference's headers up to where it stops, with the same pending counts.
        let n = min(reference.count, stopAfter + 1)
        #expect(seen.map(\.0) == reference.prefix(n).map(\.1), "\(dialect) \(start) \(p)")
        #expect(seen.map(\.1) == Array(pending.prefix(n)), "\(dialect) \(start) \(p)")
        // Stopped before the object's last header: nil; otherwise the reference's end.
        #expect(stopped == (stopAfter < reference.count ? nil : end), "\(dialect) \(start) \(p)")
    }

    @Test func pendingAndStopAgreeWithTheReference() {
        var r = SplitMix(seed: 0x57a1)
        let pieces: [[UInt8]] = [[0x92], [0x93], [0x81], [0x80], [0x90], [0xdc, 0, 2], [0xde, 0, 1], [0xdd, 0, 0, 0, 1],
                                 [0xa1, 0x61], [0xd9, 1, 0x62], [0xd6, 1, 0, 0, 0, 7], [0xc7, 4, 1, 1, 2, 3, 4],
                                 [0xcb], [0xcf], [0xd3], [0xc1], [0xc0], [0x05], [0xcc, 0x80]]
        var stoppedEarly = 0
        for round in 0..<20_000 {
            var p: [UInt8] = []
            for _ in 0..<Int(r.next() % 14) {
                if round % 3 == 0 {
                    p.append(UInt8(truncatingIfNeeded: r.next()))
                } else {
                    p += pieces[Int(r.next() % UInt64(pieces.count))]
                }
            }
            let start = p.isEmpty || round % 2 == 0 ? 0 : Int(r.next() % UInt64(p.count + 1))
            let stopAfter = Int(r.next() % 8)
            for dialect in Dialect.allCases {
                Self.check(p, from: start, dialect: dialect, stopAfter: stopAfter)
                if stopAfter < referenceWalk(p, from: start, dialect: dialect).headers.count { stoppedEarly += 1 }
            }
        }
        #expect(stoppedEarly > 1_000)
    }
}
