-- Values of the urpc plugin as readable text (proxies as P<id>, like msgdissect), the proxies
-- inside a value, and the device lint (spec §2): what the device would read differently or refuse.
local M = {}
local byte = string.byte

local function hex(s, max)
    local out = {}
    for i = 1, math.min(#s, max or #s) do out[i] = string.format("%02x", byte(s, i)) end
    if max and #s > max then out[#out + 1] = "…" end
    return table.concat(out)
end
M.hex = hex

function M.proxy_id(node)
    if node.t == "ext" and node.code == 1 and #node.data == 4 then
        local d = node.data
        return ((byte(d, 1) * 256 + byte(d, 2)) * 256 + byte(d, 3)) * 256 + byte(d, 4)
    end
    return nil
end

local function quote(s)
    return '"' .. s:gsub('[%c"\\]', function(c)
        if c == '"' then return '\\"' elseif c == "\\" then return "\\\\"
        elseif c == "\n" then return "\\n" elseif c == "\r" then return "\\r" elseif c == "\t" then return "\\t" end
        return string.format("\\u%04x", byte(c))
    end) .. '"'
end
M.quote = quote

local function number(v)
    if v ~= v then return "nan" end
    if v == math.huge then return "inf" elseif v == -math.huge then return "-inf" end
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%d", v) end
    return string.format("%.17g", v)
end

local function text(node, out, budget)
    if #out > budget then out[#out + 1] = "…"; return end
    local t = node.t
    if t == "nil" then out[#out + 1] = "None"
    elseif t == "bool" then out[#out + 1] = node.v and "True" or "False"
    elseif t == "int" then out[#out + 1] = node.text or number(node.v)
    elseif t == "float" then out[#out + 1] = number(node.v) .. (node.fmt == "float32" and "f" or "")
    elseif t == "str" then out[#out + 1] = quote(node.v)
    elseif t == "bin" then out[#out + 1] = "bin(" .. hex(node.v, 64) .. ")"
    elseif t == "ts" then out[#out + 1] = string.format("timestamp(%s, %s)", node.sec_text or number(node.v[1]), number(node.v[2]))
    elseif t == "ext" then
        local id = M.proxy_id(node)
        if id then out[#out + 1] = "P" .. id
        elseif node.code == 3 then out[#out + 1] = "console(" .. hex(node.data, 64) .. ")"
        else out[#out + 1] = "ext(" .. node.code .. ", " .. hex(node.data, 64) .. ")" end
    elseif t == "array" then
        out[#out + 1] = "["
        for i, c in ipairs(node.items) do
            if i > 1 then out[#out + 1] = ", " end
            text(c, out, budget)
        end
        out[#out + 1] = "]"
    elseif t == "map" then
        out[#out + 1] = "{"
        for i = 1, #node.items, 2 do
            if i > 1 then out[#out + 1] = ", " end
            text(node.items[i], out, budget)
            out[#out + 1] = ": "
            text(node.items[i + 1], out, budget)
        end
        out[#out + 1] = "}"
    end
end

function M.text(node, budget)
    local out = {}
    text(node, out, budget or 400)
    return table.concat(out)
end

-- Every proxy id inside a node, in wire order.
function M.proxies(node, out)
    out = out or {}
    local id = M.proxy_id(node)
    if id then out[#out + 1] = id end
    if node.items then for _, c in ipairs(node.items) do M.proxies(c, out) end end
    return out
end

-- The device lint of a decoded request: a list of {kind, detail, off}.
local function lint(node, depth, out, s)
    local f = node.fmt
    local function add(kind, detail) out[#out + 1] = { kind = kind, detail = detail, off = node.off } end
    if (f == "uint8" and node.v >= 0x80) or (f == "uint16" and node.v >= 0x8000) or (f == "uint32" and node.v >= 0x80000000) then
        local bits = f == "uint8" and 8 or f == "uint16" and 16 or 32
        add("uint-read-as-signed", string.format("%s %d is read by the device as %d", f, node.v, node.v - 2 ^ bits))
    elseif f == "uint64" then add("uint64-refused", "uint64 is not implemented on the device (NotImplementedError); the stream is out of sync")
    elseif f == "int64" then add("int64-refused", "int64 is not implemented on the device (NotImplementedError); the stream is out of sync")
    elseif f == "float64" then add("float64-refused", "float64 is not implemented on the device (NotImplementedError); the stream is out of sync")
    elseif f == "int32" and (node.v >= 2 ^ 30 or node.v < -2 ^ 30) then
        add("int32-wraps", string.format("int32 %d is beyond ±2^30: the 32-bit device wraps it", node.v))
    end
    if (node.t == "ext" or node.t == "ts") and node.code < 0 then
        add("ext-code-negative", "ext type byte " .. (node.code + 256) .. " is read as code " .. node.code)
    end
    if node.items and depth + 1 == 300 then add("nesting-overflow", "containers nested 300 deep overflow the device's C stack") end
    if node.t == "map" then
        local seen = {}
        for i = 1, #node.items, 2 do
            local k = node.items[i]
            if k.t == "array" or k.t == "map" then
                out[#out + 1] = { kind = "unhashable-map-key", detail = "a " .. k.t .. " used as a map key is unhashable on the device", off = k.off }
            else
                local raw = s:sub(k.off, k.off + k.len - 1)
                if seen[raw] then
                    out[#out + 1] = { kind = "duplicate-map-key", detail = "map key " .. M.text(k, 60) .. " repeats an earlier key: the device keeps the last value", off = k.off }
                end
                seen[raw] = true
            end
        end
    end
    if node.items then for _, c in ipairs(node.items) do lint(c, depth + 1, out, s) end end
    return out
end

function M.lint(node, s) return lint(node, 0, {}, s) end

-- The lint of a length or count header the decoder refused (the request ends with it).
function M.lint_header(fmt, n)
    if (fmt == "bin32" or fmt == "str32" or fmt == "ext32") and n >= 0xFFFFFFF0 then
        return fmt .. "-length-overflow"
    elseif fmt == "array32" and n >= 0x3FFFFFFE then return "array32-count-overflow"
    elseif fmt == "map32" and n >= 0x20000000 then return "map32-count-overflow" end
    return nil
end

-- Ext codes other than 1 in a request, and proxies whose id is not 4 bytes (spec §3).
function M.ext_codes(node, out)
    out = out or {}
    if node.t == "ts" then
        out[#out + 1] = { kind = "bad-ext-code", detail = "a timestamp (ext code -1) in a request: the server accepts only proxies (code 1)" }
    elseif node.t == "ext" then
        if node.code ~= 1 then
            out[#out + 1] = { kind = "bad-ext-code", detail = "ext code " .. node.code .. " in a request: the server accepts only proxies (code 1)" }
        elseif #node.data ~= 4 then
            out[#out + 1] = { kind = "bad-proxy", detail = "a proxy ext with " .. #node.data .. " bytes of id (4 expected)" }
        end
    end
    if node.items then for _, c in ipairs(node.items) do M.ext_codes(c, out) end end
    return out
end

return M
