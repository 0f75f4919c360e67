-- The plugin's fields, expert infos and the tree of one urpc message. The anomaly table is
-- msgdissect's registry (docs/anomalies.md: name, group, severity, meaning); a test checks that
-- the two agree.
local LIB = ...
if type(LIB) ~= "string" then return nil end
local values = assert(loadfile(LIB .. "values.lua"))(LIB)
local M = {}

M.anomalies = {
    { "gap", "wire", "warning", "bytes of a direction were not captured; messages around them are lost" },
    { "desync", "wire", "error", "bytes that do not decode were skipped to find the next message start" },
    { "mid-stream", "wire", "note", "the capture starts inside a connection; bytes before the first message start were skipped" },
    { "truncated-message", "wire", "warning", "the capture ends inside a message" },
    { "too-deep", "wire", "error", "a message nested deeper than the decoder's depth limit; shown to that depth" },
    { "malformed-request", "protocol", "error", "a request the server cannot take (not an array, wrong arity, wrong types); the published server dies on it" },
    { "unknown-command", "protocol", "warning", "a command outside the urpc set; the server looks it up among its module-level names" },
    { "bad-ext-code", "protocol", "error", "an ext code other than 1 (proxy) in a request; the server rejects it" },
    { "bad-proxy", "protocol", "error", "a proxy ext whose id is not 4 bytes" },
    { "bad-ri-count", "protocol", "error", "an ri reply whose count cannot be a byte count" },
    { "bad-ri-end", "protocol", "warning", "an ri reply that does not end with nil" },
    { "unexpected-console", "protocol", "note", "console output during a command that runs no code" },
    { "pipelined", "pairing", "note", "a request sent while earlier ones were unanswered (urpc is lock-step)" },
    { "unsolicited-reply", "pairing", "warning", "a server message with no request outstanding (the server never sends unsolicited)" },
    { "reply-lost", "pairing", "warning", "the reply to a request may be in bytes that were not captured" },
    { "no-reply", "pairing", "note", "a request with no reply by the end of the capture" },
    { "legacy-error-path", "error-path", "error", "the published server wrote a Python traceback as raw text onto the RPC stream; its RPC task dies" },
    { "server-dead", "error-path", "error", "a request sent after the server's RPC task died on its error path; never answered" },
    { "short-read", "error-path", "error", "the server gave up on a request still arriving (read timeout): the request ends where it stopped reading" },
    { "leaked", "lifecycle", "warning", "born and never released by an answered _d by the end of the capture" },
    { "double-release", "lifecycle", "error", "a further _d for an id already released" },
    { "use-after-release", "lifecycle", "error", "a use in a request the server processes after the id's _d" },
    { "unknown-id", "lifecycle", "note", "used or released but never seen born (before the capture began, or invalid)" },
    { "id-restart", "lifecycle", "warning", "the server restarted (ids began again); also each later use of an id born only before it" },
    { "release-during-reply", "lifecycle", "warning", "a _d sent while a reply was outstanding (the client's finaliser ran mid-reply)" },
    { "registry-mismatch", "lifecycle", "error", "an re registry dump disagrees with the tracked live set" },
    { "used-before-issued", "lifecycle", "note", "a pipelined use or release of an id whose birth reply was still in flight" },
    { "uint-read-as-signed", "lint", "warning", "a uint8/16/32 with its top bit set is read by the device as a negative signed int" },
    { "uint64-refused", "lint", "error", "uint64 is not implemented on the device (NotImplementedError); the stream is out of sync" },
    { "int64-refused", "lint", "error", "int64 is not implemented on the device (NotImplementedError); the stream is out of sync" },
    { "float64-refused", "lint", "error", "float64 is not implemented on the device (NotImplementedError); the stream is out of sync" },
    { "int32-wraps", "lint", "warning", "an int32 beyond ±2^30 is wrapped silently by the 32-bit device (31-bit small ints)" },
    { "ext-code-negative", "lint", "warning", "an ext type byte 0x80…0xff is read as a negative code, outside 0…127: the server rejects it" },
    { "bin32-length-overflow", "lint", "error", "a bin32 length ≥ 0xFFFFFFF0 wraps the device's allocation size: heap overflow (crash)" },
    { "str32-length-overflow", "lint", "error", "a str32 length ≥ 0xFFFFFFF0 wraps the device's allocation size: heap overflow (crash)" },
    { "ext32-length-overflow", "lint", "error", "an ext32 length ≥ 0xFFFFFFF0 wraps the device's allocation size: heap overflow (crash)" },
    { "array32-count-overflow", "lint", "error", "an array32 count ≥ 0x3FFFFFFE wraps the device's allocation size (heap corruption or crash)" },
    { "map32-count-overflow", "lint", "error", "a map32 count ≥ 0x20000000 wraps the device's allocation size (crash)" },
    { "nesting-overflow", "lint", "error", "containers nested about 300 deep overflow the C stack of the device's recursive decoder (crash)" },
    { "truncated", "lint", "error", "an object cut short: the device raises EOFError or \"short read\" and the stream is out of sync" },
    { "invalid-byte", "lint", "error", "byte 0xc1 is never used in MessagePack: the device raises NotImplementedError" },
    { "unhashable-map-key", "lint", "error", "an array or map used as a map key is unhashable on the device: TypeError, the stream is out of sync" },
    { "duplicate-map-key", "lint", "warning", "a map key repeats an earlier key of the same map: the device keeps the last value" },
}

local F = {}
M.fields = F
local experts = {}

local groups = { wire = "MALFORMED", protocol = "PROTOCOL", pairing = "SEQUENCE", ["error-path"] = "RESPONSE_CODE",
                 lifecycle = "SEQUENCE", lint = "PROTOCOL" }
local severities = { chat = "CHAT", note = "NOTE", warning = "WARN", error = "ERROR" }

function M.declare(proto)
    F.dir = ProtoField.string("urpc.dir", "Direction")
    F.kind = ProtoField.string("urpc.kind", "Kind")
    F.part = ProtoField.string("urpc.part", "Part")
    F.cmd = ProtoField.string("urpc.cmd", "Command")
    F.reply_cmd = ProtoField.string("urpc.reply_to_cmd", "Answers command")
    F.proxy = ProtoField.uint32("urpc.proxy", "Proxy", base.DEC)
    F.request_in = ProtoField.framenum("urpc.request_in", "Request in", base.NONE, frametype and frametype.REQUEST)
    F.response_in = ProtoField.framenum("urpc.response_in", "Response in", base.NONE, frametype and frametype.RESPONSE)
    F.first_frame = ProtoField.framenum("urpc.first_frame", "Begins in frame")
    F.latency = ProtoField.double("urpc.latency", "Latency (ms)")
    F.summary = ProtoField.string("urpc.summary", "Summary")
    F.value = ProtoField.string("urpc.value", "Value")
    F.console = ProtoField.string("urpc.console", "Console output")
    F.ri_count = ProtoField.int64("urpc.ri_count", "ri count")
    F.ri_data = ProtoField.bytes("urpc.ri_data", "ri raw bytes")
    F.ri_end = ProtoField.bool("urpc.ri_end", "ri end")
    F.raw = ProtoField.bytes("urpc.raw", "Bytes")
    F.exception = ProtoField.string("urpc.exception", "Exception")
    F.exc_name = ProtoField.string("urpc.exception.name", "Exception name")
    F.exc_args = ProtoField.string("urpc.exception.args", "Exception args")
    F.traceback = ProtoField.string("urpc.traceback", "Traceback")
    F.trigger = ProtoField.string("urpc.trigger", "Error trigger")
    F.anomaly = ProtoField.string("urpc.anomaly", "Anomaly")
    F.stream = ProtoField.uint32("urpc.stream", "Stream")
    F.offset = ProtoField.uint32("urpc.stream_offset", "Stream offset")
    F.length = ProtoField.uint32("urpc.length", "Length")
    F.node = ProtoField.string("urpc.msgpack", "MessagePack")
    local list = {}
    for _, f in pairs(F) do list[#list + 1] = f end
    proto.fields = list
    local el = {}
    for _, a in ipairs(M.anomalies) do
        local e = ProtoExpert.new("urpc.anomaly." .. a[1], a[1] .. ": " .. a[4], expert.group[groups[a[2]]],
                                  expert.severity[severities[a[3]]])
        experts[a[1]] = e
        el[#el + 1] = e
    end
    proto.experts = el
end

-- The MessagePack tree of a node (formats, offsets in the stream), bounded.
local function node_tree(tree, tvb, n, base, budget)
    if budget.left <= 0 then return end
    budget.left = budget.left - 1
    local label = n.fmt .. " @" .. (base + n.off - 1) .. ": " .. values.text(n, 80)
    local t = tree:add(F.node, tvb(0, 0), label)
    if n.items then for _, c in ipairs(n.items) do node_tree(t, tvb, c, base, budget) end end
end

function M.message(proto, tvb, tree, m, pinfo)
    -- The message's own bytes as a data source: it may span several frames.
    local mt = #m.raw > 0 and ByteArray.new(values.hex(m.raw)):tvb("urpc " .. m.part .. " (stream offset " .. m.off .. ")")
    local t = tree:add(proto, mt and mt() or tvb(0, 0), "urpc " .. m.dir .. " " .. (m.summary or m.part))
    local z = tvb(0, 0)
    t:add(F.dir, z, m.dir)
    t:add(F.kind, z, m.kind)
    t:add(F.part, z, m.part)
    if m.cmd and m.dir == "C>S" then t:add(F.cmd, z, m.cmd) elseif m.cmd then t:add(F.reply_cmd, z, m.cmd) end
    for _, id in ipairs(m.proxies) do t:add(F.proxy, z, id):set_text("Proxy: P" .. id) end
    if m.request_in then t:add(F.request_in, z, m.request_in) end
    if m.response_in then t:add(F.response_in, z, m.response_in) end
    if m.latency then t:add(F.latency, z, m.latency * 1000) end
    if m.summary then t:add(F.summary, z, m.summary) end
    if m.value then t:add(F.value, z, m.value) end
    if m.console then t:add(F.console, z, m.console) end
    if m.part == "ri_count" then t:add(F.ri_count, z, Int64.new(m.ri_count or 0)):append_text(m.ri_count and "" or " (nil: the whole slice)") end
    if m.part == "ri_raw" then t:add(F.ri_data, mt()) end
    if m.part == "ri_end" then t:add(F.ri_end, z, true) end
    if m.exception then t:add(F.exception, z, m.exception) end
    if m.error then
        t:add(F.exc_name, z, m.error.name)
        t:add(F.exc_args, z, m.error.args)
        t:add(F.traceback, z, m.error.traceback)
    end
    if m.traceback then t:add(F.traceback, z, m.traceback) end
    if m.trigger then t:add(F.trigger, z, m.trigger) end
    t:add(F.first_frame, z, m.first_frame)
    t:add(F.stream, z, m.stream)
    t:add(F.offset, z, m.off)
    t:add(F.length, z, m.len)
    if mt then t:add(F.raw, mt()) end
    if m.node then node_tree(t, tvb, m.node, m.off, { left = 200 }) end
    for _, a in ipairs(m.anomalies) do
        t:add(F.anomaly, z, a.kind)
        local e = experts[a.kind]
        if e then t:add_proto_expert_info(e, a.kind .. ": " .. a.detail) end
    end
end

return M
