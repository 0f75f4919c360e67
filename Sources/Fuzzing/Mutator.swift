/// What a mutator may use besides the input: the seeded generator, the corpus (for splicing) and
/// the dictionary. A mutator's result depends on nothing else, so a seed replays exactly.
public struct MutationContext: Sendable {
    public var random: FuzzRandom
    /// Other inputs to splice from (the engine's corpus).
    public var corpus: [[UInt8]]
    public var dictionary: MutationDictionary
    /// Inputs are cut to this length after mutating.
    public var maxLength: Int

    public init(seed: UInt64, corpus: [[UInt8]] = [], dictionary: MutationDictionary = .urpc, maxLength: Int = 4096) {
        self.random = FuzzRandom(seed: seed)
        self.corpus = corpus
        self.dictionary = dictionary
        self.maxLength = maxLength
    }
}

/// One named mutation. `apply` changes the input in place and returns false when it does not apply
/// (e.g. a map mutation on an input without a map), leaving the input unchanged.
public struct Mutator: Sendable {
    public enum Kind: String, Sendable { case byte, structure }
    public let name: String
    public let kind: Kind
    public let apply: @Sendable (inout [UInt8], inout MutationContext) -> Bool

    public init(_ name: String, _ kind: Kind, _ apply: @escaping @Sendable (inout [UInt8], inout MutationContext) -> Bool) {
        self.name = name
        self.kind = kind
        self.apply = apply
    }
}

/// The mutators by name, as libFuzzer's MutationDispatcher keeps them: findings record the names
/// of the mutations that produced them, and `--mutators` style selection is by name.
public struct MutatorTable: Sendable {
    public let mutators: [Mutator]
    /// Indices of the byte-level and structure-aware mutators.
    public let byteIndices: [Int]
    public let structureIndices: [Int]

    public init(_ mutators: [Mutator]) {
        self.mutators = mutators
        byteIndices = mutators.indices.filter { mutators[$0].kind == .byte }
        structureIndices = mutators.indices.filter { mutators[$0].kind == .structure }
    }

    public static let standard = MutatorTable(ByteMutators.all + StructureMutators.all)

    public func index(named name: String) -> Int? { mutators.firstIndex { $0.name == name } }
    public subscript(name: String) -> Mutator? { index(named: name).map { mutators[$0] } }
    public var names: [String] { mutators.map(\.name) }

    /// Applies one mutator chosen at random (structure-aware with probability 1/`structureOdds`),
    /// falling back to byte mutators when the chosen one does not apply. Returns its index.
    @inline(__always)
    public func mutateOnce(_ input: inout [UInt8], _ ctx: inout MutationContext, structureOdds: Int = 8) -> Int {
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
