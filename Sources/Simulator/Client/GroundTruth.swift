import MessagePack
/// What a scenario knows about its own session: every proxy with the request that created it and
/// its fate, plus the anomalies it produced on purpose. Written with `urpc-sim client --truth FILE`.
package struct GroundTruth: Sendable, Equatable {
    package struct ProxyTruth: Sendable, Equatable {
        package var id: UInt32
        /// The request that created it: "im rpc_test", "cm RPC_Test", "cm accept" …; nil for an
        /// id the client used though the server never issued it.
        package var bornBy: String?
        package var released: Bool
        /// Born before the capture began (a capture that starts mid-session).
        package var bornBeforeCapture = false
        /// "released", "leaked", or "unknown" (never issued).
        package var fate: String { released ? "released" : bornBy == nil ? "unknown" : "leaked" }
    }

    package struct Anomaly: Sendable, Equatable {
        /// "release-during-reply", "error-reply", "raw-traceback", "never-released" …
        package var kind: String
        package var id: UInt32?
        package var detail: String?
    }

    /// How the published server's RPC task died (the legacy scenarios), as spec §7 names it.
    package struct Death: Sendable, Equatable {
        /// "eof" (the client closed, nothing outstanding), "short-read" (a request incomplete
        /// when the read timed out) or "request" (a complete request failed).
        package var trigger: String
        /// The traceback's last line: "ValueError: short read".
        package var exception: String
        /// The whole traceback as written on the stream.
        package var traceback: String
        /// Index (from 0, in sending order) of the failing or incomplete client message.
        package var failingRequest: Int?
        /// Client messages sent after the death; none is ever answered.
        package var afterDeath: [Message] = []

        package struct Message: Sendable, Equatable {
            package var index: Int
            package var cmd: String
            package var bytes: [UInt8]
        }
    }

    package var scenario: String
    /// Set by the legacy scenarios.
    package var death: Death?
    package var proxies: [ProxyTruth] = []
    package var anomalies: [Anomaly] = []
    package var requests = 0

    package init(scenario: String) { self.scenario = scenario }

    package var leaked: [UInt32] { proxies.filter { $0.fate == "leaked" }.map(\.id) }
    package var released: [UInt32] { proxies.filter(\.released).map(\.id) }

    /// The largest id issued so far (ids count up from 1 within a server session).
    package var maxBorn: UInt32 { proxies.filter { $0.bornBy != nil }.map(\.id).max() ?? 0 }

    /// The capture begins now (a capture that starts mid-session): every proxy so far was born
    /// before it, and requests count from here.
    mutating func captureBegins() {
        for i in proxies.indices { proxies[i].bornBeforeCapture = true }
        requests = 0
    }

    mutating func born(_ id: UInt32, by request: String) {
        if !proxies.contains(where: { $0.id == id }) { proxies.append(ProxyTruth(id: id, bornBy: request, released: false)) }
    }

    /// An id used in a request that the server never issued (it resolves to None there).
    mutating func usedUnknown(_ id: UInt32) {
        if !proxies.contains(where: { $0.id == id }) { proxies.append(ProxyTruth(id: id, bornBy: nil, released: false)) }
    }

    mutating func release(_ id: UInt32) {
        if let i = proxies.firstIndex(where: { $0.id == id }) { proxies[i].released = true }
    }

    /// The JSON document (stable key order, one proxy per line).
    package var json: String {
        func list(_ ids: [UInt32]) -> String { "[" + ids.map(String.init).joined(separator: ", ") + "]" }
        var s = "{\n  \"scenario\": \(quote(scenario)),\n  \"requests\": \(requests),\n  \"proxies\": ["
        s += proxies.map { p in
            "\n    {\"id\": \(p.id), \"born_by\": \(p.bornBy.map(quote) ?? "null"), \"released\": \(p.released), \"fate\": \"\(p.fate)\"\(p.bornBeforeCapture ? ", \"born_before_capture\": true" : "")}"
        }.joined(separator: ",")
        s += proxies.isEmpty ? "],\n" : "\n  ],\n"
        s += "  \"leaked\": \(list(leaked)),\n  \"released\": \(list(released)),\n  \"anomalies\": ["
        s += anomalies.map { a in
            var f = ["\"kind\": \(quote(a.kind))"]
            if let id = a.id { f.append("\"id\": \(id)") }
            if let d = a.detail { f.append("\"detail\": \(quote(d))") }
            return "\n    {" + f.joined(separator: ", ") + "}"
        }.joined(separator: ",")
        s += anomalies.isEmpty ? "]" : "\n  ]"
        if let d = death {
            s += ",\n  \"death\": {\n    \"trigger\": \(quote(d.trigger)),\n    \"exception\": \(quote(d.exception)),\n"
            s += "    \"failing_request\": \(d.failingRequest.map(String.init) ?? "null"),\n"
            s += "    \"traceback\": \(quote(d.traceback)),\n    \"after_death\": ["
            s += d.afterDeath.map { m in
                "\n      {\"index\": \(m.index), \"cmd\": \(quote(m.cmd)), \"hex\": \"\(Hex.string(m.bytes))\", \"answered\": false}"
            }.joined(separator: ",")
            s += d.afterDeath.isEmpty ? "]\n  }" : "\n    ]\n  }"
        }
        return s + "\n}\n"
    }

    private func quote(_ s: String) -> String {
        var out = ""
        JSONMapping.quote(s, into: &out)
        return out
    }
}
