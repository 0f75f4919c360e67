import Capture
import URPC

/// Where and how a proxy came into being: the server reply that first carried `ExtType(1, id)`.
package struct ProxyBirth: Sendable, Equatable {
    /// Message number (`n`) of the reply within its stream.
    package var message: Int
    /// Frame of the reply's last byte.
    package var frame: Int
    package var time: Timestamp
    /// `n` of the request the reply answers (nil for a reply nobody asked for).
    package var inReplyTo: Int?
    /// Command of that request (`im`, `cm` …).
    package var command: String?
    /// The creating call as a group key: `cm P5.socket()`, `im io`, `gp P2` (see `LeakReport`).
    package var creator: String
    /// Where in the reply the proxy sat: "" for the whole reply, "[0]" for the first array element …
    package var path: String
}

/// One occurrence of a proxy inside a client request (`eq P2 P2` is two uses).
package struct ProxyUse: Sendable, Equatable {
    package var message: Int, frame: Int, time: Timestamp, command: String
}

/// The first `["_d", bin(id)]` for a proxy.
package struct ProxyRelease: Sendable, Equatable {
    package var message: Int
    package var frame: Int
    package var time: Timestamp
    /// The server answered the `_d` (its nil reply was seen): the registry entry is gone.
    package var answered: Bool
}

/// What became of a proxy by the end of the capture.
package enum ProxyFate: String, Sendable, CaseIterable {
    /// Still registered on the server at the end (never released by an answered `_d`).
    case leaked
    /// Released by an answered `_d`.
    case released
    /// Live when the server restarted: the registry it lived in is gone (not a leak).
    case lostInRestart = "lost-in-restart"
    /// Never seen born: used or released only (born before the capture began, or invalid).
    case unknown
}

/// The life of one proxy in one server session (`epoch`) of one stream.
package struct ProxyRecord: Sendable, Equatable {
    package var id: UInt32
    package var stream: Int
    /// 0 for the first server boot seen in the stream, +1 after each detected restart.
    package var epoch: Int
    package var birth: ProxyBirth?
    package var release: ProxyRelease?
    /// Message numbers of further `_d`s after the first.
    package var extraReleases: [Int]
    package var fate: ProxyFate
    /// Never seen born, but a registry dump showed it live: born before the capture began.
    package var bornBeforeCapture = false

    package init(id: UInt32, stream: Int, epoch: Int, birth: ProxyBirth?) {
        self.id = id
        self.stream = stream
        self.epoch = epoch
        self.birth = birth
        self.uses = []
        self.release = nil
        self.extraReleases = []
        self.fate = birth == nil ? .unknown : .leaked
    }

    /// Every use, or (a tracker that keeps no history) only the uses before the birth.
    package var uses: [ProxyUse]
    package private(set) var useCount = 0
    /// The first and last use without their command string: a command of the table is kept as
    /// its entry (no reference to count on the per-use path), any other name in `firstOther`/`lastOther`.
    private var first: UseMark?
    private var firstOther: String?
    private var last: UseMark?
    private var lastOther: String?

    /// The first use, if any.
    package var firstUse: ProxyUse? { first.map { $0.use(other: firstOther) } }
    /// The last use, if any.
    package var lastUse: ProxyUse? { last.map { $0.use(other: lastOther) } }

    /// Records a use. Without the history only the uses that may precede the birth are kept, so
    /// memory stays flat however often the proxy is used.
    package mutating func addUse(_ u: ProxyUse, keepHistory: Bool = true) {
        addUse(u, kept: keepHistory || birth.map({ u.frame < $0.frame }) ?? true)
    }

    /// Records a use, kept in `uses` when `kept` (the tracker knows whether without reading `birth`).
    mutating func addUse(_ u: ProxyUse, kept: Bool) {
        let entry = Command(rawValue: u.command)
        addUse(message: u.message, frame: u.frame, time: u.time, entry: entry,
               other: entry == nil ? u.command : nil, kept: kept)
    }

    /// Records a use from its fields (the tracker's per-use path): `entry` is the command's table
    /// entry, `other` the command when it names none (`entry` nil).
    @inline(__always)
    mutating func addUse(message: Int, frame: Int, time: Timestamp, entry: Command?, other: String?, kept: Bool) {
        let mark = UseMark(message: message, frame: frame, time: time, entry: entry)
        if useCount == 0 {
            first = mark
            if entry == nil { firstOther = other }
        }
        useCount += 1
        if kept { uses.append(mark.use(other: other)) }
        last = mark
        if entry == nil {
            lastOther = other
        } else if lastOther != nil {
            lastOther = nil
        }
    }
}

/// A use without its command string (`ProxyRecord`'s first and last use).
struct UseMark: Sendable, Equatable {
    var message: Int, frame: Int, time: Timestamp
    var entry: Command?

    @inline(__always)
    func use(other: String?) -> ProxyUse {
        ProxyUse(message: message, frame: frame, time: time, command: entry?.rawValue ?? other ?? "")
    }
}
