-- One direction of a urpc connection for the plugin: the bytes that arrived and are not yet part
-- of a message, where each frame's bytes begin in the stream (a message's first frame; where a
-- message cut short ends), and the run of bytes skipped while resynchronising.
local M = {}
M.__index = M

function M.new(name)
    return setmetatable({ name = name, buf = "", parts = {}, plen = 0, need = 0, base = 0, bounds = {}, bhead = 1, last_frame = 0,
                          last_time = 0, resync = false, skipped = nil, frame_time = {} }, M)
end

-- Stream offset of the end of what has arrived.
function M:arrived() return self.base + #self.buf + self.plen end

-- New bytes are kept as pieces and joined only once a message waiting for more can be complete
-- (`need`: the stream offset it must reach), so a large message arriving in many segments costs
-- linear time.
function M:feed(bytes, frame, time)
    self.bounds[#self.bounds + 1] = { off = self:arrived(), frame = frame }
    self.parts[#self.parts + 1] = bytes
    self.plen = self.plen + #bytes
    self.last_frame, self.last_time = frame, time
    self.frame_time[frame] = time
end

-- True when enough has arrived to try again; joins the pieces into `buf`.
function M:ready(force)
    if not force and self:arrived() < self.need then return false end
    if self.plen > 0 then
        self.buf = self.buf .. table.concat(self.parts)
        self.parts, self.plen = {}, 0
    end
    return true
end

-- A message at the start of `buf` needs `n` bytes in all (nil: one more than there are).
function M:wait_for(n)
    self.need = self.base + (n or (#self.buf + 1))
end

-- The frame in which the byte at stream offset `off` arrived (asked in increasing order).
function M:first_frame(off)
    local b = self.bounds
    while self.bhead + 1 <= #b and b[self.bhead + 1].off <= off do self.bhead = self.bhead + 1 end
    return b[self.bhead] and b[self.bhead].frame or self.last_frame
end

-- Where the bytes of `frame` and later frames begin (the end of what arrived when none has).
function M:offset_before(frame)
    for i = self.bhead, #self.bounds do
        local b = self.bounds[i]
        if b.frame >= frame then return math.max(b.off, self.base) end
    end
    return self:arrived()
end

-- Removes and returns the first n bytes.
function M:take(n)
    local s = self.buf:sub(1, n)
    self.buf = self.buf:sub(n + 1)
    self.base = self.base + n
    return s
end

-- Skips one byte into the current skipped run.
function M:skip_byte(reason)
    if not self.skipped then self.skipped = { start = self.base, bytes = {}, reason = reason or "desync" } end
    local b = self:take(1)
    self.skipped.bytes[#self.skipped.bytes + 1] = b
end

-- The skipped run, if any, now reported and cleared.
function M:take_skipped()
    local s = self.skipped
    self.skipped = nil
    if not s or #s.bytes == 0 then return nil end
    return s.start, table.concat(s.bytes), s.reason
end

return M
