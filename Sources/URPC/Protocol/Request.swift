import MessagePack

/// A client request `[cmd, args…]` (spec §3), with its arguments named.
package enum Request: Sendable, Equatable {
    case ver
    case registry                                   // re
    case importModule(String)                       // im
    case exec(String)                               // ex
    case call(target: MessagePackValue, name: String, args: [MessagePackValue],
              kwargs: [(key: MessagePackValue, value: MessagePackValue)])   // cm
    case getProperty(target: MessagePackValue, name: String)                // gp
    case setProperty(target: MessagePackValue, name: String, value: MessagePackValue)  // sp
    case readInto(target: MessagePackValue, count: Int64)                   // ri
    case release(id: UInt32)                        // _d with bin(4)
    case str(target: MessagePackValue)              // _s
    case equal(MessagePackValue, MessagePackValue)  // eq
    case identity(target: MessagePackValue)         // _id
    /// Any other array starting with a str: the server looks the name up among its module-level
    /// names, so it may still be callable.
    case other(cmd: String, args: [MessagePackValue])
    /// Not a request the server can take (not an array, no command string, wrong arity …). The
    /// command is kept whenever the first element is a str, and the elements after it as sent.
    case malformed(reason: String, command: String?, args: [MessagePackValue])

    package static func == (a: Request, b: Request) -> Bool {
        a.value == b.value && a.malformedReason == b.malformedReason
    }

    /// Why the request is malformed, or nil.
    package var malformedReason: String? {
        if case .malformed(let r, _, _) = self { return r }
        return nil
    }

    /// Parses a decoded client object.
    package init(_ v: MessagePackValue) {
        guard case .array(let a) = v, let first = a.first else {
            self = .malformed(reason: "a request must be a non-empty array, got \(v.kindName)", command: nil,
                              args: v.arrayValue ?? [v])
            return
        }
        guard case .string(let cmd) = first else {
            self = .malformed(reason: "the first element of a request must be a command str, got \(first.kindName)",
                              command: nil, args: a)
            return
        }
        // The arguments are read in place (`a[1]` …); an array of them is built only for the
        // requests that keep it (other, malformed).
        let n = a.count - 1
        func bad(_ why: String) -> Request { .malformed(reason: why, command: cmd, args: Array(a.dropFirst())) }
        guard let known = Command.lookup(cmd) else {
            self = .other(cmd: cmd, args: Array(a.dropFirst()))
            return
        }
        guard n == known.arity else {
            self = known == .cm
                ? bad("cm takes exactly 4 arguments (target, name, args, kwargs), got \(n)")
                : bad("\(cmd) with \(n) argument\(n == 1 ? "" : "s")")
            return
        }
        switch known {
        case .ver: self = .ver
        case .re: self = .registry
        case .im:
            if case .string(let m) = a[1] { self = .importModule(m) } else { self = bad("im takes a module name str") }
        case .ex:
            if case .string(let c) = a[1] { self = .exec(c) } else { self = bad("ex takes a code str") }
        case .cm:
            guard case .string(let name) = a[2] else { self = bad("cm method name must be a str"); return }
            guard case .array(let pos) = a[3] else { self = bad("cm args must be an array"); return }
            guard case .map(let kw) = a[4] else { self = bad("cm kwargs must be a map"); return }
            self = .call(target: a[1], name: name, args: pos, kwargs: kw)
        case .gp:
            if case .string(let n) = a[2] { self = .getProperty(target: a[1], name: n) } else { self = bad("gp name must be a str") }
        case .sp:
            if case .string(let n) = a[2] { self = .setProperty(target: a[1], name: n, value: a[3]) } else { self = bad("sp name must be a str") }
        case .ri:
            if let n = a[2].intValue { self = .readInto(target: a[1], count: n) } else { self = bad("ri count must be an int") }
        case .release:
            if case .binary(let b) = a[1], b.count == 4 {
                self = .release(id: b.reduce(0) { $0 << 8 | UInt32($1) })
            } else {
                self = bad("_d takes the proxy id as bin of length 4")
            }
        case .str: self = .str(target: a[1])
        case .eq: self = .equal(a[1], a[2])
        case .identity: self = .identity(target: a[1])
        }
    }

    /// The command string as sent.
    package var command: String {
        switch self {
        case .other(let c, _): c
        case .malformed(_, let c, _): c ?? "?"
        default: known!.rawValue
        }
    }

    /// The command table entry (nil for `other` and for malformed requests).
    package var known: Command? {
        switch self {
        case .ver: .ver
        case .registry: .re
        case .importModule: .im
        case .exec: .ex
        case .call: .cm
        case .getProperty: .gp
        case .setProperty: .sp
        case .readInto: .ri
        case .release: .release
        case .str: .str
        case .equal: .eq
        case .identity: .identity
        case .other, .malformed: nil
        }
    }

    /// True for the commands whose execution may print console output first.
    package var mayPrint: Bool {
        switch self {
        case .other: true
        default: known?.mayPrint ?? false
        }
    }

    /// The count an `ri` asks for (nil for every other request).
    package var readIntoCount: Int64? {
        if case .readInto(_, let n) = self { return n }
        return nil
    }

    /// One-line summary as `msgdissect` prints it: `cm P2.add(5, 7)`.
    package func summary(_ f: ValueFormatter = Proxy.formatter) -> String {
        var w = ByteWriter()
        writeSummary(f, into: &w)
        return w.string
    }

    /// Writes the summary (the printers' path: no intermediate strings).
    package func writeSummary(_ f: ValueFormatter = Proxy.formatter, into w: inout ByteWriter) {
        switch self {
        case .ver: w.literal("ver")
        case .registry: w.literal("re")
        case .importModule(let m): w.literal("im "); w.text(m)
        case .exec(let c): w.literal("ex "); JSONMapping.quote(c, into: &w)
        case let .call(t, name, args, kwargs):
            w.literal("cm "); f.write(t, into: &w); w.byte(0x2e); w.text(name); w.byte(0x28)
            var first = true
            for a in args {
                if !first { w.literal(", ") }
                first = false
                f.write(a, into: &w)
            }
            for e in kwargs {
                if !first { w.literal(", ") }
                first = false
                if case .string(let k) = e.key { w.text(k) } else { f.write(e.key, into: &w) }
                w.byte(0x3d)
                f.write(e.value, into: &w)
            }
            w.byte(0x29)
        case let .getProperty(t, n): w.literal("gp "); f.write(t, into: &w); w.byte(0x2e); w.text(n)
        case let .setProperty(t, n, v):
            w.literal("sp "); f.write(t, into: &w); w.byte(0x2e); w.text(n); w.literal(" = "); f.write(v, into: &w)
        case let .readInto(t, n): w.literal("ri "); f.write(t, into: &w); w.byte(0x20); w.decimal(n)
        case .release(let id): w.literal("_d P"); w.decimal(id)
        case .str(let t): w.literal("_s "); f.write(t, into: &w)
        case let .equal(a, b): w.literal("eq "); f.write(a, into: &w); w.byte(0x20); f.write(b, into: &w)
        case .identity(let t): w.literal("_id "); f.write(t, into: &w)
        case let .other(c, args):
            w.text(c); w.byte(0x28)
            for (i, a) in args.enumerated() {
                if i > 0 { w.literal(", ") }
                f.write(a, into: &w)
            }
            w.byte(0x29)
        case let .malformed(r, c, _):
            w.literal("malformed ")
            if let c { w.text(c) } else { w.literal("request") }
            w.literal(": "); w.text(r)
        }
    }
}
