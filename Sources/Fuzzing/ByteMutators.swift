/// Byte-level mutations (libFuzzer / AFL havoc style). They know nothing of MessagePack, which is
/// what makes them cheap; the dictionary gives them the protocol's tokens.
package enum ByteMutators {
    static let interesting8: [UInt8] = [0x00, 0x01, 0x7f, 0x80, 0xff, 0x10, 0x20, 0x40, 0xc0, 0xe0]
    static let interesting16: [UInt16] = [0x0000, 0x0001, 0x7fff, 0x8000, 0xffff, 0x00ff, 0x0100, 0x0080, 0xfffe]
    static let interesting32: [UInt32] = [
        0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x4000_0000, 0x3fff_ffff, 0x3fff_fffe,
        0x2000_0000, 0xffff_fff0, 0x0000_ffff, 0x0001_0000, 0xc000_0000,
    ]

    package static let all: [Mutator] = [
        Mutator("insert-byte", .byte) { b, c in
            b.insert(c.random.byte(), at: c.random.below(b.count + 1)); return true
        },
        Mutator("flip-bit", .byte) { b, c in
            guard !b.isEmpty else { return false }
            b[c.random.below(b.count)] ^= 1 << UInt8(c.random.below(8)); return true
        },
        Mutator("flip-byte", .byte) { b, c in
            guard !b.isEmpty else { return false }
            b[c.random.below(b.count)] ^= 0xff; return true
        },
        Mutator("random-byte", .byte) { b, c in
            guard !b.isEmpty else { return false }
            b[c.random.below(b.count)] = c.random.byte(); return true
        },
        Mutator("add-sub", .byte) { b, c in
            guard !b.isEmpty else { return false }
            let i = c.random.below(b.count)
            let d = UInt8(c.random.below(35) + 1)
            b[i] = c.random.oneIn(2) ? b[i] &+ d : b[i] &- d; return true
        },
        Mutator("interesting-8", .byte) { b, c in
            guard !b.isEmpty else { return false }
            b[c.random.below(b.count)] = interesting8[c.random.below(interesting8.count)]; return true
        },
        Mutator("interesting-16", .byte) { b, c in
            guard b.count >= 2 else { return false }
            let v = interesting16[c.random.below(interesting16.count)]
            let i = c.random.below(b.count - 1)
            b[i] = UInt8(v >> 8); b[i + 1] = UInt8(v & 0xff); return true
        },
        Mutator("interesting-32", .byte) { b, c in
            guard b.count >= 4 else { return false }
            let v = interesting32[c.random.below(interesting32.count)]
            let i = c.random.below(b.count - 3)
            for k in 0..<4 { b[i + k] = UInt8(truncatingIfNeeded: v >> UInt32(24 - 8 * k)) }
            return true
        },
        Mutator("insert-repeated", .byte) { b, c in
            let n = 1 + c.random.below(c.random.oneIn(8) ? 512 : 16)
            let v = c.random.oneIn(2) ? c.random.byte() : interesting8[c.random.below(interesting8.count)]
            b.insert(contentsOf: repeatElement(v, count: n), at: c.random.below(b.count + 1)); return true
        },
        Mutator("delete-chunk", .byte) { b, c in
            guard b.count >= 2 else { return false }
            let n = 1 + c.random.below(min(b.count - 1, 16))
            let i = c.random.below(b.count - n + 1)
            b.removeSubrange(i..<(i + n)); return true
        },
        Mutator("duplicate-chunk", .byte) { b, c in
            guard !b.isEmpty else { return false }
            let n = 1 + c.random.below(min(b.count, 32))
            let i = c.random.below(b.count - n + 1)
            let chunk = Array(b[i..<(i + n)])
            b.insert(contentsOf: chunk, at: c.random.below(b.count + 1)); return true
        },
        Mutator("copy-chunk", .byte) { b, c in
            guard b.count >= 2 else { return false }
            let n = 1 + c.random.below(min(b.count - 1, 16))
            let from = c.random.below(b.count - n + 1), to = c.random.below(b.count - n + 1)
            guard from != to else { return false }
            let chunk = Array(b[from..<(from + n)])
            b.replaceSubrange(to..<(to + n), with: chunk); return true
        },
        Mutator("splice", .byte) { b, c in
            // Crossover: a prefix of this input, then a suffix of another corpus entry.
            guard !c.corpus.isEmpty else { return false }
            let other = c.corpus[c.random.below(c.corpus.count)]
            guard !other.isEmpty else { return false }
            let cut = c.random.below(b.count + 1), from = c.random.below(other.count)
            b.replaceSubrange(cut..<b.count, with: other[from...]); return true
        },
        Mutator("insert-corpus-chunk", .byte) { b, c in
            guard !c.corpus.isEmpty else { return false }
            let other = c.corpus[c.random.below(c.corpus.count)]
            guard !other.isEmpty else { return false }
            let n = 1 + c.random.below(min(other.count, 64))
            let from = c.random.below(other.count - n + 1)
            b.insert(contentsOf: other[from..<(from + n)], at: c.random.below(b.count + 1)); return true
        },
        Mutator("dictionary-insert", .byte) { b, c in
            let t = c.dictionary.tokens[c.random.below(c.dictionary.tokens.count)]
            b.insert(contentsOf: t, at: c.random.below(b.count + 1)); return true
        },
        Mutator("dictionary-overwrite", .byte) { b, c in
            let t = c.dictionary.tokens[c.random.below(c.dictionary.tokens.count)]
            guard b.count >= t.count else { return false }
            let i = c.random.below(b.count - t.count + 1)
            b.replaceSubrange(i..<(i + t.count), with: t); return true
        },
        Mutator("truncate", .byte) { b, c in
            guard b.count >= 2 else { return false }
            b.removeLast(1 + c.random.below(b.count - 1)); return true
        },
    ]
}
