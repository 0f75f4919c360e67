import MessagePack
import URPC

/// The objects inside one message: where each starts and ends and what its header is. Used by the
/// structure-aware mutations (a lie in a 32-bit length or count, deeper nesting, a swapped value).
struct MessageStructure {
    struct Span { var start: Int; var end: Int; var header: WireHeader }
    var spans: [Span] = []

    /// Spans of every object in `bytes` (stops at the first unreadable header).
    init(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { p in
            var scanner = ObjectScanner()
            // Spans of the open containers, innermost last: a container ends where the next
            // header outside it starts, or where its object ends.
            var open: [Int] = []
            func close(downTo depth: Int, at end: Int) {
                while open.count > depth { spans[open.removeLast()].end = end }
            }
            var i = 0
            while i < p.count, spans.count < 4096 {
                scanner.reset(at: i)
                walk: while spans.count < 4096 {
                    switch scanner.step(p) {
                    case .header(let h, let at, let depth):
                        close(downTo: depth, at: at)
                        let header = WireHeader(h)
                        if h.isContainer {
                            spans.append(Span(start: at, end: h.items == 0 ? at + h.headerLength : at, header: header))
                            if h.items > 0 { open.append(spans.count - 1) }
                        } else {
                            // A payload cut short (or a length lie) ends at the end of the bytes.
                            spans.append(Span(start: at, end: min(at + h.size, p.count), header: header))
                        }
                    case .complete(let end, _):
                        close(downTo: 0, at: end)
                        i = end
                        break walk
                    case .needsMore(missing: 0):
                        close(downTo: 0, at: p.count)
                        return
                    case .needsMore, .invalid:
                        // Containers still open at a cut or refused header keep end == start.
                        close(downTo: scanner.stack.depth, at: scanner.position)
                        return
                    }
                }
            }
            // Containers left open at the span limit end at the end of the bytes.
            close(downTo: 0, at: p.count)
        }
    }
}

/// The structure-aware message mutations.
enum StructureMutation: String, CaseIterable, Sendable {
    /// A str/bin/ext/array/map header rewritten in its 32-bit form with a huge length or count
    /// (the device's allocation sizes wrap at these, spec §2).
    case lie32
    /// An object wrapped in many one-element arrays (the device's recursive unpacker has no depth limit).
    case deepen
    /// An object replaced by a value of another type (huge ints, floats, odd exts, stray proxies).
    case swapValue

    static let lengthLies: [UInt32] = [0xFFFF_FFFF, 0xFFFF_FFFE, 0xFFFF_FFF0, 0xFFFF_FFF8, 0x8000_0000, 0x7FFF_FFFF, 0x1000_0000]
    static let arrayLies: [UInt32] = [0x3FFF_FFFE, 0x3FFF_FFFF, 0x4000_0000, 0xFFFF_FFFF, 0x8000_0000, 0x1000_0000]
    static let mapLies: [UInt32] = [0x2000_0000, 0x2000_0001, 0x4000_0000, 0xFFFF_FFFF, 0x1000_0000, 0x0800_0000]
    static let depths = [2, 8, 32, 100, 200, 290, 299, 300, 301, 310, 400, 520]
    /// Values swapped in for an object: integer and float edges, stray proxy ids, wrong-size proxy
    /// exts, other ext codes, empty containers and maps with container keys.
    static let swapValues: [[UInt8]] = {
        let proxy = UInt8(bitPattern: ExtCode.proxy), exception = UInt8(bitPattern: ExtCode.exception)
        return [
            [0xd2, 0x7f, 0xff, 0xff, 0xff], [0xd2, 0x80, 0, 0, 0], [0xce, 0xff, 0xff, 0xff, 0xff], [0xcc, 0xc8],
            [0xcb, 0, 0, 0, 0, 0, 0, 0, 0], [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0xc1],
            WireForm.proxy(0xFFFF_FFFF), WireForm.proxy(0), [0xd5, proxy, 0, 1], [0xd4, exception, 0],
            [0xd6, UInt8(bitPattern: ExtCode.console), 0x41, 0x42, 0x43, 0x44], [0xd4, 0xff, 0], [0xc0], [0xc3], [0x90], [0x80], [0xa0], [0xc4, 0x00],
            [0xca, 0x7f, 0xc0, 0, 0], [0xe0], [0xd0, 0xe0], [0x81, 0x90, 0x01], [0x81, 0x80, 0x01],
        ]
    }()

    func apply(_ bytes: inout [UInt8], _ rng: inout SessionRandom) -> Bool {
        let s = MessageStructure(bytes)
        guard !s.spans.isEmpty else { return false }
        switch self {
        case .lie32:
            let candidates = s.spans.filter {
                switch $0.header.kind { case .str, .bin, .ext, .array, .map: return true; default: return false }
            }
            guard let span = candidates.isEmpty ? nil : rng.pick(candidates) else { return false }
            let h = span.header
            var header: [UInt8]
            func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
            switch h.kind {
            case .str: header = [0xdb] + be(rng.pick(Self.lengthLies))
            case .bin: header = [0xc6] + be(rng.pick(Self.lengthLies))
            case .ext(let t): header = [0xc9] + be(rng.pick(Self.lengthLies)) + [UInt8(bitPattern: t)]
            case .array: header = [0xdd] + be(rng.pick(Self.arrayLies))
            case .map: header = [0xdf] + be(rng.pick(Self.mapLies))
            default: return false
            }
            bytes.replaceSubrange(span.start..<(span.start + h.length), with: header)
            return true
        case .deepen:
            let span = rng.pick(s.spans)
            let depth = rng.pick(Self.depths)
            bytes.insert(contentsOf: repeatElement(0x91, count: depth), at: span.start)
            return true
        case .swapValue:
            let span = rng.pick(s.spans)
            let replacement: [UInt8] = rng.pick(Self.swapValues)
            bytes.replaceSubrange(span.start..<max(span.start, span.end), with: replacement)
            return true
        }
    }
}

