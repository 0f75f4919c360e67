import URPC

/// How msgfuzz, playing the server, lies to a client: each mutation turns the honest reply to one
/// request into what a broken or hostile server might send.
package enum ReplyMutation: String, CaseIterable, Sendable {
    /// Proxy ids the client never saw: 0, huge, or the ext with the wrong payload size.
    // Deliberately alike: a named table of cases with stable raw names, like every table of names.
    case oddProxyID = "odd-proxy-id"
    /// A str/bin/ext/array/map header that claims far more than follows (spec §2 values),
    /// usually followed by tens to thousands of bytes of filler.
    case lengthLie = "length-lie"
    /// Console output (`ExtType(3)`) before the reply: many small ones or one huge one.
    case consoleFlood = "console-flood"
    /// Raw bytes where MessagePack is expected (the published server's ASCII traceback).
    case rawBytes = "raw-bytes"
    /// A reply to nothing: an extra object before the real reply.
    case replyToNothing = "reply-to-nothing"
    /// Deeply nested arrays around the reply.
    case deepNesting = "deep-nesting"
    /// The engine's byte and structure mutators on the reply bytes.
    case engine

    var weight: Int {
        switch self {
        case .oddProxyID, .lengthLie: return 3
        case .consoleFlood, .rawBytes, .replyToNothing: return 2
        case .deepNesting: return 1
        case .engine: return 4
        }
    }

    /// One reply operation: the mutated reply from the honest one (possibly empty).
    package typealias Operation = @Sendable ([UInt8], inout MutationContext) -> [UInt8]

    /// The reply operations by name, with relative weights, drawn by the engine's weighted picker.
    package static let operations = WeightedTable<Operation>(allCases.map { m in
        (m.rawValue, m.weight, { honest, ctx in m.apply(honest, &ctx) })
    })

    /// The mutated reply (`honest` is the server's reply to the request, possibly empty).
    func apply(_ honest: [UInt8], _ ctx: inout MutationContext) -> [UInt8] {
        var b = honest
        switch self {
        case .oddProxyID:
            let id: [UInt8] = ctx.random.pick([[0, 0, 0, 0], [0xff, 0xff, 0xff, 0xff], [0x7f, 0xff, 0xff, 0xff], [0x80, 0, 0, 0]])
            var i = 0, changed = false
            while i + 6 <= b.count {
                if b[i...].starts(with: WireForm.proxyHeader) { b.replaceSubrange((i + 2)..<(i + 6), with: id); changed = true; i += 6 } else { i += 1 }
            }
            if !changed {
                let p = UInt8(bitPattern: ExtCode.proxy)
                b = ctx.random.pick([WireForm.proxyHeader + id, [0xd5, p, 0x00, 0x01], [0xc7, 0x05, p, 1, 2, 3, 4, 5], [0xd4, p, 0x07],
                                     [0x92] + WireForm.proxyHeader + id + WireForm.nilReply])
            }
        case .lengthLie:
            // Half the lies rewrite a header of the honest reply; the rest (and replies without a
            // str/bin/ext/array/map) are one of the spec §2 headers, so that every fatal class,
            // map32 and bin32 included, is drawn often whatever the honest replies hold.
            if ctx.random.chance(50) || !StructureMutation.lie32.apply(&b, &ctx.random) {
                b = ctx.random.pick([[0xdb, 0xff, 0xff, 0xff, 0xff], [0xc6, 0xff, 0xff, 0xff, 0xf0], [0xdd, 0x40, 0, 0, 0], [0xdf, 0x20, 0, 0, 0],
                                     [0xc9, 0xff, 0xff, 0xff, 0xff, UInt8(bitPattern: ExtCode.console)], [0xda, 0x10, 0x00, 0x41],
                                     [0xdd, 0x3f, 0xff, 0xff, 0xfe], [0xdd, 0x7f, 0xff, 0xff, 0xff]])
            }
            // The filler a wrapped allocation size overruns (spec §2: a few hundred bytes after
            // the header): without it a decoder only waits or reads short.
            if ctx.random.below(4) != 0 {
                let n = ctx.random.pick([16, 64, 300, 600, 2000, 5000])
                b += ctx.random.chance(50) ? Array(repeating: 0x41, count: n) : Array(repeating: 0xc0, count: n)
            }
        case .consoleFlood:
            var out: [UInt8] = []
            if ctx.random.chance(50) {
                let n = ctx.random.pick([100, 1000, 10_000])
                for _ in 0..<n { out += [0xc7, 0x06, UInt8(bitPattern: ExtCode.console)] + Array("hello\n".utf8) }
            } else {
                let n = ctx.random.pick([70_000, 1 << 20])
                out += [0xc9] + StructureMutators.be(UInt64(n), 4) + [UInt8(bitPattern: ExtCode.console)]
                out += repeatElement(0x41, count: n)
            }
            b = out + b
        case .rawBytes:
            b = ctx.random.pick([
                Array("Traceback (most recent call last):\n  File \"urpc_server/async_server.py\", line 45\nAttributeError: foo\n".utf8),
                [0xc1, 0xc1, 0xc1], [0xcb] + b,
                (0..<64).map { _ in ctx.random.byte() },
            ])
        case .replyToNothing:
            b = ctx.random.pick([WireForm.nilReply, WireForm.versionReply, WireForm.proxy(1), [0x05]]) + b
        case .deepNesting:
            let depth = ctx.random.pick([100, 300, 1000, 5000])
            b = Array(repeating: 0x91, count: depth) + (b.isEmpty ? [0xc0] : b)
        case .engine:
            if b.isEmpty { b = [0xc0] }
            _ = MutatorTable.standard.mutateOnce(&b, &ctx)
        }
        return b
    }
}
