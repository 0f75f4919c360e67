/// What a scenario knows about its own session: every proxy with the request that created it and
/// its fate, plus the anomalies it produced on purpose. Written with `urpc-sim client --truth FILE`.
public struct GroundTruth: Sendable, Equatable {
    public struct Proxy: Sendable, Equatable {
        public var id: UInt32
        /// The request that created it: "im rpc_test", "cm RPC_Test", "cm accept" …
        public var bornBy: String
        public var released: Bool
        /// "released" or "leaked".
        public var fate: String { released ? "released" : "leaked" }
    }

    public struct Anomaly: Sendable, Equatable {
        /// "release-during-reply", "error-reply", "raw-traceback", "never-released" …
        public var kind: String
        public var id: UInt32?
        public var detail: String?
    }

    public var scenario: String
    public var proxies: [Proxy] = []
    public var anomalies: [Anomaly] = []
    public var requests = 0

    public init(scenario: String) { self.scenario = scenario }

    public var leaked: [UInt32] { proxies.filter { !$0.released }.map(\.id) }
    public var released: [UInt32] { proxies.filter(\.released).map(\.id) }

    mutating func born(_ id: UInt32, by request: String) {
        if !proxies.contains(where: { $0.id == id }) { proxies.append(Proxy(id: id, bornBy: request, released: false)) }
    }

    mutating func release(_ id: UInt32) {
        if let i = proxies.firstIndex(where: { $0.id == id }) { proxies[i].released = true }
    }

    /// The JSON document (stable key order, one proxy per line).
    public var json: String {
        func list(_ ids: [UInt32]) -> String { "[" + ids.map(String.init).joined(separator: ", ") + "]" }
        var s = "{\n  \"scenario\": \(quote(scenario)),\n  \"requests\": \(requests),\n  \"proxies\": ["
        s += proxies.map { p in
            "\n    {\"id\": \(p.id), \"born_by\": \(quote(p.bornBy)), \"released\": \(p.released), \"fate\": \"\(p.fate)\"}"
        }.joined(separator: ",")
        s += proxies.isEmpty ? "],\n" : "\n  ],\n"
        s += "  \"leaked\": \(list(leaked)),\n  \"released\": \(list(released)),\n  \"anomalies\": ["
        s += anomalies.map { a in
            var f = ["\"kind\": \(quote(a.kind))"]
            if let id = a.id { f.append("\"id\": \(id)") }
            if let d = a.detail { f.append("\"detail\": \(quote(d))") }
            return "\n    {" + f.joined(separator: ", ") + "}"
        }.joined(separator: ",")
        s += anomalies.isEmpty ? "]\n}\n" : "\n  ]\n}\n"
        return s
    }

    private func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) }
                else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
