#if canImport(Glibc)
import Glibc
#endif
import URPC

/// What was exchanged during one run, with wall-clock times (for the finding's capture).
package struct Transcript: Sendable {
    package enum Side: Sendable { case client, server }
    package var events: [(side: Side, bytes: [UInt8], seconds: Int64, nanoseconds: UInt32)] = []

    mutating func add(_ side: Side, _ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        events.append((side, Array(bytes), Int64(ts.tv_sec), UInt32(ts.tv_nsec)))
    }
}

/// Sends one case (pipelined: the requests, the `["ver"]` probe and a fence in one write unless
/// the case splits a message) and reads the replies until the fence's unique reply arrives.
final class CaseRunner {
    enum End: Equatable {
        /// Every reply arrived (the fence was answered).
        case fenced
        /// Nothing more within the timeout.
        case timeout
        /// The server closed the stream.
        case endOfStream
        /// The request could not be written (the server is gone).
        case writeFailed
        /// The server kept talking past every limit.
        case flood
    }

    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    /// Reply bytes of the last run (`buffer[0..<count]`).
    var count = 0
    /// The part of `buffer` that belongs to the case being judged.
    var replyRange = 0..<0
    /// End offsets in `buffer` of each fence reply that arrived in the last batch.
    var fenceEnds: [Int] = []
    private var fences: [[UInt8]] = []
    /// Bytes after the last fence of the batch just read (the next batch's first replies).
    var carry = 0
    private var carryStart = 0
    private var fenceCounter: UInt64 = 0
    private var out: [UInt8] = []
    /// Writes not made yet, in stream order: the later parts of split messages wait for their
    /// gap (and everything behind them waits with them). They go out while the replies of the
    /// batch before are read, so a gap pauses the stream but not msgfuzz.
    private var queued: [(bytes: [UInt8], gapMicros: Int)] = []
    /// Monotonic time of the last write (a gap counts from it).
    private var lastWriteNanos: UInt64 = 0
    /// Gap before the next write `append` queues (the gap of the split just cut).
    private var nextGap = 0
    var transcript: Transcript?
    /// Every write on the current connection (for findings that need the session's history);
    /// nil once it outgrew `historyLimit`.
    var history: [[UInt8]]? = []
    var historyBytes = 0
    static let historyLimit = 8 << 20

    /// A new session: its history starts empty and writes queued for the old one are dropped.
    func resetHistory() { history = []; historyBytes = 0; queued.removeAll() }

    static let replyLimit = 16 << 20
    /// Extra wait for the last fence after the timeout before the case counts as unanswered: a
    /// server that is only slow (a loaded machine) is not reported as dead. Counted in `slow`.
    var graceNanos: UInt64 = 0
    /// A write of the last batch made no progress (a target that stopped reading is not slow).
    private(set) var writeStalled = false
    /// Has the target program ended? (No grace is waited for a dead one.)
    var targetEnded: (() -> Bool)?
    var slow = 0

    /// Writes `prefix` (housekeeping requests), the case, the probe and the fence.
    func run(_ c: FuzzCase, prefix: [UInt8], channel: ByteChannel, timeoutNanos: UInt64) -> End {
        let end = runBatch([c], prefix: prefix, channel: channel, timeoutNanos: timeoutNanos)
        replyRange = 0..<count
        return end
    }

    /// Several cases in one round trip, each followed by the probe and its own fence; the fences
    /// cut the replies per case (`fenceEnds`). A failure shows as the first case without a fence.
    func runBatch(_ cases: [FuzzCase], prefix: [UInt8], channel: ByteChannel, timeoutNanos: UInt64) -> End {
        carry = 0
        guard let f = sendBatch(cases, prefix: prefix, channel: channel) else {
            fenceEnds.removeAll()
            collectAfterFailedWrite(channel, nanos: timeoutNanos)
            return .writeFailed
        }
        return receiveBatch(f, channel: channel, timeoutNanos: timeoutNanos)
    }

    /// Writes a batch; returns its fence replies (nil when the write failed).
    /// The writes that wait for a gap go out while the replies are read (`receive`).
    func sendBatch(_ cases: [FuzzCase], prefix: [UInt8], channel: ByteChannel) -> [[UInt8]]? {
        out.removeAll(keepingCapacity: true)
        writeStalled = false
        out.append(contentsOf: prefix)
        nextGap = 0
        var batchFences: [[UInt8]] = []
        for c in cases {
            fenceCounter &+= 1
            let fence = WireForm.fence(fenceCounter)
            batchFences.append(fence.reply)
            append(c)
            out.append(contentsOf: WireForm.versionRequest)
            out.append(contentsOf: fence.request)
        }
        enqueue()
        guard flush(channel) else { return nil }
        return batchFences
    }

    /// Reads a sent batch's replies (after any bytes of it that arrived with the previous
    /// batch's) until its last fence; `fenceEnds` cut them per case.
    /// After a write failed (the target died, closed its end or stopped reading): what it wrote
    /// before (a traceback names why it died) is read into `buffer[0..<count]`.
    func collectAfterFailedWrite(_ channel: ByteChannel, nanos: UInt64) {
        count = 0
        let deadline = Monotonic.now() + min(nanos, 200_000_000)
        while count < Self.replyLimit, case .data = channel.read(into: &buffer, count: &count, deadline: deadline) {}
        replyRange = 0..<count
    }

    func receiveBatch(_ batchFences: [[UInt8]], channel: ByteChannel, timeoutNanos: UInt64) -> End {
        fences = batchFences
        fenceEnds.removeAll(keepingCapacity: true)
        // Bytes that followed the previous batch's last fence belong to this one.
        if carry > 0 {
            buffer.withUnsafeMutableBytes { p in
                _ = memmove(p.baseAddress!, p.baseAddress! + carryStart, carry)
            }
        }
        let kept = carry
        carry = 0
        var end = receive(channel, until: fences.last!, timeoutNanos: timeoutNanos, keeping: kept)
        // Grace for a slow server, in steps: a target that has ended needs none.
        var grace = graceNanos
        while end == .timeout && grace > 0 && !writeStalled && !(targetEnded?() ?? false) {
            let step = min(grace, max(timeoutNanos, 50_000_000))
            grace -= step
            let more = receive(channel, until: fences.last!, timeoutNanos: step, keeping: count)
            if more == .fenced { slow += 1 }
            end = more
        }
        locateFences()
        if end == .fenced, let last = fenceEnds.last, last < count {
            carryStart = last
            carry = count - last
        }
        return end
    }

    /// Finds each fence reply in order.
    private func locateFences() {
        var from = 0
        for f in fences {
            guard let e = Self.find(f, in: buffer, from: from, to: count) else { return }
            fenceEnds.append(e)
            from = e
        }
    }

    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int, to: Int) -> Int? {
        guard let first = needle.first, to - from >= needle.count else { return nil }
        var i = from
        let last = to - needle.count
        while i <= last {
            if hay[i] == first {
                var k = 1
                while k < needle.count && hay[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i + needle.count }
            }
            i += 1
        }
        return nil
    }

    /// Appends a case's messages to the pending write; a split point ends a write, and the
    /// next one waits `gapMicros` after it.
    private func append(_ c: FuzzCase) {
        for m in c.messages {
            if m.splits.isEmpty {
                out.append(contentsOf: m.bytes)
                continue
            }
            var from = 0
            for s in m.splits + [m.bytes.count] where s > from && s <= m.bytes.count {
                out.append(contentsOf: m.bytes[from..<s])
                from = s
                if s < m.bytes.count {
                    enqueue()
                    nextGap = c.gapMicros
                }
            }
        }
    }

    /// Queues the pending write (recorded in the session history in write order).
    private func enqueue() {
        defer { out.removeAll(keepingCapacity: true) }
        if history != nil {
            historyBytes += out.count
            if historyBytes > Self.historyLimit { history = nil } else { history!.append(out) }
        }
        queued.append((out, nextGap))
        nextGap = 0
    }

    /// Makes the queued writes that are due (called between cases while msgfuzz generates and
    /// judges, so a gap that ends then does not leave the stream idle).
    func pump(_ channel: ByteChannel) {
        if !queued.isEmpty { _ = flush(channel) }
    }

    /// How close to a due write msgfuzz stops sleeping (a timed wait overshoots by ~50-100 µs).
    static let spinNanos: UInt64 = 150_000

    /// When the next queued write is due (nil: nothing queued).
    private var nextDue: UInt64? {
        queued.first.map { lastWriteNanos + UInt64(max(0, $0.gapMicros)) * 1000 }
    }

    /// Makes the queued writes whose gap has passed. False when a write failed (the queue is
    /// dropped: the server is gone).
    private func flush(_ channel: ByteChannel) -> Bool {
        while let first = queued.first {
            if first.gapMicros > 0, Monotonic.now() < lastWriteNanos + UInt64(first.gapMicros) * 1000 { return true }
            transcript?.add(.client, first.bytes[...])
            guard channel.writeAll(first.bytes) else { queued.removeAll(); writeStalled = true; return false }
            lastWriteNanos = Monotonic.now()
            queued.removeFirst()
        }
        return true
    }

    /// Reads until the replies end with `marker`.
    func receive(_ channel: ByteChannel, until marker: [UInt8], timeoutNanos: UInt64, keeping: Int = 0) -> End {
        count = keeping
        if keeping >= marker.count, Self.find(marker, in: buffer, from: 0, to: count) != nil { return .fenced }
        let start = Monotonic.now()
        var hardStop = start + max(2_000_000_000, 8 * timeoutNanos)
        var deadline = start + timeoutNanos
        while true {
            if !queued.isEmpty {
                // The replies cannot be complete before the last write: the timeout counts from it.
                // A failed write drops the queue; what the server sent before it went is still read.
                _ = flush(channel)
                let now = Monotonic.now()
                deadline = max(deadline, now + timeoutNanos)
                hardStop = max(hardStop, now + timeoutNanos)
            }
            let before = count
            let r: ByteChannel.ReadResult
            if let due = nextDue, due <= Monotonic.now() + Self.spinNanos {
                // A write is due within the wake-up latency of a timed wait: keep reading
                // without waiting so the gap is the one asked for, not the timer's slack.
                r = channel.readNow(into: &buffer, count: &count)
            } else {
                let wake = min(deadline, hardStop, nextDue.map { $0 - Self.spinNanos } ?? UInt64.max)
                r = channel.read(into: &buffer, count: &count, deadline: wake)
            }
            transcript?.add(.server, buffer[before..<count])
            if r == .timeout && !queued.isEmpty && Monotonic.now() < min(deadline, hardStop) { continue }
            switch r {
            case .data:
                // The marker may be followed by the next batch's replies: search, not suffix.
                if Self.find(marker, in: buffer, from: max(0, before - marker.count + 1), to: count) != nil {
                    return .fenced
                }
                if count > Self.replyLimit { return .flood }
                deadline = Monotonic.now() + timeoutNanos
            case .timeout: return Monotonic.now() >= hardStop && count > 0 ? .flood : .timeout
            case .endOfStream, .failed: return .endOfStream
            }
        }
    }
}
