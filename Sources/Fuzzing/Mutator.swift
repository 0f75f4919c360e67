/// What a mutator may use besides the input: the seeded generator, the corpus (for splicing) and
/// the dictionary. A mutator's result depends on nothing else, so a seed replays exactly.
package struct MutationContext: Sendable {
    package var random: FuzzRandom
    /// Other inputs to splice from (the engine's corpus).
    package var corpus: [[UInt8]]
    package var dictionary: MutationDictionary
    /// Inputs are cut to this length after mutating.
    package var maxLength: Int

    package init(seed: UInt64, corpus: [[UInt8]] = [], dictionary: MutationDictionary = .urpc, maxLength: Int = 4096) {
        self.random = FuzzRandom(seed: seed)
        self.corpus = corpus
        self.dictionary = dictionary
        self.maxLength = maxLength
    }
}

/// One named mutation. `apply` changes the input in place and returns false when it does not apply
/// (e.g. a map mutation on an input without a map), leaving the input unchanged.
package struct Mutator: Sendable {
    package enum Kind: String, Sendable { case byte, structure }
    package let name: String
    package let kind: Kind
    package let apply: @Sendable (inout [UInt8], inout MutationContext) -> Bool

    package init(_ name: String, _ kind: Kind, _ apply: @escaping @Sendable (inout [UInt8], inout MutationContext) -> Bool) {
        self.name = name
        self.kind = kind
        self.apply = apply
    }
}

/// The mutators by name, as libFuzzer's MutationDispatcher keeps them: findings record the names
/// of the mutations that produced them, and `--mutators` style selection is by name.
package struct MutatorTable: Sendable {
    package let mutators: [Mutator]
    /// Indices of the byte-level and structure-aware mutators.
    package let byteIndices: [Int]
    package let structureIndices: [Int]

    package init(_ mutators: [Mutator]) {
        self.mutators = mutators
        byteIndices = mutators.indices.filter { mutators[$0].kind == .byte }
        structureIndices = mutators.indices.filter { mutators[$0].kind == .structure }
    }

    package static let standard = MutatorTable(ByteMutators.all + StructureMutators.all)

    package func index(named name: String) -> Int? { mutators.firstIndex { $0.name == name } }
    package subscript(name: String) -> Mutator? { index(named: name).map { mutators[$0] } }
    package var names: [String] { mutators.map(\.name) }

    /// Applies one mutator chosen at random (structure-aware with probability 1/`structureOdds`),
    /// falling back to byte mutators when the chosen one does not apply. Returns its index.
    @inline(__always)
    package func mutateOnce(_ input: inout [UInt8], _ ctx: inout MutationContext, structureOdds: Int = 8) -> Int {
        if !structureIndices.isEmpty, ctx.random.oneIn(structureOdds) {
            let i = structureIndices[ctx.random.below(structureIndices.count)]
            if mutators[i].apply(&input, &ctx) { return clamp(i, &input, ctx) }
        }
        for _ in 0..<8 {
            let i = byteIndices[ctx.random.below(byteIndices.count)]
            if mutators[i].apply(&input, &ctx) { return clamp(i, &input, ctx) }
        }
        // Nothing applied (e.g. an empty input and only deleting mutators drawn): insert a byte.
        input.append(ctx.random.byte())
        return byteIndices[0]
    }

    @inline(__always)
    private func clamp(_ i: Int, _ input: inout [UInt8], _ ctx: MutationContext) -> Int {
        if input.count > ctx.maxLength { input.removeLast(input.count - ctx.maxLength) }
        return i
    }
}
