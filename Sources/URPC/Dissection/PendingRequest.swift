import Capture
import MessagePack

/// A request waiting for its reply: only what pairing and the reply state machine read (a queue
/// entry is made and dropped per request, so it holds no `Request`). The request's summary, which
/// only an anomaly names, is made again from its bytes on demand.
struct PendingRequest {
    var index: Int
    var frame: Int
    var time: Timestamp
    /// The command string as sent (`Request.command`): its table entry, or the string when it
    /// names none.
    var commandEntry: Command?
    /// (Only when `commandEntry` is nil.)
    var otherCommand: String?
    var command: String { commandEntry?.rawValue ?? otherCommand ?? "" }
    /// The count an `ri` asks for; nil for every other request.
    var readIntoCount: Int64?
    /// The command may print console output before its reply (`Request.mayPrint`).
    var mayPrint: Bool
    var tracebackSeen = false
    /// The request's bytes (parsed again for its summary).
    var bytes: ArraySlice<UInt8>
    /// A request the dissector made up (cut short, too deep, oversized): its bytes do not parse to
    /// it, so it is kept. nil for every request parsed from its bytes.
    var madeUp: MadeUpRequest?

    /// The request's one-line summary (`Request.summary()`), for the anomalies that name it.
    func summary(_ options: DecodingOptions) -> String {
        if let madeUp { return madeUp.request.summary() }
        guard let v = try? Decoder(options: options).decodeValue(filling: bytes) else { return command }
        return Request(v).summary()
    }
}

/// A made-up request, boxed: a queue entry that copies it retains one reference.
final class MadeUpRequest {
    let request: Request
    init(_ request: Request) { self.request = request }
}
