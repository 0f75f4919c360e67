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

    /// A request nested deeper than the decoder's limit is still one message (the real client can
    /// send one; the published server answers it with a RecursionError traceback). The scanner
    /// finds its extent without recursion, so the depth can be anything; its value is shown to the
    /// decoder's depth limit and its command is known when its first element is a str.
    func deepRequest(_ seg: StreamSegment) -> DeepRequest {
        let limit = options.decoding.maxDepth
        let bytes = c2s.decoder.bufferedBytes
        switch ShallowDecoding.decode(bytes, limit: limit, maxObjectSize: options.decoding.maxObjectSize,
                                      placeholder: .string("…")) {
        case .needsMore:
            return .wait
        case .invalid:
            return .notOne
        case let .complete(value, end, depth):
            let start = c2s.decoder.offset
            let first = c2s.firstFrame(at: start)
            let body = c2s.take(end)
            let reason = "nested \(depth) deep, beyond the decoder's limit of \(limit)"
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
            var m = requestMessage(req, range: start..<(start + body.count), firstFrame: first, node: nil,
                                   seg.frame, seg.time, anomalies)
            m.bytes = body
            m.shallowValue = value
            return .message(m)
        }
    }
}
