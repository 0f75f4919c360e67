import Capture
import MessagePack

extension ConnectionDissector {
    enum DeepRequest {
        case message(Message)
        /// The request is still arriving.
        case wait
        /// Not one object after all (an invalid byte or a length past the limit inside it).
        case notOne
    }

    /// How deep a too-deep request's value is shown: common JSON tools (jq 1.6 stops at 256 levels,
    /// Foundation at 512) must still read the `--json` line.
    static let renderDepth = 64

    /// A request nested deeper than the decoder's limit is still one message (the real client can
    /// send one; the published server answers it with a RecursionError traceback). The scanner
    /// finds its extent without recursion, so the depth can be anything; its value is shown to the
    /// decoder's depth limit and its command is known when its first element is a str.
    func deepRequest(_ seg: StreamSegment) -> DeepRequest {
        let limit = min(options.decoding.maxDepth, Self.renderDepth)
        let bytes = c2s.bufferedBytes
        switch ShallowDecoding.decode(bytes, limit: limit, maxObjectSize: options.decoding.maxObjectSize,
                                      placeholder: .string("…")) {
        case .needsMore:
            return .wait
        case .invalid:
            return .notOne
        case let .complete(value, end, depth):
            let start = c2s.offset
            let first = c2s.firstFrame(at: start)
            let body = c2s.take(end)
            let reason = "nested \(depth) deep, beyond the decoder's limit of \(options.decoding.maxDepth)"
            let command: String? = if case .array(let a) = value, case .string(let c)? = a.first { c } else { nil }
            let req = Request.malformed(reason: reason, command: command,
                                        args: value.arrayValue.map { Array($0.dropFirst(command == nil ? 0 : 1)) } ?? [value])
            var anomalies = [Anomaly(.tooDeep, frame: seg.frame, stream: index,
                                     detail: "a request \(reason): one message of \(body.count) bytes, shown to depth \(limit)")]
            if options.lint {
                for f in DeviceLint.lint(Array(body), origin: start) {
                    anomalies.append(Anomaly(lint: f, frame: seg.frame, stream: index))
                }
            }
            var m = requestMessage(req, bytes: body, madeUp: true, range: start..<(start + body.count), firstFrame: first,
                                   node: nil, seg.frame, seg.time, anomalies)
            m.shallowValue = value
            return .message(m)
        }
    }

    /// A request with a str/bin/ext length or a container count beyond the decoder's limit: the
    /// server fails reading that header (MemoryError, or a crash on the device) and never reads
    /// the payload, so the request ends with the header and the server's answer pairs with it.
    func oversizedRequest(headerAt offset: Int, _ seg: StreamSegment) -> Message? {
        let start = c2s.offset
        guard offset >= start, let first = c2s.peek(offset - start) else { return nil }
        let end = offset - start + Format.headerLength(firstByte: first)
        guard c2s.bufferedCount >= end, end > 0 else { return nil }
        let firstFrame = c2s.firstFrame(at: start)
        let body = c2s.take(end)
        let reason = "a \(Format(byte: first)) header at offset \(offset) declares more than the limit of \(options.decoding.maxObjectSize) bytes: the server fails reading it and never reads the rest"
        var anomalies = [Anomaly(.malformedRequest, frame: seg.frame, stream: index, detail: reason)]
        if options.lint {
            for f in DeviceLint.lint(Array(body), origin: start) where f.severity == .crash {
                anomalies.append(Anomaly(lint: f, frame: seg.frame, stream: index))
            }
        }
        let req = Request.malformed(reason: reason, command: Request.command(ofPartial: body), args: [])
        return requestMessage(req, bytes: body, madeUp: true, range: start..<(start + body.count), firstFrame: firstFrame,
                              node: nil, seg.frame, seg.time, anomalies)
    }
}
