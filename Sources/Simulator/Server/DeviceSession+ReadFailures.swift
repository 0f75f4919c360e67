import MessagePack

/// The device reader's failures (spec §2, §7): what it raises, when, and how much of the stream it
/// has consumed by then (nothing is rolled back: the rest is read as the next request).
extension DeviceSession {
    /// The stream decoder refused the object at its position (it stays there). Returns false
    /// while the device would still be reading it: the published server (legacy error path) fails
    /// on 64-bit types and too-deep requests only once the whole request has arrived, on a huge
    /// length right after its header. The intended server does not wait for a request it has
    /// refused: it fails at the refused header (a fuzzer's endless container must not stall it).
    func readFailed(_ error: DecodingError) -> Bool {
        switch error {
        case .invalidByte(let at, let b, _) where b != 0xc1 && options.errorMode == .intended:
            refuse(PyException("NotImplementedError", "64 bit types"), consuming: at - decoder.offset + 1)
            return true
        case .depthBeyondLimit(let at, _) where options.errorMode == .intended:
            refuse(PyException("RuntimeError", "maximum recursion depth exceeded"), consuming: at - decoder.offset + 1)
            return true
        default: break
        }
        var walk = pendingWalk ?? RequestWalk(maxObjectSize: decoder.options.maxObjectSize)
        let outcome = walk.advance(decoder.bufferedBytes)
        if case .incomplete = outcome {
            pendingWalk = walk
            return false
        }
        pendingWalk = nil
        switch outcome {
        case .complete(let end) where walk.has64Bit:
            refuse(PyException("NotImplementedError", "64 bit types"), consuming: end)
        case .complete(let end):
            // The unpacker (no depth limit on a host) reads it; the handler's str/repr/compare of
            // it recurses past MicroPython's stack limit.
            let command = walk.command(in: decoder.bufferedBytes)
            requestCount += 1
            decoder.skip(end)
            var e = PyException("RuntimeError", "maximum recursion depth exceeded")
            if let command, let frame = ServerSource.handlerFrame(command) { e = e.adding(frame) }
            fail(e.adding(ServerSource.serveLoop))
        case .tooLarge(let headerEnd, let size):
            refuse(PyException("MemoryError", "memory allocation failed, allocating \(size) bytes"), consuming: headerEnd)
        case .invalid(let offset):
            refuse(PyException("NotImplementedError", "unpack: 0xc1"), consuming: offset + 1)
        case .tooDeep, .incomplete:
            refuse(PyException("RuntimeError", "maximum recursion depth exceeded"), consuming: decoder.bufferedCount)
        }
        return true
    }

    /// The read (line 117) raised after consuming `count` bytes of the request.
    private func refuse(_ e: PyException, consuming count: Int) {
        requestCount += 1
        decoder.skip(count)
        fail(e.adding(ServerSource.unpack))
    }

    /// The unpacker raised on the object at `objectRange` (decoder offsets, still buffered).
    func unpackFailed(objectRange r: Range<Int>) {
        let rest = decoder.bytes(in: r.lowerBound..<(decoder.offset + decoder.bufferedCount)) ?? []
        let objectBytes = Array(rest.prefix(r.count))
        do {
            let node = try Decoder(options: .device).decodeNode(objectBytes)
            _ = try unpack(node)
        } catch let abort as UnpackAbort {
            resume(rest: rest, at: r.lowerBound, from: r.lowerBound + abort.end)
            fail(abort.exception.adding(ServerSource.unpack))
        } catch {}
    }

    /// Continues reading at decoder offset `offset`, inside bytes already consumed: `rest` are
    /// the bytes from decoder offset `at` to the end of what was fed.
    private func resume(rest: ArraySlice<UInt8>, at: Int, from offset: Int) {
        let tail = rest.dropFirst(offset - at)
        decoder = StreamDecoder(options: .device)
        decoderBase += offset
        decoder.feed(tail)
    }
}
