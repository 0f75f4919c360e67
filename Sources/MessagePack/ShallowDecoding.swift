/// One object of any depth decoded only to a depth limit: its extent is found by the scanner
/// without recursion, and containers nested at the limit or deeper are replaced by a placeholder.
/// What an analyzer shows of a message too deep to decode whole (the real client can send one).
package enum ShallowDecoding {
    package enum Result: Equatable {
        /// The object ends at `end`; `depth` is its real nesting depth.
        case complete(value: MessagePackValue, end: Int, depth: Int)
        /// The bytes end inside the object.
        case needsMore
        /// A header at `offset` cannot be read (invalid byte, or a length past `maxObjectSize`).
        case invalid(offset: Int)
    }

    /// Decodes the object at the start of `bytes` to `limit` levels of containers.
    package static func decode(_ bytes: ArraySlice<UInt8>, limit: Int, maxObjectSize: Int = .max,
                               placeholder: MessagePackValue) -> Result {
        let a = Array(bytes)
        return a.withUnsafeBufferPointer { p in
            var scanner = ObjectScanner(maxObjectSize: maxObjectSize)
            scanner.reset(at: 0)
            // Open containers above the limit: items expected (a map's entries twice) and items so far.
            var open: [(isMap: Bool, expected: Int, items: [MessagePackValue])] = []
            var root: MessagePackValue?
            func add(_ v: MessagePackValue) {
                var v = v
                while true {
                    guard !open.isEmpty else { root = v; return }
                    open[open.count - 1].items.append(v)
                    let top = open[open.count - 1]
                    guard top.items.count == top.expected else { return }
                    open.removeLast()
                    v = top.isMap ? .map(pairs(top.items)) : .array(top.items)
                }
            }
            let leaf = Decoder(options: DecodingOptions(dialect: .standard, maxDepth: 1, strictUTF8: false))
            while true {
                switch scanner.step(p) {
                case let .header(h, at, depth):
                    guard depth <= limit else { continue }
                    if h.isContainer {
                        if depth == limit {
                            add(placeholder)
                        } else if h.items == 0 {
                            add(h.kind == .map ? .map([]) : .array([]))
                        } else {
                            open.append((h.kind == .map, h.items, []))
                        }
                    } else if at + h.size <= p.count, let v = try? leaf.decodeValue(a, at: at).value {
                        add(v)
                    } else {
                        return .needsMore
                    }
                case let .complete(end, depth):
                    return root.map { .complete(value: $0, end: end, depth: depth) } ?? .needsMore
                case .needsMore:
                    return .needsMore
                case .invalid(let offset, _):
                    return .invalid(offset: offset)
                }
            }
        }
    }

    private static func pairs(_ items: [MessagePackValue]) -> [(key: MessagePackValue, value: MessagePackValue)] {
        stride(from: 0, to: items.count - 1, by: 2).map { (key: items[$0], value: items[$0 + 1]) }
    }
}
