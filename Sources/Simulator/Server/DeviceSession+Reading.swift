import MessagePack

/// Reading: the client's bytes in, the server's writes out. Besides `feed`, the transport reports
/// the two events a byte stream cannot carry: a read call that timed out, and the end of the stream.
extension DeviceSession {
    /// Reads `bytes` from the client and returns everything the server writes in response.
    package func feed<C: Collection>(_ bytes: C) -> [UInt8] where C.Element == UInt8 {
        beginOutput()
        guard case .serving = state else { return output }
        decoder.feed(bytes)
        // The lint walks every buffered header once per feed (again only after a resync).
        var ahead: DeviceCrash? = options.deviceFaults ? faultAhead() : nil
        var linted = decoderBase
        while case .serving = state, decoder.bufferedCount > 0 {
            if options.deviceFaults, linted != decoderBase { ahead = faultAhead(); linted = decoderBase }
            if let crash = ahead {
                // Complete requests before the fatal header are still served.
                if !serveOne(before: crash.offset) { state = .crashed(crash); break }
                continue
            }
            if !serveOne(before: nil) { break }
        }
        return output
    }

    /// Like `feed`, but returns the output as the device's individual writes (`recordsWrites`).
    package func feedWrites<C: Collection>(_ bytes: C) -> [ArraySlice<UInt8>] where C.Element == UInt8 {
        _ = feed(bytes)
        return writes
    }

    /// The last output (of `feed`, `readTimedOut` or `clientClosed`) as the device's writes.
    package var writes: [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var from = 0
        for end in writeEnds where end > from && end <= output.count {
            pieces.append(output[from..<end])
            from = end
        }
        if from < output.count { pieces.append(output[from...]) }
        return pieces
    }

    /// True while a request has begun to arrive but is not complete: the device is inside a read
    /// call, which times out after `options.readTimeoutMs` of silence.
    package var isMidRequest: Bool { state == .serving && decoder.bufferedCount > 0 }

    /// A read call inside a request got no more bytes within the read timeout (`shortReads` on):
    /// `ValueError("short read")` when part of that read had arrived, `OSError(EAGAIN)` when none
    /// had. Everything read so far is lost; later bytes are read as new requests.
    package func readTimedOut() -> [UInt8] {
        beginOutput()
        guard isMidRequest else { return output }
        requestCount += 1
        let midRead = readPosition()
        decoder.skip(decoder.bufferedCount)
        pendingWalk = nil
        fail((midRead ? PyException.shortRead : PyException.eagain).adding(ServerSource.unpack))
        return output
    }

    /// The client closed its side. The published server's read raises `EOFError` (or "short read"
    /// inside a read call that got part of its bytes), so with the legacy error path the traceback
    /// goes out after the last reply, as the connection ends. The session is over either way.
    package func clientClosed() -> [UInt8] {
        beginOutput()
        guard options.errorMode == .legacy, case .serving = state else { return output }
        var e = PyException.endOfStream
        if decoder.bufferedCount > 0 {
            requestCount += 1
            if readPosition() { e = PyException.shortRead }
        }
        fail(e.adding(ServerSource.unpack))
        return output
    }

    /// Whether the buffered incomplete request ends inside one of the device's read calls.
    private func readPosition() -> Bool {
        var walk = pendingWalk ?? RequestWalk(maxObjectSize: decoder.options.maxObjectSize)
        if case .incomplete(let midRead) = walk.advance(decoder.bufferedBytes) { return midRead }
        return false
    }

    func beginOutput() {
        output.removeAll(keepingCapacity: true)
        writeEnds.removeAll(keepingCapacity: true)
    }

    /// The first fatal header in the buffered bytes, if the device would die on it.
    private func faultAhead() -> DeviceCrash? {
        let pending = Array(decoder.bufferedBytes)
        let origin = decoderBase + decoder.offset
        for f in DeviceLint.lint(pending, origin: origin) where f.severity == .crash {
            if let fault = DeviceFault(rawValue: f.id) { return DeviceCrash(fault: fault, offset: f.offset) }
        }
        return nil
    }

    /// Serves the next complete request. Returns false when more bytes are needed (or, with
    /// `limit`, when the next object reaches the fatal offset).
    private func serveOne(before limit: Int?) -> Bool {
        let decoded: (value: MessagePackValue, range: Range<Int>)
        do {
            // The value tree, not nodes: offsets are only needed when the unpacker raises.
            guard let d = try decoder.nextValue() else { return false }
            decoded = d
        } catch {
            if limit != nil { return false }
            return readFailed(error)
        }
        if let limit, decoderBase + decoded.range.upperBound > limit { return false }
        let request: PyValue
        do {
            request = try unpack(decoded.value)
        } catch {
            // The device stops reading where the error was raised; the rest of the object stays
            // in the stream and is read as the next request(s). Where that is needs the wire
            // format: decode the object again as nodes and unpack those.
            unpackFailed(objectRange: decoded.range)
            return true
        }
        requestCount += 1
        dispatch(request)
        return true
    }

    // MARK: Write boundaries

    func noteRawWrite() {
        if recordsWrites, writeEnds.last != output.count { writeEnds.append(output.count) }
    }

    /// Splits the object just encoded at `start` into its header and payload writes.
    func noteObjectWrites(from start: Int) {
        guard recordsWrites else { return }
        let bytes = Array(output[start...])
        guard let node = try? Decoder(options: .device).decodeNode(bytes) else { noteRawWrite(); return }
        func walk(_ n: Node) {
            // The first byte goes out alone, then the rest of the header (length, type or value
            // bytes), then the payload: the reference capture shows `d6` | `01 00 00 00 01`,
            // `d2` | `09 75 9e 10`, `d9` | `39 …`.
            writeEnds.append(start + n.offset + 1)
            if n.headerLength > 1 { writeEnds.append(start + n.offset + n.headerLength) }
            switch n.content {
            case .scalar: if !n.payloadRange.isEmpty { writeEnds.append(start + n.end) }
            case .array(let a): a.forEach(walk)
            case .map(let m): for e in m { walk(e.key); walk(e.value) }
            }
        }
        walk(node)
    }
}
