import MessagePack

/// The published client decodes replies with the device's C codec, so on a 32-bit build it dies on
/// the same hostile headers as the device (spec §2, §7), but only once data overruns the buffer
/// whose size wrapped: `db ff ff ff ff` then a few hundred bytes is a SIGSEGV, the header then
/// nothing only a short read. This finds such a crash in the reply bytes a client has buffered.
package enum ClientCodecFaults {
    /// Bytes a write may run past its heap block before it corrupts something the client uses
    /// (the rest of the block and the free space after it).
    package static let slack: UInt64 = 64

    /// The first fatal header in `bytes` (the client's unread reply bytes, starting at stream
    /// offset `origin`) that is followed by enough data to overrun its wrapped allocation.
    package static func crash(in bytes: [UInt8], origin: Int = 0) -> DeviceCrash? {
        for f in DeviceLint.lint(bytes, origin: origin) where f.severity == .crash {
            guard let fault = DeviceFault(rawValue: f.id) else { continue }
            let at = f.offset - origin
            guard at >= 0, at < bytes.count else { continue }
            if fault == .nestingOverflow { return DeviceCrash(fault: fault, offset: f.offset) }
            guard let (allocated, written) = arithmetic(fault, bytes, at: at) else { continue }
            if written > allocated + slack { return DeviceCrash(fault: fault, offset: f.offset) }
            // A fatal header without its data: the decoder reads short (not a crash) and stops.
            return nil
        }
        return nil
    }

    /// The 32-bit codec's allocation for the header at `at` and what decoding the bytes after the
    /// header writes into it. The size asked for is the one the server side computes (a str/bin/ext
    /// payload and its NUL, a tuple 4n + 8, a dict 8n); the heap rounds it up to 16-byte blocks in
    /// 32 bits, which wraps for every header the lint calls fatal, leaving one block. Written: the
    /// payload itself, or one item slot per element (4 bytes in a tuple, 8 per key and value pair
    /// in a dict; every byte that follows can start an element).
    static func arithmetic(_ fault: DeviceFault, _ bytes: [UInt8], at: Int) -> (allocated: UInt64, written: UInt64)? {
        let first = bytes[at]
        let headerLength = Format.headerLength(firstByte: first)
        guard at + headerLength <= bytes.count, headerLength >= 5 else { return nil }
        var n: UInt64 = 0
        for i in 1...4 { n = n << 8 | UInt64(bytes[at + i]) }
        let following = UInt64(bytes.count - (at + headerLength))
        switch fault {
        case .bin32LengthOverflow, .str32LengthOverflow, .ext32LengthOverflow:
            return (blocks(n + 1), min(n, following))
        case .array32CountOverflow:
            return (blocks(n * 4 + 8), min(n, following) * 4)
        case .map32CountOverflow:
            return (blocks(n * 8), min(n, following / 2) * 8)
        case .nestingOverflow:
            return nil
        }
    }

    /// The bytes the heap hands out for a request of `size`: rounded up to 16-byte blocks in 32-bit
    /// arithmetic (at least one block).
    static func blocks(_ size: UInt64) -> UInt64 {
        max(16, ((size & 0xffff_ffff) + 15) & 0xffff_ffff & ~15)
    }
}
