import MessagePack

/// One request's headers walked the way the device reader reads them: one read call for each
/// first byte, one for the rest of its header, one for its payload. No value is built and there is
/// no recursion, so any depth is safe, and the walk resumes where it stopped when more bytes
/// arrive. Used on the reader's error paths only: a request the stream decoder refused (64-bit
/// types, a depth beyond its limit, a length beyond the object size) or one cut off by a timeout.
struct RequestWalk {
    enum Outcome: Equatable {
        /// The whole object is there: `end` bytes.
        case complete(end: Int)
        /// It stops inside; `midRead` when part of the current read call has arrived.
        case incomplete(midRead: Bool)
        /// A length or count the device cannot allocate; its header ends at `headerEnd`.
        case tooLarge(headerEnd: Int, allocation: UInt64)
        /// `c1`, never used: refused where it stands.
        case invalid(offset: Int)
        /// Nesting beyond `depthCap` (the host's C stack would not hold it either).
        case tooDeep(offset: Int)
    }

    static let depthCap = 1 << 20

    let maxObjectSize: Int
    /// A `cb`, `cf` or `d3` was read.
    private(set) var has64Bit = false
    /// The deepest nesting read so far (the top-level container is depth 1).
    private(set) var depth = 0
    private var pos = 0
    /// Items left in each open container.
    private var remaining: [Int] = []
    /// Where the payload being read ends (`pos` is its start).
    private var payloadEnd: Int?
    private var firstItem = -1
    private var commandRange: Range<Int>?

    init(maxObjectSize: Int) { self.maxObjectSize = maxObjectSize }

    /// Walks on over `bytes`, the request from its first byte (the same bytes as before, and more).
    mutating func advance(_ bytes: ArraySlice<UInt8>) -> Outcome {
        let base = bytes.startIndex, n = bytes.count
        func be(_ from: Int, _ count: Int) -> Int {
            var v = 0
            for k in 0..<count { v = v << 8 | Int(bytes[base + from + k]) }
            return v
        }
        while true {
            if let end = payloadEnd {
                guard n >= end else { return .incomplete(midRead: n > pos) }
                pos = end
                payloadEnd = nil
                if completeItem() { return .complete(end: pos) }
                continue
            }
            guard pos < n else { return .incomplete(midRead: false) }
            let start = pos, b = bytes[base + pos]
            let hl = Format.headerLength(firstByte: b)
            guard pos + hl <= n else { return .incomplete(midRead: n > pos + 1) }
            pos += hl
            var payload = 0, items = 0, isContainer = false, isMap = false
            switch b {
            case 0xc1: return .invalid(offset: start)
            case 0xcb, 0xcf, 0xd3: has64Bit = true
            case 0x80...0x8f: items = Int(b & 0x0f); isContainer = true; isMap = true
            case 0x90...0x9f: items = Int(b & 0x0f); isContainer = true
            case 0xa0...0xbf: payload = Int(b & 0x1f)
            case 0xc4...0xc6, 0xd9...0xdb: payload = be(start + 1, hl - 1)
            case 0xc7...0xc9: payload = be(start + 1, hl - 2)
            case 0xd4...0xd8: payload = 1 << Int(b - 0xd4)
            case 0xdc, 0xdd: items = be(start + 1, hl - 1); isContainer = true
            case 0xde, 0xdf: items = be(start + 1, hl - 1); isContainer = true; isMap = true
            default: break   // fixed-size values: the header holds them
            }
            if start == firstItem, (0xa0...0xbf).contains(b) || b == 0xd9 { commandRange = pos..<(pos + payload) }
            if payload > maxObjectSize - pos { return .tooLarge(headerEnd: pos, allocation: UInt64(payload) + 1) }
            if isContainer {
                let count = isMap ? 2 * items : items
                if count > maxObjectSize - pos {
                    // A dict of n slots takes 8n bytes, a tuple 4n + 8 (sizes of the 32-bit device).
                    let size = isMap ? UInt64(items) * 8 & 0xffff_ffff : UInt64(items) * 4 + 8
                    return .tooLarge(headerEnd: pos, allocation: size == 0 ? UInt64(items) * 8 : size)
                }
                if count > 0 {
                    if start == 0, !isMap { firstItem = pos }
                    remaining.append(count)
                    depth = max(depth, remaining.count)
                    if remaining.count > Self.depthCap { return .tooDeep(offset: start) }
                    continue
                }
            } else if payload > 0 {
                payloadEnd = pos + payload
                continue
            }
            if completeItem() { return .complete(end: pos) }
        }
    }

    /// The request's command: its first element, when that is a str.
    func command(in bytes: ArraySlice<UInt8>) -> String? {
        guard let r = commandRange, r.upperBound <= bytes.count else { return nil }
        return String(decoding: bytes[(bytes.startIndex + r.lowerBound)..<(bytes.startIndex + r.upperBound)], as: UTF8.self)
    }

    /// Marks one item complete, closing the containers it completes; true when the top-level
    /// object is complete.
    private mutating func completeItem() -> Bool {
        while let left = remaining.popLast() {
            if left > 1 { remaining.append(left - 1); return false }
        }
        return true
    }
}
