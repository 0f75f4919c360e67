import Capture
import MessagePack
import URPC

/// A small JSON writer: the report is written by hand so that 100,000 proxies cost one pass.
struct JSONWriter {
    var out = ""

    static func quote(_ s: String) -> String {
        var r = ""
        JSONMapping.quote(s, into: &r)
        return r
    }

    static func opt(_ v: Int?) -> String { v.map(String.init) ?? "null" }
    static func opt(_ v: String?) -> String { v.map(quote) ?? "null" }
    static func ids(_ v: [UInt32]) -> String { "[" + v.map(String.init).joined(separator: ",") + "]" }
}

extension LeakReport {
    /// The report as JSON:
    /// `{"proxies":[…],"anomalies":[…],"summary":{…},"connections":[{"stream","client","server","proxies":{…}}]}`
    /// where each connection's `proxies` has exactly the capture manifest's shape.
    package func json() -> String {
        typealias W = JSONWriter
        var o = "{\n\"proxies\":["
        for (i, r) in records.enumerated() {
            if i > 0 { o += "," }
            o += "\n{\"id\":\(r.id),\"stream\":\(r.stream),\"epoch\":\(r.epoch)"
            o += ",\"born_frame\":" + W.opt(r.birth?.frame)
            o += ",\"born_msg\":" + W.opt(r.birth?.message)
            o += ",\"born_by\":" + W.opt(r.birth?.creator)
            o += ",\"born_time\":" + (r.birth.map { LeakReport.seconds(offset($0.time)) } ?? "null")
            o += ",\"path\":" + W.opt(r.birth?.path)
            o += ",\"uses\":\(r.uses.count)"
            o += ",\"last_use_frame\":" + W.opt(r.lastUse?.frame)
            o += ",\"released_frame\":" + W.opt(r.release?.frame)
            o += ",\"release_answered\":" + (r.release.map { $0.answered ? "true" : "false" } ?? "null")
            o += ",\"fate\":" + W.quote(r.fate.rawValue)
            if r.bornBeforeCapture { o += ",\"born_before_capture\":true" }
            o += "}"
        }
        o += "\n],\n\"anomalies\":["
        for (i, a) in anomalies.enumerated() {
            if i > 0 { o += "," }
            o += "\n{\"kind\":" + W.quote(a.kind) + ",\"severity\":" + W.quote(a.severity.rawValue)
            o += ",\"id\":" + W.opt(a.proxy.map(Int.init)) + ",\"stream\":" + W.opt(a.stream)
            o += ",\"frame\":" + W.opt(a.frame) + ",\"detail\":" + W.quote(a.detail) + "}"
        }
        let s = summary
        o += "\n],\n\"summary\":{\"proxies\":\(s.proxies),\"born\":\(s.born),\"uses\":\(s.uses),\"released\":\(s.released)"
        o += ",\"leaked\":\(s.leaked),\"leak_groups\":\(s.leakGroups),\"lost_in_restart\":\(s.lostInRestart),\"unknown\":\(s.unknown)"
        o += ",\"end_frame\":\(endFrame),\"duration\":" + LeakReport.seconds(offset(endTime))
        o += ",\"anomalies\":{" + s.anomalies.sorted { $0.key < $1.key }.map { W.quote($0.key) + ":\($0.value)" }.joined(separator: ",") + "}"
        o += ",\"line\":" + W.quote(summaryLine) + "},\n\"connections\":["
        for (i, c) in connections.enumerated() {
            if i > 0 { o += "," }
            o += "\n" + c.json()
        }
        o += "\n]\n}\n"
        return o
    }
}

extension ConnectionLifecycle {
    /// `{"stream","client","server","client_port","server_port","proxies":{born, used, released,
    /// double_releases, uses_after_release, unknown_ids, used_before_issued_on_wire, leaked_at_end,
    /// registry_snapshots}}`; `proxies` as in the capture manifests.
    package func json() -> String {
        typealias W = JSONWriter
        func used(_ u: [Used]) -> String {
            "[" + u.map { "{\"id\":\($0.id),\"msg\":\($0.msg),\"frame\":\($0.frame),\"cmd\":" + W.quote($0.cmd) + "}" }
                .joined(separator: ",") + "]"
        }
        var o = "{\"stream\":\(stream),\"client\":" + W.opt(client?.description) + ",\"server\":" + W.opt(server?.description)
        o += ",\"client_port\":" + W.opt(client.map { Int($0.port) }) + ",\"server_port\":" + W.opt(server.map { Int($0.port) })
        o += ",\"proxies\":{\n \"born\":["
        o += born.map { "{\"id\":\($0.id),\"msg\":\($0.msg),\"frame\":\($0.frame),\"in_reply_to\":" + W.opt($0.inReplyTo) + ",\"cmd\":" + W.opt($0.cmd) + "}" }
            .joined(separator: ",")
        o += "],\n \"used\":" + used(self.used)
        o += ",\n \"released\":[" + released.map {
            "{\"id\":\($0.id),\"msg\":\($0.msg),\"frame\":\($0.frame),\"processed_by_server\":\($0.processedByServer)}"
        }.joined(separator: ",") + "]"
        o += ",\n \"double_releases\":[" + doubleReleases.map { "{\"id\":\($0.id),\"msg\":\($0.msg),\"frame\":\($0.frame)}" }
            .joined(separator: ",") + "]"
        o += ",\n \"uses_after_release\":" + used(usesAfterRelease)
        o += ",\n \"unknown_ids\":" + W.ids(unknownIDs)
        o += ",\n \"used_before_issued_on_wire\":" + used(usedBeforeIssuedOnWire)
        o += ",\n \"leaked_at_end\":" + W.ids(leakedAtEnd)
        o += ",\n \"registry_snapshots\":[" + registrySnapshots.map {
            "{\"msg\":\($0.msg),\"ids\":" + W.ids($0.ids) + ",\"matches_lifecycle\":\($0.matchesLifecycle)}"
        }.joined(separator: ",") + "]\n}}"
        return o
    }
}
