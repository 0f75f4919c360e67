/// Mutates a generated session on three levels: the sequence (drop, duplicate, reorder, stray or
/// stale ids, a restart first), the message (structure-aware lies and nesting, swapped values,
/// byte edits in the device dialect) and the transport (a message split over several writes with
/// gaps, garbage between messages; coalescing is the default: one write per case).
package struct CaseMutator: Sendable {
    /// One session operation: changes the case in place and returns the name of what it applied
    /// (the engine mutator's name for a byte edit), nil when it does not apply.
    package typealias Operation = @Sendable (inout FuzzCase, ProtocolModel, inout MutationContext) -> String?

    /// The session operations by name, with relative weights (the structure-aware ones are what
    /// finds the device's crashes), drawn by the engine's weighted picker.
    package static let operations = WeightedTable<Operation>(Kind.allCases.map { k in
        (k.rawValue, k.weight, { c, model, ctx in op(k, &c, model, &ctx) })
    })

    /// Percentage of cases sent as generated (keeps the state machine exercised).
    package var unmutatedPercent = 10
    package init() {}

    /// Mutates `c` in place; returns the operations applied.
    @discardableResult
    package func mutate(_ c: inout FuzzCase, model: ProtocolModel, _ ctx: inout MutationContext) -> [String] {
        if ctx.random.below(100) < unmutatedPercent { return [] }
        var names: [String] = []
        let n = 1 + ctx.random.below(3)
        for _ in 0..<n {
            let i = Self.operations.pick(&ctx.random)
            if let name = Self.operations.entries[i](&c, model, &ctx) { names.append(name) }
        }
        return names
    }

    enum Kind: String, CaseIterable {
        case drop, duplicate, reorder, strayID, restart
        case lie32, deepen, swapValue, byteEdit
        case split, garbage

        var weight: Int {
            switch self {
            case .drop: return 8
            case .duplicate, .reorder, .strayID: return 6
            case .restart: return 1
            case .lie32: return 12
            case .deepen: return 8
            case .swapValue: return 10
            case .byteEdit: return 16
            case .split: return 3
            case .garbage: return 4
            }
        }
    }

    private static func op(_ op: Kind, _ c: inout FuzzCase, _ model: ProtocolModel, _ ctx: inout MutationContext) -> String? {
        var name = op.rawValue
        guard applyOperation(op, &c, model: model, &ctx, name: &name) else { return nil }
        return name
    }

    private static func applyOperation(_ op: Kind, _ c: inout FuzzCase, model: ProtocolModel, _ ctx: inout MutationContext,
                                name: inout String) -> Bool {
        let requests = c.messages.indices.filter { !c.messages[$0].isGarbage }
        switch op {
        case .drop:
            guard c.messages.count > 1 else { return false }
            c.messages.remove(at: ctx.random.below(c.messages.count))
        case .duplicate:
            guard !c.messages.isEmpty else { return false }
            let i = ctx.random.below(c.messages.count)
            c.messages.insert(c.messages[i], at: i + ctx.random.below(c.messages.count - i + 1))
        case .reorder:
            guard c.messages.count > 1 else { return false }
            c.messages.swapAt(ctx.random.below(c.messages.count), ctx.random.below(c.messages.count))
        case .strayID:
            c.messages.insert(FuzzCase.Message(bytes: model.strayUse(&ctx.random)), at: ctx.random.below(c.messages.count + 1))
        case .restart:
            c.restartFirst = true
        case .lie32, .deepen, .swapValue, .byteEdit:
            guard let i = requests.isEmpty ? nil : ctx.random.pick(requests), c.messages[i].bytes.count < 8192 else { return false }
            var b = c.messages[i].bytes
            let ok: Bool
            switch op {
            case .lie32: ok = StructureMutation.lie32.apply(&b, &ctx.random)
            case .deepen: ok = StructureMutation.deepen.apply(&b, &ctx.random)
            case .swapValue: ok = StructureMutation.swapValue.apply(&b, &ctx.random)
            default:
                // The engine's mutators (byte-level and MessagePack structure-aware), by name.
                let i = MutatorTable.standard.mutateOnce(&b, &ctx)
                name = MutatorTable.standard.mutators[i].name
                ok = true
            }
            // Complete what the mutation cut short, so it cannot swallow the probe.
            guard ok, !b.isEmpty, let fixed = Framing.repaired(b) else { return false }
            c.messages[i].bytes = fixed
            c.messages[i].splits = []
        case .split:
            guard let i = requests.isEmpty ? nil : ctx.random.pick(requests), c.messages[i].bytes.count > 1 else { return false }
            let count = c.messages[i].bytes.count
            let k = 1 + ctx.random.below(min(3, count - 1))
            c.messages[i].splits = Array(Set((0..<k).map { _ in 1 + ctx.random.below(count - 1) })).sorted()
            c.gapMicros = ctx.random.pick([0, 50, 200, 1000])
        case .garbage:
            let junk: [UInt8] = ctx.random.pick([
                [0xc1], [0xc1, 0xc1, 0xc1], Array("hello\r\n".utf8), [0xcb, 0, 0, 0, 0, 0, 0, 0, 0],
                [0x00], [0xff], [0xc0], [0xd4, 0x03, 0x41], [0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xc0],
            ])
            c.messages.insert(FuzzCase.Message(bytes: junk, isGarbage: true), at: ctx.random.below(c.messages.count + 1))
        }
        return true
    }
}
