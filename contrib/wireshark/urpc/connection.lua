-- The dissection of one urpc connection for the plugin, following msgdissect's rules
-- (Sources/URPC/Dissection): requests with the device lint, replies paired strictly in order with
-- the requests, console output, the `ri` framing (count, raw bytes, nil), ExtType(2) replies, the
-- published server's raw traceback (spec §7) with its trigger, requests cut short by the
-- server's read timeout, `server-dead`, and resynchronisation after bytes that do not decode.
-- Each message is a table: frame (where it ends), first_frame, dir ("C>S"/"S>C"), kind, part,
-- cmd, node, raw, proxies, request_in, response_in, latency, anomalies {kind, detail}, …
local LIB = ...
if type(LIB) ~= "string" then return nil end
local mp = assert(loadfile(LIB .. "msgpack.lua"))(LIB)
local values = assert(loadfile(LIB .. "values.lua"))(LIB)
local requests = assert(loadfile(LIB .. "requests.lua"))(LIB)
local Direction = assert(loadfile(LIB .. "direction.lua"))(LIB)
local M = {}
M.__index = M

local PREFIX = "Traceback (most recent call last):"

function M.new(stream, lint)
    return setmetatable({ stream = stream, lint = lint, c2s = Direction.new("C>S"), s2c = Direction.new("S>C"),
                          pending = {}, head = 1, mode = "normal", ri_left = 0, tb = nil, server_dead = false,
                          any_request = false, out = {} }, M)
end

function M:head_request() return self.pending[self.head] end
function M:outstanding() return #self.pending - self.head + 1 end

local function anomaly(m, kind, detail) m.anomalies[#m.anomalies + 1] = { kind = kind, detail = detail } end

function M:message(d, kind, part, start, bytes, frame, time, first)
    local m = { dir = d.name, kind = kind, part = part, off = start, len = #bytes, raw = bytes, frame = frame,
                time = time, first_frame = first or d:first_frame(start), stream = self.stream, anomalies = {},
                proxies = {} }
    self.out[#self.out + 1] = m
    return m
end

-- Pairs a server message with the head request (without popping it).
function M:attach(m)
    local h = self:head_request()
    if not h then return end
    m.request_in = h.frame
    m.cmd = h.cmd
    m.latency = m.time - h.time
end

function M:pop(m)
    local h = self:head_request()
    if h then h.msg.response_in = m.frame end
    self.head = self.head + 1
end

function M:flush_skipped(d)
    local start, bytes, why = d:take_skipped()
    if not start then return end
    local m = self:message(d, "raw", d.name == "C>S" and "malformed" or "skipped", start, bytes, d.last_frame, d.last_time)
    m.summary = #bytes .. " bytes skipped (" .. why .. ")"
    anomaly(m, why == "mid-stream" and "mid-stream" or "desync",
            #bytes .. " bytes of " .. d.name .. " skipped to find the next message start (" .. why .. ")")
end

-- A request message, queued for its reply.
function M:request(r, start, bytes, node, frame, time, first, anomalies)
    local m = self:message(self.c2s, "request", r.malformed and "malformed" or "request", start, bytes, frame, time, first)
    m.cmd, m.node, m.req = r.cmd, node, r
    for _, a in ipairs(anomalies or {}) do m.anomalies[#m.anomalies + 1] = a end
    if node then m.proxies = values.proxies(node) end
    if r.released then m.proxies[#m.proxies + 1] = r.released end
    local n = self:outstanding()
    if n > 0 and not (r.cmd == "_d" and r.known) and not self.server_dead then
        anomaly(m, "pipelined", "sent while " .. n .. " earlier request(s) were unanswered (urpc is lock-step)")
    end
    if self.server_dead then
        anomaly(m, "server-dead", "sent after the server's raw traceback: its RPC task is dead and never answers")
    end
    self.pending[#self.pending + 1] = { frame = frame, time = time, cmd = r.cmd, req = r, msg = m }
    self.any_request = true
    return m
end

local refusal = { ["uint64-refused"] = 1, ["int64-refused"] = 1, ["float64-refused"] = 1, ["invalid-byte"] = 1,
                  ["bad-ext-code"] = 1, ["bad-proxy"] = 1, ["nesting-overflow"] = 1, ["unhashable-map-key"] = 1 }

function M:decoded_request(node, frame, time)
    local d = self.c2s
    local start = d.base
    local r = requests.parse(node)
    local bytes = d:take(node.len)
    local a = {}
    if r.malformed then a[#a + 1] = { kind = "malformed-request", detail = r.malformed .. ": the published server dies on it" } end
    if r.other then a[#a + 1] = { kind = "unknown-command", detail = "'" .. r.cmd .. "' is not a urpc command; the server looks it up among its module-level names" } end
    if self.lint then
        for _, f in ipairs(values.lint(node, bytes)) do
            a[#a + 1] = { kind = f.kind, detail = f.detail .. " (offset " .. (start + f.off - 1) .. ")" }
        end
        for _, f in ipairs(values.ext_codes(node)) do a[#a + 1] = f end
    end
    local m = self:request(r, start, bytes, node, frame, time, nil, a)
    m.summary = requests.summary(r, node)
    m.value = values.text(node)
    for _, x in ipairs(m.anomalies) do if refusal[x.kind] then m.part = "malformed" end end
end

function M:drain_client(frame, time)
    local d = self.c2s
    if not d:ready() then return end
    while true do
        if d.resync then
            while #d.buf > 0 and not requests.looks_like_start(d.buf, 1) do d:skip_byte() end
            if #d.buf < 2 then return end
            d.resync = false
            self:flush_skipped(d)
        end
        if #d.buf == 0 then return end
        -- the bytes are decoded as a string whose first byte is the stream's d.base
        local node, r, why, at = mp.decode(d.buf, 1)
        if node then
            self:decoded_request(node, frame, time)
        elseif r == "more" then
            d:wait_for(why)
            return
        elseif r == "deep" and self:deep_request(frame, time) ~= "notone" then
            if #d.buf == 0 or self.waiting then self.waiting = nil; return end
        elseif r == "limit" then
            self:oversized_request(at, frame, time)
        else
            if not d.skipped then d.skipped = { start = d.base, bytes = {}, reason = why or "desync" } end
            d.resync = true
            d:skip_byte()
        end
    end
end

-- A request nested deeper than the decoder's limit is still one message (found by a scan).
function M:deep_request(frame, time)
    local d = self.c2s
    local stop, depth = mp.skip(d.buf, 1)
    if stop == "more" or depth == "more" then self.waiting = true; return "wait" end
    if not stop then return "notone" end
    local start, first = d.base, d:first_frame(d.base)
    local cmd = requests.command_of_partial(d.buf)
    local bytes = d:take(stop - 1)
    local reason = "nested " .. depth .. " deep, beyond the decoder's limit of " .. mp.default_opts.max_depth
    local a = { { kind = "too-deep", detail = "a request " .. reason .. ": one message of " .. #bytes .. " bytes" } }
    if self.lint and depth >= 300 then a[#a + 1] = { kind = "nesting-overflow", detail = "containers nested about 300 deep overflow the device's C stack" } end
    local m = self:request({ cmd = cmd, malformed = reason }, start, bytes, nil, frame, time, first, a)
    m.summary = "malformed " .. cmd .. ": " .. reason
    return "message"
end

-- A length or count beyond the limit: the server fails reading that header; the request ends there.
function M:oversized_request(at, frame, time)
    local d = self.c2s
    local fmt, _, hlen, n = mp.header(d.buf, at)
    local stop = at + hlen - 1
    local start, first = d.base, d:first_frame(d.base)
    local cmd = requests.command_of_partial(d.buf)
    local bytes = d:take(stop)
    local reason = "a " .. fmt .. " header at offset " .. (start + at - 1) .. " declares more than the limit: the server fails reading it and never reads the rest"
    local a = { { kind = "malformed-request", detail = reason } }
    local l = values.lint_header(fmt, n)
    if self.lint and l then a[#a + 1] = { kind = l, detail = fmt .. " " .. n .. " wraps the device's allocation size" } end
    local m = self:request({ cmd = cmd, malformed = reason }, start, bytes, nil, frame, time, first, a)
    m.summary = "malformed " .. cmd .. ": " .. reason
end

-- The server gave up on the client's message while it was arriving (spec §7 "short read"): the
-- client bytes that arrived before the traceback's first frame are that message, cut there.
function M:cut_short_read(before)
    local d = self.c2s
    d:ready(true)
    if d.resync or #d.buf == 0 then return false end
    local start = d.base
    local cut = d:offset_before(before)
    if cut <= start then return false end
    local first, last = d:first_frame(start), d:first_frame(cut - 1)
    local cmd = requests.command_of_partial(d.buf)
    local bytes = d:take(cut - start)
    d.need = 0
    local reason = "cut short: the server's read timed out after " .. #bytes .. " bytes of it (short read)"
    local m = self:request({ cmd = cmd, malformed = reason }, start, bytes, nil, last, d.frame_time[last] or d.last_time, first, {
        { kind = "short-read", detail = "the server's read timed out inside this request after " .. #bytes .. " bytes; it ends here and what the client sends later are new messages" } })
    m.summary = "malformed " .. cmd .. ": " .. reason
    return true
end

return M
