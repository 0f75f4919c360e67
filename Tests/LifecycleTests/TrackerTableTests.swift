import Capture
import MessagePack
import MsgscopeTestSupport
import Testing
import URPC
@testable import Lifecycle

/// The tracker's per-message data structures keep the behaviour of what they replaced: the id
/// table that of a dictionary, the wire id walk that of `Proxy.ids(inWire:)`, the pending-request
/// ring that of the array it replaced.
@Suite struct TrackerTableTests {
    /// Ids as the wire may give them: small and dense, around the flat bound, huge and sparse.
    static func randomID(_ g: inout SplitMix) -> UInt32 {
        switch Int.random(in: 0..<6, using: &g) {
        case 0: return 0
        case 1, 2: return UInt32.random(in: 0..<300, using: &g)
        case 3: return UInt32.random(in: 4000..<6000, using: &g)
        case 4: return UInt32.max - UInt32.random(in: 0..<3, using: &g)
        default: return UInt32.random(in: 0...UInt32.max, using: &g)
        }
    }

    @Test func idTableAgreesWithADictionary() {
        var g = SplitMix(state: 15)
        for _ in 0..<40 {
            var table = IDTable()
            var model: [UInt32: IDSlot] = [:]
            var touched: Set<UInt32> = [0, 4095, 4096, UInt32.max]
            var held = 0
            for step in 0..<Int.random(in: 1..<600, using: &g) {
                let id = Self.randomID(&g)
                touched.insert(id)
                if Int.random(in: 0..<50, using: &g) == 0 {
                    table.removeAll()
                    model = [:]
                    held = 0
                } else if Int.random(in: 0..<10, using: &g) == 0 {
                    table[id] = nil
                    model[id] = nil
                } else {
                    let slot = IDSlot(record: step, bornFrame: Bool.random(using: &g) ? .max : step, released: Bool.random(using: &g))
                    table[id] = slot
                    model[id] = slot
                }
                #expect(table.count == model.count)
                held = max(held, table.count)
                #expect(table.flatSize <= max(64, IDTable.flatBound(held)))
            }
            for id in touched { #expect(table[id] == model[id], "id \(id)") }
            var seen: [UInt32: IDSlot] = [:]
            table.forEach { id, s in #expect(seen.updateValue(s, forKey: id) == nil) }
            #expect(seen == model)
            #expect(Dictionary(uniqueKeysWithValues: table.records.map { ($0.id, $0.record) }) == model.mapValues(\.record))
        }
    }

    @Test func idTableIsBoundedByTheIdsItHolds() {
        var table = IDTable()
        // Ids far above anything held never size the flat part.
        for k in 0..<50 { table[3_000_000_000 + UInt32(k) * 7] = IDSlot(record: k) }
        table[UInt32.max] = IDSlot(record: 99)
        #expect(table.flatSize == 0)
        // An id just above the bound waits in the dictionary, and moves into the flat part once
        // enough ids are held for the bound to cover it.
        table[5000] = IDSlot(record: 5000)
        #expect(table.flatSize == 0)
        for id in UInt32(1)...300 { table[id] = IDSlot(record: Int(id)) }
        #expect(table.flatSize < 5000)
        table[5200] = IDSlot(record: 5200)
        #expect(table.flatSize > 5000 && table.flatSize <= IDTable.flatBound(table.count))
        #expect(table[5000]?.record == 5000 && table[5200]?.record == 5200 && table[UInt32.max]?.record == 99)
        #expect(table[3_000_000_007]?.record == 1 && table[0] == nil && table[301] == nil && table.count == 353)
        table.removeAll()
        #expect(table.count == 0 && table.flatSize == 0 && table[5000] == nil && table[UInt32.max] == nil)
    }

    /// The ids the tracker's walk (`Proxy.forEachID`) finds, and those of a reference walk that
    /// reads one header at a time with `HeaderReader.read(at:)` (what `Proxy.ids(inWire:)` did
    /// before it moved onto the table walk).
    static func ids(_ bytes: [UInt8]) -> (walk: [UInt32], reference: [UInt32]) {
        var walk: [UInt32] = [], array: [UInt32] = [], reference: [UInt32] = []
        Proxy.forEachID(inWire: bytes[...]) { walk.append($0) }
        Proxy.ids(inWire: bytes[...], into: &array)
        #expect(array == walk)
        bytes.withUnsafeBufferPointer { p in
            let reader = HeaderReader(p)
            var i = 0
            var remaining = 1
            while remaining > 0, case .header(let h) = reader.read(at: i) {
                remaining += h.items - 1
                let payload = i + h.headerLength
                if h.kind == .ext, h.extType == ExtCode.proxy, h.length == 4, payload + 4 <= p.count {
                    reference.append(UInt32(p[payload]) << 24 | UInt32(p[payload + 1]) << 16
                                     | UInt32(p[payload + 2]) << 8 | UInt32(p[payload + 3]))
                }
                i = payload + h.payloadLength
            }
        }
        return (walk, reference)
    }

    @Test func wireWalkFindsWhatProxyIdsInWireFinds() {
        var g = SplitMix(state: 7)
        // Bytes that are mostly headers: proxy exts in every form, containers, cut-short headers.
        let pieces: [[UInt8]] = [
            [0xd6, 0x01, 0, 0, 0, 5], [0xc7, 0x04, 0x01, 0, 0, 1, 2], [0xc8, 0x00, 0x04, 0x01, 9, 9, 9, 9],
            [0xc9, 0, 0, 0, 4, 1, 0xff, 0xff, 0xff, 0xff], [0xd6, 0x02, 1, 2, 3, 4], [0xc7, 0x05, 0x01, 1, 2, 3, 4, 5],
            [0x92], [0x95], [0x81], [0xdc, 0, 3], [0xde, 0, 1], [0xdd, 0, 0, 0, 2], [0xdf, 0, 0, 0, 1],
            [0xa2, 0x63, 0x6d], [0xd9, 2, 0xd6, 0x01], [0xc4, 1, 0xd6], [0xc1], [0xcd, 1], [0xd3],
            [0x05], [0xe0], [0xc0], [0xd4, 1, 0], [0xd8, 1], [0xcb, 0, 0, 0, 0, 0, 0, 0, 0], [0x01], [0x04],
        ]
        var decoded = 0
        for _ in 0..<30000 {
            var b: [UInt8] = []
            for _ in 0..<Int.random(in: 0..<8, using: &g) {
                if Int.random(in: 0..<4, using: &g) == 0 {
                    b.append(UInt8.random(in: 0...255, using: &g))
                } else {
                    b += pieces.randomElement(using: &g)!
                }
            }
            if !b.isEmpty, Bool.random(using: &g) { b.removeLast(Int.random(in: 0...min(3, b.count), using: &g)) }
            let (walk, reference) = Self.ids(b)
            #expect(walk == reference, "\(b)")
            if let f = b.first, !Proxy.mayCarryID(firstByte: f) { #expect(reference.isEmpty) }
            // Where the bytes decode, the ids of the value.
            if let v = try? Decoder().decodeValue(b).value {
                var expected: [UInt32] = []
                Proxy.ids(in: v, into: &expected)
                #expect(walk == expected, "\(b)")
                decoded += 1
            }
        }
        // Enough of the hostile strings decode for the value comparison to count.
        #expect(decoded > 3000)
    }

    @Test func wireWalkReadsEncodedRequestsAndReplies() throws {
        var g = SplitMix(state: 3)
        func value(_ depth: Int) -> MessagePackValue {
            switch Int.random(in: 0..<(depth > 3 ? 5 : 8), using: &g) {
            case 0: return .int(Int64.random(in: -70000...70000, using: &g))
            case 1: return .string(String(repeating: "x", count: Int.random(in: 0..<40, using: &g)))
            case 2: return .binary(ArraySlice(Proxy.idBytes(UInt32.random(in: 0...UInt32.max, using: &g))))
            case 3, 4: return Proxy.value(UInt32.random(in: 0...UInt32.max, using: &g))
            case 5: return .array((0..<Int.random(in: 0..<20, using: &g)).map { _ in value(depth + 1) })
            case 6: return .map((0..<Int.random(in: 0..<4, using: &g)).map { _ in (key: value(depth + 1), value: value(depth + 1)) })
            default: return .ext(type: 3, data: ArraySlice(repeating: 0xd6, count: Int.random(in: 0..<300, using: &g)))
            }
        }
        for _ in 0..<3000 {
            let v = value(0)
            let bytes = try Encoder().encode(v)
            var expected: [UInt32] = []
            Proxy.ids(in: v, into: &expected)
            let (walk, reference) = Self.ids(bytes)
            #expect(walk == reference && walk == expected)
        }
    }

    /// The ring against the array it replaced: entries (n, request) from a head, answered ones
    /// dropped, `pending(n)` only for the oldest entry.
    @Test func pendingRingAgreesWithAnArray() {
        var g = SplitMix(state: 11)
        for _ in 0..<30 {
            let ring = PendingRequests(capacity: Int.random(in: 1..<4, using: &g))
            var model: [(n: Int, request: Request)] = []
            var head = 0
            var n = 0
            for _ in 0..<Int.random(in: 1..<400, using: &g) {
                switch Int.random(in: 0..<3, using: &g) {
                case 0:
                    n += Int.random(in: 1..<3, using: &g)
                    let req = Request.importModule("m\(n)")
                    let m = Message(index: n, frame: n, firstFrame: n, time: Timestamp(seconds: 0, nanoseconds: 0), stream: 0,
                                    direction: .clientToServer, kind: .request, part: .request, streamRange: 0..<1, node: nil,
                                    raw: nil, request: req, replyTo: nil, replyToFrame: nil, command: "im", latency: nil,
                                    outstanding: 0, anomalies: [])
                    ring.append(n, m.requestSource)
                    model.append((n, req))
                default:
                    let r = Int.random(in: max(0, n - 6)...(n + 1), using: &g)
                    ring.dropAnswered(before: r)
                    while head < model.count, model[head].n < r { head += 1 }
                    let expected = head < model.count && model[head].n == r ? model[head].request : nil
                    #expect(ring.pending(r) == expected)
                    #expect(ring.count == model.count - head)
                }
            }
        }
    }
}
