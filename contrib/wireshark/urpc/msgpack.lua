-- MessagePack reader of the urpc plugin (contrib/wireshark/urpc.lua). Every format of the
-- specification, ext and the timestamp extension included; every length and count is checked
-- against the bytes present before anything is read, nesting is bounded.
--
-- decode(s, pos, opts) reads one object from the Lua string s at 1-based pos and returns
--   node, nextpos            a complete object
--   nil, "more"              the object continues past the end of s
--   nil, "error", why, at    the bytes are not MessagePack (at: 1-based position of the bad header)
--   nil, "limit", why, at    a length or count beyond opts.max_size (at: the header's position)
--   nil, "deep", why, at     nested deeper than opts.max_depth
-- A node is {t=kind, fmt=format, off=pos, hlen=header bytes, len=total bytes, v=value,
-- items={...} (arrays; maps alternate key, value), code=ext code, data=ext payload}.
-- Kinds: nil bool int float str bin ext ts array map. Ints beyond 2^53 keep their exact text in
-- `text` (Lua 5.2 numbers are doubles).
local M = {}
local byte, sub = string.byte, string.sub

local function be(s, p, n)
    local v = 0
    for i = 0, n - 1 do v = v * 256 + byte(s, p + i) end
    return v
end

local function signed(v, bits)
    local half = 2 ^ (bits - 1)
    if v >= half then return v - 2 ^ bits end
    return v
end

-- Exact decimal text of an unsigned 64-bit big-endian value (8 bytes at p).
local function u64text(s, p)
    local digits = { 0 }
    for i = 0, 7 do
        local carry = byte(s, p + i)
        for d = 1, #digits do
            local x = digits[d] * 256 + carry
            digits[d] = x % 10
            carry = math.floor(x / 10)
        end
        while carry > 0 do digits[#digits + 1] = carry % 10; carry = math.floor(carry / 10) end
    end
    local out = {}
    for d = #digits, 1, -1 do out[#out + 1] = tostring(digits[d]) end
    return table.concat(out)
end

local function i64text(s, p)
    if byte(s, p) < 0x80 then return u64text(s, p) end
    -- two's complement: -(~x + 1)
    local b = {}
    for i = 0, 7 do b[i + 1] = 255 - byte(s, p + i) end
    local carry = 1
    for i = 8, 1, -1 do
        local x = b[i] + carry
        b[i] = x % 256
        carry = math.floor(x / 256)
    end
    return "-" .. u64text(string.char((table.unpack or unpack)(b)), 1)
end

local function float32(s, p)
    local b1, b2, b3, b4 = byte(s, p, p + 3)
    local sign = b1 >= 128 and -1 or 1
    local exp = (b1 % 128) * 2 + math.floor(b2 / 128)
    local mant = ((b2 % 128) * 256 + b3) * 256 + b4
    if exp == 255 then return mant == 0 and sign * math.huge or 0 / 0 end
    if exp == 0 then return sign * mant * 2 ^ -149 end
    return sign * (1 + mant / 2 ^ 23) * 2 ^ (exp - 127)
end

local function float64(s, p)
    local b1, b2 = byte(s, p, p + 1)
    local sign = b1 >= 128 and -1 or 1
    local exp = (b1 % 128) * 16 + math.floor(b2 / 16)
    local mant = (b2 % 16)
    for i = 2, 7 do mant = mant * 256 + byte(s, p + i) end
    if exp == 2047 then return mant == 0 and sign * math.huge or 0 / 0 end
    if exp == 0 then return sign * mant * 2 ^ -1074 end
    return sign * (1 + mant / 2 ^ 52) * 2 ^ (exp - 1023)
end

-- (format name, header length, payload length or element count, kind) of the header at p,
-- or nil, "more" when the header itself is cut.
local fixed = {
    [0xc4] = { "bin8", 1, "bin" }, [0xc5] = { "bin16", 2, "bin" }, [0xc6] = { "bin32", 4, "bin" },
    [0xd9] = { "str8", 1, "str" }, [0xda] = { "str16", 2, "str" }, [0xdb] = { "str32", 4, "str" },
    [0xc7] = { "ext8", 1, "ext" }, [0xc8] = { "ext16", 2, "ext" }, [0xc9] = { "ext32", 4, "ext" },
    [0xdc] = { "array16", 2, "array" }, [0xdd] = { "array32", 4, "array" },
    [0xde] = { "map16", 2, "map" }, [0xdf] = { "map32", 4, "map" },
}
local fixext = { [0xd4] = 1, [0xd5] = 2, [0xd6] = 4, [0xd7] = 8, [0xd8] = 16 }
local ints = {
    [0xcc] = { "uint8", 1, false }, [0xcd] = { "uint16", 2, false }, [0xce] = { "uint32", 4, false },
    [0xcf] = { "uint64", 8, false }, [0xd0] = { "int8", 1, true }, [0xd1] = { "int16", 2, true },
    [0xd2] = { "int32", 4, true }, [0xd3] = { "int64", 8, true },
}

-- Reads the header at p: returns fmt, kind, hlen, n (payload length, element count, or the
-- scalar's value), extra (ext code) ; or nil, "more" / nil, "error".
function M.header(s, p)
    local n = #s
    if p > n then return nil, "more" end
    local b = byte(s, p)
    if b <= 0x7f then return "positive fixint", "int", 1, b end
    if b >= 0xe0 then return "negative fixint", "int", 1, b - 256 end
    if b <= 0x8f then return "fixmap", "map", 1, b - 0x80 end
    if b <= 0x9f then return "fixarray", "array", 1, b - 0x90 end
    if b <= 0xbf then return "fixstr", "str", 1, b - 0xa0 end
    if b == 0xc0 then return "nil", "nil", 1 end
    if b == 0xc1 then return nil, "error", "invalid byte 0xc1" end
    if b == 0xc2 or b == 0xc3 then return b == 0xc3 and "true" or "false", "bool", 1, b == 0xc3 end
    if b == 0xca or b == 0xcb then
        local w = b == 0xca and 4 or 8
        if p + w > n then return nil, "more" end
        return b == 0xca and "float32" or "float64", "float", 1 + w, (w == 4 and float32 or float64)(s, p + 1)
    end
    local it = ints[b]
    if it then
        if p + it[2] > n then return nil, "more" end
        local v = be(s, p + 1, it[2])
        if it[3] then v = signed(v, it[2] * 8) end
        return it[1], "int", 1 + it[2], v
    end
    local fx = fixext[b]
    if fx then
        if p + 1 > n then return nil, "more" end
        return "fixext" .. fx, "ext", 2, fx, signed(byte(s, p + 1), 8)
    end
    local f = fixed[b]
    if p + f[2] > n then return nil, "more" end
    local len = be(s, p + 1, f[2])
    if f[3] == "ext" then
        if p + f[2] + 1 > n then return nil, "more" end
        return f[1], "ext", 2 + f[2], len, signed(byte(s, p + 1 + f[2]), 8)
    end
    return f[1], f[3], 1 + f[2], len
end

-- Strict UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF), as msgdissect's decoder:
-- a str that fails it is not a string there (a command in it is no command).
function M.valid_utf8(s)
    local i, n = 1, #s
    while i <= n do
        local c = byte(s, i)
        if c < 0x80 then i = i + 1
        else
            local len, lo, hi = 0, 0x80, 0xbf
            if c >= 0xc2 and c <= 0xdf then len = 1
            elseif c == 0xe0 then len, lo = 2, 0xa0
            elseif c == 0xed then len, hi = 2, 0x9f
            elseif c >= 0xe1 and c <= 0xef then len = 2
            elseif c == 0xf0 then len, lo = 3, 0x90
            elseif c >= 0xf1 and c <= 0xf3 then len = 3
            elseif c == 0xf4 then len, hi = 3, 0x8f
            else return false end
            if i + len > n then return false end
            local b = byte(s, i + 1)
            if b < lo or b > hi then return false end
            for k = 2, len do
                b = byte(s, i + k)
                if b < 0x80 or b > 0xbf then return false end
            end
            i = i + len + 1
        end
    end
    return true
end

local function decode(s, p, opts, depth, start)
    local fmt, kind, hlen, n, code = M.header(s, p)
    if not fmt then return nil, kind, hlen, p end
    local node = { t = kind, fmt = fmt, off = p, hlen = hlen }
    local q = p + hlen
    if kind == "array" or kind == "map" then
        local count = kind == "map" and 2 * n or n
        -- as msgdissect's scanner: the object (from its start to this header) plus what the
        -- header declares may not pass the limit
        if count > opts.max_size - (q - start) then return nil, "limit", fmt .. " count " .. n .. " beyond the limit", p end
        if depth >= opts.max_depth then return nil, "deep", "nested beyond " .. opts.max_depth, p end
        local items = {}
        for i = 1, count do
            local child, nq, why, at = decode(s, q, opts, depth + 1, start)
            if not child then return nil, nq, why, at end
            items[i] = child
            q = nq
        end
        node.items = items
        node.n = n
    elseif kind == "str" or kind == "bin" or kind == "ext" then
        if n > opts.max_size - (q - start) then return nil, "limit", fmt .. " length " .. n .. " beyond the limit", p end
        if q + n - 1 > #s then return nil, "more", q + n - 1 end
        local data = sub(s, q, q + n - 1)
        q = q + n
        if kind == "ext" then
            node.code = code
            node.data = data
            if code == -1 and (n == 4 or n == 8 or n == 12) then
                node.t = "ts"
                if n == 4 then node.v = { be(data, 1, 4), 0 }
                elseif n == 8 then
                    local hi = be(data, 1, 4)
                    node.v = { (hi % 4) * 2 ^ 32 + be(data, 5, 4), math.floor(hi / 4) }
                else
                    -- int64 seconds, exact while it fits a double's 53 bits (else also as text)
                    local hi, lo = be(data, 5, 4), be(data, 9, 4)
                    node.v = { (hi >= 2 ^ 31 and hi - 2 ^ 32 or hi) * 2 ^ 32 + lo, be(data, 1, 4) }
                    node.sec_text = i64text(data, 5)
                end
            end
        else
            node.v = data
            if kind == "str" and not M.valid_utf8(data) then node.bad_utf8 = true end
        end
    else
        node.v = n
        if fmt == "uint64" then node.text = u64text(s, p + 1)
        elseif fmt == "int64" then node.text = i64text(s, p + 1) end
    end
    node.len = q - p
    return node, q
end

M.default_opts = { max_size = 16 * 1024 * 1024, max_depth = 512 }

function M.decode(s, p, opts)
    return decode(s, p, opts or M.default_opts, 0, p)
end

-- The extent of one object at p without recursion (any depth): returns nextpos, max depth; or
-- nil, "more" / nil, "error" / nil, "limit".
function M.skip(s, p, opts)
    opts = opts or M.default_opts
    local stack, top, deepest, start = { 1 }, 1, 1, p
    while top > 0 do
        local fmt, kind, hlen, n = M.header(s, p)
        if not fmt then return nil, kind end
        stack[top] = stack[top] - 1
        p = p + hlen
        if kind == "array" or kind == "map" then
            local count = kind == "map" and 2 * n or n
            if count > opts.max_size - (p - start) then return nil, "limit" end
            if count > 0 then
                top = top + 1
                stack[top] = count
                if top > deepest then deepest = top end
            end
        elseif kind == "str" or kind == "bin" or kind == "ext" then
            if n > opts.max_size - (p - start) then return nil, "limit" end
            p = p + n
            if p - 1 > #s then return nil, "more" end
        end
        while top > 0 and stack[top] == 0 do top = top - 1 end
    end
    return p, deepest
end

M.float32 = float32
M.float64 = float64
return M
