import Testing
import Capture
import Foundation
import Lifecycle
import MessagePack
import URPC

/// Runs segments through the dissector and the tracker.
func track(_ segments: [StreamSegment], endFrame: Int? = nil) -> (report: LeakReport, messages: [Message]) {
    let d = Dissector(options: DissectorOptions(serverPort: 7000))
    let t = ProxyTracker()
    var all: [Message] = []
    for s in segments {
        let ms = d.consume(s)
        t.observe(ms)
        all += ms
    }
    let tail = d.finish()
    t.observe(tail)
    all += tail
    t.describe(d.streamInfos)
    return (t.finish(endFrame: endFrame), all)
}

/// Canonical JSON text of a parsed JSON value (sorted keys), to compare shapes and values exactly.
func canonical(_ v: Any) throws -> String {
    let d = try JSONSerialization.data(withJSONObject: v, options: [.sortedKeys])
    return String(decoding: d, as: UTF8.self)
}

func parseJSON(_ s: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(s.utf8))
}

/// A hand-built urpc session on one TCP connection: each call adds one message in its own frame
/// (or split over two frames), as the device encoder writes it.
struct Session {
    var segments: [StreamSegment] = []
    var frame = 0
    var stream = 0
    var clientPort: UInt16 = 50000
    let encoder = Encoder(dialect: .device)

    static func proxy(_ id: UInt32) -> MessagePackValue { Proxy.value(id) }
    static func release(_ id: UInt32) -> MessagePackValue {
        ["_d", .binary([UInt8(id >> 24), UInt8(id >> 16 & 0xff), UInt8(id >> 8 & 0xff), UInt8(id & 0xff)][...])]
    }

    mutating func bytes(_ b: [UInt8], clientToServer: Bool, frame f: Int? = nil) {
        frame = f ?? frame + 1
        let client = Endpoint(address: "127.0.0.1", port: clientPort)
        let server = Endpoint(address: "127.0.0.1", port: 7000)
        segments.append(StreamSegment(frame: frame, time: Timestamp(seconds: 1000 + Int64(frame / 1000), nanoseconds: UInt32(frame % 1000) * 1_000_000),
                                      stream: stream, side: clientToServer ? .a : .b,
                                      source: clientToServer ? client : server, destination: clientToServer ? server : client,
                                      startedMidStream: false, payload: .bytes(b)))
    }

    mutating func send(_ v: MessagePackValue) { bytes(try! encoder.encode(v), clientToServer: true) }
    mutating func reply(_ v: MessagePackValue) { bytes(try! encoder.encode(v), clientToServer: false) }
    /// A request and its reply.
    mutating func call(_ v: MessagePackValue, _ r: MessagePackValue) { send(v); reply(r) }
    mutating func ver() { call(["ver"], "V1") }
    mutating func im(_ name: String, _ id: UInt32) { call(["im", .string(name)], Session.proxy(id)) }
    mutating func cm(_ target: UInt32, _ name: String, _ args: [MessagePackValue] = [], returns r: MessagePackValue = .nil) {
        call(["cm", Session.proxy(target), .string(name), .array(args), .map([])], r)
    }
    mutating func drop(_ id: UInt32) { call(Session.release(id), .nil) }
    mutating func re(_ ids: [UInt32]) {
        call(["re"], .map(ids.map { (key: .int(Int64($0)), value: .string("<obj \($0)>")) }))
    }
}

/// The scripted session other tests build on: each call is one request and one reply, in order,
/// in the device dialect, with frames counting up.
@Test func scriptedSessionWritesRequestThenReply() throws {
    var s = Session()
    s.ver()
    s.im("math", 3)
    #expect(s.segments.map(\.frame) == [1, 2, 3, 4])
    #expect(s.segments.map(\.side) == [.a, .b, .a, .b])
    let bytes = s.segments.map { seg -> [UInt8] in if case .bytes(let b) = seg.payload { return b } else { return [] } }
    #expect(bytes[0] == [0x91, 0xa3, 0x76, 0x65, 0x72] && bytes[1] == [0xa2, 0x56, 0x31])
    #expect(bytes[3] == [0xd6, 0x01, 0, 0, 0, 3])
    #expect(try canonical(parseJSON("{\"b\":1,\"a\":[2]}")) == canonical(parseJSON("{\"a\":[2],\"b\":1}")))
}
