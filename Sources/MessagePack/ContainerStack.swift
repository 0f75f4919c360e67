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

    /// The runs below the innermost one, outermost first.
    @usableFromInline var runs: [Run] = []
    /// The innermost run, kept out of the array so the common steps touch no array.
    @usableFromInline var topItems = 0
    @usableFromInline var topRepeats = 0
    /// Containers open.
    @usableFromInline package private(set) var depth = 0

    @inlinable package init() {}

    @inlinable package var isEmpty: Bool { depth == 0 }

    /// Opens a container expecting `items` (> 0) items.
    @inlinable
    package mutating func push(_ items: Int) {
        depth += 1
        if items == topItems {
            topRepeats += 1
        } else {
            if topRepeats > 0 { runs.append(Run(items: topItems, repeats: topRepeats)) }
            topItems = items
            topRepeats = 1
        }
    }

    /// One item of the innermost container has ended (which may end it, and so on outwards).
    /// Returns true when no container is left open: the object is complete.
    @inlinable @inline(__always)
    package mutating func finishItem() -> Bool {
        while topRepeats > 0 {
            if topItems > 1 {
                if topRepeats > 1 { runs.append(Run(items: topItems, repeats: topRepeats - 1)) }
                topItems -= 1
                topRepeats = 1
                return false
            }
            // A run of containers waiting for their last item all end together.
            depth -= topRepeats
            if let r = runs.popLast() {
                topItems = r.items
                topRepeats = r.repeats
            } else {
                topItems = 0
                topRepeats = 0
            }
        }
        return true
    }

    @inlinable
    package mutating func removeAll() {
        if !runs.isEmpty { runs.removeAll(keepingCapacity: true) }
        topItems = 0
        topRepeats = 0
        depth = 0
    }

    /// Items still expected by each open container, outermost first.
    @usableFromInline package var openItems: [Int] {
        var out: [Int] = []
        out.reserveCapacity(depth)
        for r in runs { out.append(contentsOf: repeatElement(r.items, count: r.repeats)) }
        out.append(contentsOf: repeatElement(topItems, count: topRepeats))
        return out
    }

    /// Entries stored: the memory the stack holds, which a run of equal counts keeps small.
    package var storedRuns: Int { runs.count + (topRepeats > 0 ? 1 : 0) }
}
