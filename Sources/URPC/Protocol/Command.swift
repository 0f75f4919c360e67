/// The urpc V1 command table (spec §3): every command the published server answers, with its
/// arity and what it does. The one list of commands; parsers, printers, fuzzers and the twin read it.
package enum Command: String, Sendable, CaseIterable {
    case ver, re, im, ex, cm, gp, sp, ri
    case release = "_d"
    case str = "_s"
    case eq
    case identity = "_id"

    /// Arguments after the command string (the server indexes a fixed tuple; more or fewer fail).
    package var arity: Int {
        switch self {
        case .ver, .re: 0
        case .im, .ex, .release, .str, .identity: 1
        case .gp, .ri, .eq: 2
        case .sp: 3
        case .cm: 4
        }
    }

    /// Commands whose execution may print console output (ExtType(3)) before the reply.
    package var mayPrint: Bool { self == .ex || self == .cm }

    /// One line: what the request asks and what the reply is.
    package var meaning: String {
        switch self {
        case .ver: "protocol version; answered by \"V1\""
        case .re: "the live proxy registry {id: repr} (debug)"
        case .im: "import a module; answered by its proxy"
        case .ex: "exec code; console output, then nil"
        case .cm: "call target.name(*args, **kwargs); console output, then the result"
        case .gp: "get an attribute"
        case .sp: "set an attribute; answered by nil"
        case .ri: "target.readinto(buffer of n); count k, k raw bytes, nil"
        case .release: "release a proxy id (bin of length 4); answered by nil"
        case .str: "str(target)"
        case .eq: "a == b"
        case .identity: "id(target)"
        }
    }

    /// The command string's bytes.
    package var utf8: [UInt8] { Array(rawValue.utf8) }

    /// The longest command string (3 bytes): a resynchronising reader needs no more lookahead.
    package static let maxLength = 3

    /// The place in `allCases` of the command named `name` (counters indexed by command).
    package static func index(named name: String) -> Int? {
        lookup(name)?.tableIndex
    }

    /// The command's place in `allCases` (the order of the cases above).
    package var tableIndex: Int {
        switch self {
        case .ver: 0
        case .re: 1
        case .im: 2
        case .ex: 3
        case .cm: 4
        case .gp: 5
        case .sp: 6
        case .ri: 7
        case .release: 8
        case .str: 9
        case .eq: 10
        case .identity: 11
        }
    }

    /// Looks a command string up by its bytes without building a `String` (the resync hot path).
    package static func named<C: Collection>(_ bytes: C) -> Command? where C.Element == UInt8 {
        guard bytes.count >= 2, bytes.count <= maxLength else { return nil }
        return Command(rawValue: String(decoding: bytes, as: UTF8.self))
    }

    /// `Command(rawValue:)` by the string's bytes, without the generic string switch (the
    /// request parser's hot path).
    package static func lookup(_ s: String) -> Command? {
        var s = s
        return s.withUTF8 { lookup(utf8: $0) }
    }

    /// `lookup` by the bytes of a str payload (the request head's walk).
    package static func lookup(utf8 b: UnsafeBufferPointer<UInt8>) -> Command? {
        switch b.count {
        case 2:
            switch (b[0], b[1]) {
            case (0x72, 0x65): return .re        // re
            case (0x69, 0x6d): return .im        // im
            case (0x65, 0x78): return .ex        // ex
            case (0x63, 0x6d): return .cm        // cm
            case (0x67, 0x70): return .gp        // gp
            case (0x73, 0x70): return .sp        // sp
            case (0x72, 0x69): return .ri        // ri
            case (0x5f, 0x64): return .release   // _d
            case (0x5f, 0x73): return .str       // _s
            case (0x65, 0x71): return .eq        // eq
            default: return nil
            }
        case 3:
            if b[0] == 0x76, b[1] == 0x65, b[2] == 0x72 { return .ver }
            if b[0] == 0x5f, b[1] == 0x69, b[2] == 0x64 { return .identity }
            return nil
        default: return nil
        }
    }
}
