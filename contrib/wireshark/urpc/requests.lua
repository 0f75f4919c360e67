-- urpc V1 requests (spec §3) for the plugin: the command table, parsing a decoded request into
-- its command and why it is malformed, and the one-line summary. Mirrors msgdissect's Request.
local LIB = ...
if type(LIB) ~= "string" then return nil end
local values = assert(loadfile(LIB .. "values.lua"))(LIB)
local mp = assert(loadfile(LIB .. "msgpack.lua"))(LIB)
local M = {}

-- A str that is valid UTF-8 (msgdissect's decoder takes no other as a string).
local function is_str(n) return n.t == "str" and not n.bad_utf8 end

M.arity = { ver = 0, re = 0, im = 1, ex = 1, _d = 1, _s = 1, _id = 1, gp = 2, ri = 2, eq = 2, sp = 3, cm = 4 }
M.may_print = { ex = true, cm = true }

-- Does a request plausibly start at position p of s? 91–95, then a fixstr of 2–3 bytes naming a
-- command (or the end of what has arrived).
function M.looks_like_start(s, p)
    local b = s:byte(p)
    if not b or b < 0x91 or b > 0x95 then return false end
    local n = s:byte(p + 1)
    if not n then return true end
    if n ~= 0xa2 and n ~= 0xa3 then return false end
    local len = n - 0xa0
    if #s < p + 1 + len then return true end
    return M.arity[s:sub(p + 2, p + 1 + len)] ~= nil
end

-- The command of a partial request (its first element when it is a complete str), or "?".
function M.command_of_partial(s)
    local b = s:byte(1)
    if not b or b < 0x91 or b > 0x9f then return "?" end
    local n = s:byte(2)
    if n and n >= 0xa0 and n <= 0xbf and #s >= 2 + n - 0xa0 and mp.valid_utf8(s:sub(3, 2 + n - 0xa0)) then
        return s:sub(3, 2 + n - 0xa0)
    end
    return "?"
end

-- Parses a decoded request: {cmd=string ("?" when none), known=bool, malformed=reason or nil,
-- asked=ri count, released=id of a _d}.
function M.parse(node)
    local r = { cmd = "?" }
    if node.t ~= "array" or #node.items == 0 then
        r.malformed = "a request must be a non-empty array, got " .. node.t
        return r
    end
    local first = node.items[1]
    if not is_str(first) then
        r.malformed = "the first element of a request must be a command str, got " .. first.t
        return r
    end
    r.cmd = first.v
    local args = {}
    for i = 2, #node.items do args[#args + 1] = node.items[i] end
    r.args = args
    local arity = M.arity[r.cmd]
    if not arity then r.other = true; return r end
    if #args ~= arity then
        r.malformed = r.cmd == "cm" and ("cm takes exactly 4 arguments (target, name, args, kwargs), got " .. #args)
            or (r.cmd .. " with " .. #args .. " argument" .. (#args == 1 and "" or "s"))
        return r
    end
    local c = r.cmd
    if (c == "im" or c == "ex") and not is_str(args[1]) then r.malformed = c .. " takes a str"
    elseif c == "cm" then
        if not is_str(args[2]) then r.malformed = "cm method name must be a str"
        elseif args[3].t ~= "array" then r.malformed = "cm args must be an array"
        elseif args[4].t ~= "map" then r.malformed = "cm kwargs must be a map" end
    elseif (c == "gp" or c == "sp") and not is_str(args[2]) then r.malformed = c .. " name must be a str"
    elseif c == "ri" then
        if args[2].t ~= "int" then r.malformed = "ri count must be an int" else r.asked = args[2].v end
    elseif c == "_d" then
        local d = args[1]
        if d.t == "bin" and #d.v == 4 then
            r.released = ((d.v:byte(1) * 256 + d.v:byte(2)) * 256 + d.v:byte(3)) * 256 + d.v:byte(4)
        else
            r.malformed = "_d takes the proxy id as bin of length 4"
        end
    end
    r.known = r.malformed == nil
    return r
end

-- `cm P2.add(5, 7)`, `_d P1`, `im rpc_test` …
function M.summary(r, node)
    if r.malformed then return "malformed " .. (r.cmd ~= "?" and r.cmd or "request") .. ": " .. r.malformed end
    local a = r.args
    local t = function(n) return values.text(n, 200) end
    local c = r.cmd
    if c == "ver" or c == "re" then return c end
    if c == "im" then return "im " .. a[1].v end
    if c == "ex" then return "ex " .. t(a[1]) end
    if c == "cm" then
        local parts = {}
        for _, x in ipairs(a[3].items) do parts[#parts + 1] = t(x) end
        for i = 1, #a[4].items, 2 do
            local k = a[4].items[i]
            parts[#parts + 1] = (is_str(k) and k.v or t(k)) .. "=" .. t(a[4].items[i + 1])
        end
        return "cm " .. t(a[1]) .. "." .. a[2].v .. "(" .. table.concat(parts, ", ") .. ")"
    end
    if c == "gp" then return "gp " .. t(a[1]) .. "." .. a[2].v end
    if c == "sp" then return "sp " .. t(a[1]) .. "." .. a[2].v .. " = " .. t(a[3]) end
    if c == "ri" then return "ri " .. t(a[1]) .. " " .. t(a[2]) end
    if c == "_d" then return "_d P" .. r.released end
    if c == "eq" then return "eq " .. t(a[1]) .. " " .. t(a[2]) end
    if c == "_s" or c == "_id" then return c .. " " .. t(a[1]) end
    local parts = {}
    for _, x in ipairs(a) do parts[#parts + 1] = t(x) end
    return c .. "(" .. table.concat(parts, ", ") .. ")"
end

return M
