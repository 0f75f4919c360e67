/// The open containers of a walk, innermost last, as the items each still expects. Kept outside
/// any recursion and reused from object to object, so walking allocates nothing once it has
/// grown, and any nesting depth is safe.
///
/// Runs of containers that expect the same number of items are stored once with a repeat count:
/// a chain of one-element arrays (`91 91 91 …`, the classic deep-nesting input) takes one entry
/// whatever its depth, and when its last item ends the whole chain closes in one step.
@usableFromInline package struct ContainerStack: Sendable {
    @usableFromInline
    struct Run: Sendable {
        @usableFromInline var items: Int
        @usableFromInline var repeats: Int
        @inlinable init(items: Int, repeats: Int) { self.items = items; self.repeats = repeats }
    }

    @usableFromInline var runs: [Run] = []
    /// Containers open.
    @usableFromInline package private(set) var depth = 0

    @inlinable package init() {}

    @inlinable package var isEmpty: Bool { depth == 0 }

    /// Opens a container expecting `items` (> 0) items.
    @inlinable
    package mutating func push(_ items: Int) {
        depth += 1
        if let last = runs.last, last.items == items {
            runs[runs.count - 1].repeats += 1
        } else {
            runs.append(Run(items: items, repeats: 1))
        }
    }

    /// One item of the innermost container has ended (which may end it, and so on outwards).
    /// Returns true when no container is left open: the object is complete.
    @inlinable
    package mutating func finishItem() -> Bool {
        while let top = runs.last {
            if top.items > 1 {
                if top.repeats == 1 {
                    runs[runs.count - 1].items -= 1
                } else {
                    runs[runs.count - 1].repeats -= 1
                    runs.append(Run(items: top.items - 1, repeats: 1))
                }
                return false
            }
            runs.removeLast()
            depth -= top.repeats
        }
        return true
    }

    @inlinable
    package mutating func removeAll() {
        runs.removeAll(keepingCapacity: true)
        depth = 0
    }

    /// Items still expected by each open container, outermost first.
    @usableFromInline package var openItems: [Int] {
        var out: [Int] = []
        out.reserveCapacity(depth)
        for r in runs { out.append(contentsOf: repeatElement(r.items, count: r.repeats)) }
        return out
    }

    /// Entries stored: the memory the stack holds, which a run of equal counts keeps small.
    package var storedRuns: Int { runs.count }
}
