-- Test helper (WiresharkDecodeTests): loaded by tshark with -X lua_script, it decodes every file
-- listed in $URPC_DECODE_LIST with the plugin's MessagePack reader (objects back to back, as
-- `msgdissect decode`) and prints one line per file: "URPCDECODE <tab> path <tab> JSON lines
-- joined by \1 <tab> status" in msgdissect's JSON mapping, so the test can compare the two.
local LIB = os.getenv("URPC_LIB")
local list = os.getenv("URPC_DECODE_LIST")
if not LIB or not list then return end
local mp = assert(loadfile(LIB .. "msgpack.lua"))(LIB)
local values = assert(loadfile(LIB .. "values.lua"))(LIB)

local function num(v)
    if v ~= v then return '{"$float":"nan"}' end
    if v == math.huge then return '{"$float":"inf"}' elseif v == -math.huge then return '{"$float":"-inf"}' end
    if v == math.floor(v) and math.abs(v) < 2 ^ 53 then return string.format("%d", v) .. ".0" end
    return string.format("%.17g", v)
end

local json
local function str(n)
    if n.bad_utf8 then return '{"$str":"' .. values.hex(n.v) .. '"}' end
    return values.quote(n.v)
end
json = function(n)
    local t = n.t
    if t == "nil" then return "null"
    elseif t == "bool" then return n.v and "true" or "false"
    elseif t == "int" then return n.text or string.format("%d", n.v)
    elseif t == "float" then return num(n.v)
    elseif t == "str" then return str(n)
    elseif t == "bin" then return '{"$bin":"' .. values.hex(n.v) .. '"}'
    elseif t == "ts" then return '{"$timestamp":[' .. (n.sec_text or string.format("%d", n.v[1])) .. "," .. string.format("%d", n.v[2]) .. "]}"
    elseif t == "ext" then return '{"$ext":' .. n.code .. ',"hex":"' .. values.hex(n.data) .. '"}'
    elseif t == "array" then
        local out = {}
        for i, c in ipairs(n.items) do out[i] = json(c) end
        return "[" .. table.concat(out, ",") .. "]"
    else
        local seen, plain = {}, true
        for i = 1, #n.items, 2 do
            local k = n.items[i]
            if k.t ~= "str" or k.bad_utf8 or seen[k.v] then plain = false end
            seen[k.v or ""] = true
        end
        local out = {}
        for i = 1, #n.items, 2 do
            if plain then out[#out + 1] = values.quote(n.items[i].v) .. ":" .. json(n.items[i + 1])
            else out[#out + 1] = "[" .. json(n.items[i]) .. "," .. json(n.items[i + 1]) .. "]" end
        end
        if plain then return "{" .. table.concat(out, ",") .. "}" end
        return '{"$map":[' .. table.concat(out, ",") .. "]}"
    end
end

for path in io.lines(list) do
    local f = assert(io.open(path, "rb"))
    local s = f:read("*a")
    f:close()
    local p, lines, status = 1, {}, "ok"
    while p <= #s do
        local node, r = mp.decode(s, p)
        if not node then status = r; break end
        lines[#lines + 1] = string.format('{"offset":%d,"length":%d,"value":%s}', p - 1, node.len, json(node))
        p = r
    end
    io.write("URPCDECODE\t", path, "\t", table.concat(lines, "\1"), "\t", status, "\n")
end
