import MessagePack
/// What a scenario knows about its own session: every proxy with the request that created it and
/// its fate, plus the anomalies it produced on purpose. Written with `urpc-sim client --truth FILE`.
package struct GroundTruth: Sendable, Equatable {
    package struct Proxy: Sendable, Equatable {
        package var id: UInt32
        /// The request that created it: "im rpc_test", "cm RPC_Test", "cm accept" …
        package var bornBy: String
        package var released: Bool
        /// "released" or "leaked".
        package var fate: String { released ? "released" : "leaked" }
    }

    package struct Anomaly: Sendable, Equatable {
        /// "release-during-reply", "error-reply", "raw-traceback", "never-released" …
        package var kind: String
        package var id: UInt32?
        package var detail: String?
    }

    package var scenario: String
    package var proxies: [Proxy] = []
    package var anomalies: [Anomaly] = []
    package var requests = 0

    package init(scenario: String) { self.scenario = scenario }

    package var leaked: [UInt32] { proxies.filter { !$0.released }.map(\.id) }
    package var released: [UInt32] { proxies.filter(\.released).map(\.id) }

    mutating func born(_ id: UInt32, by request: String) {
        if !proxies.contains(where: { $0.id == id }) { proxies.append(Proxy(id: id, bornBy: request, released: false)) }
    }

    mutating func release(_ id: UInt32) {
        if let i = proxies.firstIndex(where: { $0.id == id }) { proxies[i].released = true }
    }

    /// The JSON document (stable key order, one proxy per line).
    package var json: String {
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
        var out = ""
        JSONMapping.quote(s, into: &out)
        return out
    }
}
