-- The server→client direction of a urpc connection for the plugin: replies paired in order with
-- the requests, console output, the `ri` framing, ExtType(2) replies and the published server's
-- raw traceback (spec §7). Extends connection.lua's class.
local LIB = ...
if type(LIB) ~= "string" then return nil end
local mp = assert(loadfile(LIB .. "msgpack.lua"))(LIB)
local values = assert(loadfile(LIB .. "values.lua"))(LIB)
local requests = assert(loadfile(LIB .. "requests.lua"))(LIB)

return function(C)
    local PREFIX = "Traceback (most recent call last):"

    local function is_text(b) return b == 9 or b == 10 or b == 13 or (b >= 0x20 and b <= 0x7e) end

    local function exception_line(t)
        local last
        for line in t:gmatch("[^\r\n]+") do if line:match("%S") then last = line end end
        return last or ""
    end

    local function anomaly(m, kind, detail) m.anomalies[#m.anomalies + 1] = { kind = kind, detail = detail } end

    function C:start_traceback()
        local d = self.s2c
        self:flush_skipped(d)
        d.resync = false
        self.mode = "traceback"
        self.tb = { text = {}, len = 0, at_line_start = true, start = d.base, first_frame = d:first_frame(d.base) }
        if self:cut_short_read(self.tb.first_frame) then self.tb.trigger = "short-read"
        elseif self:head_request() then self.tb.trigger = "request"
        else self.tb.trigger = "eof" end
    end

    function C:emit_traceback()
        local d = self.s2c
        local text = table.concat(self.tb.text)
        local m = self:message(d, "error", "raw_traceback", self.tb.start, text, d.last_frame, d.last_time, self.tb.first_frame)
        m.trigger = self.tb.trigger
        self:attach(m)
        m.exception = exception_line(text)
        m.traceback = text
        m.summary = "↳ raw traceback (" .. #text .. " bytes, not msgpack, " .. m.trigger .. "): " .. m.exception
        anomaly(m, "legacy-error-path", "the published server wrote a Python traceback as raw text onto the RPC stream ("
            .. #text .. " bytes, " .. m.exception .. "): a client reads it as fixints and its RPC task dies")
        local h = self:head_request()
        if h then h.traceback_seen = true; h.msg.response_in = m.frame end
        self.tb, self.mode, self.server_dead = nil, "normal", true
    end

    function C:drain_server(frame, time)
        local d = self.s2c
        if not d:ready() then return end
        while true do
            if self.mode == "traceback" then
                -- Byte by byte, in linear time: the text ends with the first non-indented line
                -- (the exception line) after the header line.
                local tb = self.tb
                local i, buf, n = 1, d.buf, #d.buf
                while i <= n and not tb.done do
                    local b = buf:byte(i)
                    if not is_text(b) then break end
                    tb.len = tb.len + 1
                    if tb.at_line_start then tb.line_first, tb.line_pos, tb.at_line_start = b, tb.len, false end
                    if b == 10 then
                        if tb.len > #PREFIX + 1 and tb.line_pos > #PREFIX + 1 and tb.line_first ~= 0x20 and tb.line_first ~= 0x09 then
                            tb.done = true
                        end
                        tb.at_line_start = true
                    end
                    i = i + 1
                end
                if i > 1 then tb.text[#tb.text + 1] = d:take(i - 1) end
                if #d.buf == 0 and not tb.done then return end
                self:emit_traceback()
            elseif self.mode == "riraw" then
                if self.ri_left == 0 then self.mode = "riend"
                else
                    if #d.buf < self.ri_left then d:wait_for(self.ri_left); return end
                    local start = d.base
                    local bytes = d:take(self.ri_left)
                    local m = self:message(d, "raw", "ri_raw", start, bytes, frame, time)
                    self:attach(m)
                    m.summary = "⋯ ri data (" .. #bytes .. " bytes)"
                    self.mode = "riend"
                end
            else
                if #d.buf == 0 then return end
                local b = d.buf:byte(1)
                local tb = nil
                if b == 0x54 then
                    local have = d.buf:sub(1, #PREFIX)
                    if have == PREFIX then tb = true
                    elseif PREFIX:sub(1, #have) == have then return end
                end
                if tb then
                    self:start_traceback()
                elseif d.resync and (not self.any_request or not self:head_request()) then
                    d:skip_byte(d.skipped and d.skipped.reason or "resync")
                else
                    if d.resync then d.resync = false; self:flush_skipped(d) end
                    local node, r, why = mp.decode(d.buf, 1)
                    if node then
                        self:flush_skipped(d)
                        self.server_dead = false
                        self:reply(node, frame, time)
                    elseif r == "more" then
                        d:wait_for(why)
                        return
                    else
                        d:skip_byte(why)
                    end
                end
            end
        end
    end

    function C:reply(node, frame, time)
        local d = self.s2c
        local start = d.base
        local bytes = d:take(node.len)
        local m = self:message(d, "reply", "reply", start, bytes, frame, time)
        m.node, m.value, m.proxies = node, values.text(node), values.proxies(node)
        local h = self:head_request()
        local console = node.t == "ext" and node.code == 3
        m.summary = "↳ " .. m.value
        if console then
            m.kind, m.part = "console", "console"
            m.console = node.data
            m.summary = "⋯ console " .. values.quote(node.data)
        end
        if not h then
            anomaly(m, "unsolicited-reply", "a server message with no request outstanding (the server never sends unsolicited)")
            return
        end
        self:attach(m)
        if self.mode == "normal" and console then
            if not requests.may_print[h.cmd] and not h.req.other then
                anomaly(m, "unexpected-console", "console output during " .. h.cmd .. ", which runs no code")
            end
        elseif node.t == "ext" and node.code == 2 then
            m.kind, m.part = "error", "error_reply"
            local f = {}
            for field in (node.data .. "\4"):gmatch("(.-)\4") do f[#f + 1] = field end
            m.error = { name = f[1] or "", args = f[2] or "", traceback = table.concat(f, "\4", 3) }
            m.exception = m.error.args == "" and m.error.name or (m.error.name .. ": " .. m.error.args)
            m.summary = "↳ exception " .. m.exception
            self.mode = "normal"
            self:pop(m)
        elseif self.mode == "normal" then
            if h.req.known and h.cmd == "ri" and (node.t == "nil" or node.t == "int") then
                m.part = "ri_count"
                m.ri_count = node.t == "int" and node.v or nil
                local k
                if node.t == "nil" then k = math.max(0, math.min(h.req.asked, 512))
                elseif node.v >= 0 and node.v <= mp.default_opts.max_size then k = node.v end
                if k then
                    self.mode, self.ri_left = "riraw", k
                else
                    anomaly(m, "bad-ri-count", "ri count " .. node.v .. " cannot be a byte count")
                    self:pop(m)
                end
            else
                self:pop(m)
            end
        elseif self.mode == "riend" then
            m.part = "ri_end"
            if node.t ~= "nil" then anomaly(m, "bad-ri-end", "an ri reply ends with nil, not " .. node.t) end
            self.mode = "normal"
            self:pop(m)
        else
            self:pop(m)
        end
    end
end
