-- Wireshark dissector for urpc V1, the MessagePack RPC between an esp32 WiFi co-processor and an
-- stm32 client (msgscope: ../shared/spec/urpc-v1.md). It follows msgdissect's rules with its own
-- code: one tree item per urpc message, replies paired in order with their requests, console
-- output, `ri` raw bytes, ExtType(2) replies and the published server's raw traceback, anomalies
-- and the device lint as expert info. Install: `make install` (personal plugin folder), or
-- `tshark -X lua_script:contrib/wireshark/urpc.lua -r capture.pcap`.
--
-- TCP: the port in the preference (default 7000, also "Decode As"), and a heuristic that
-- recognises a client's request (91–95, then a command str) on any port. Serial captures written
-- by msgscope (link type 252, exported PDUs tagged "msgpack" with a P2P direction) are taken
-- from the Upper PDU dissector. State is computed once per frame on the first pass and stored, so
-- the tree is the same on every later pass (`tshark -2` and the GUI also show `urpc.response_in`).
local here = debug.getinfo(1, "S").source:match("^@(.*[/\\])") or ""
local LIB = here .. "urpc/"
local Connection = assert(loadfile(LIB .. "connection.lua"))(LIB)
assert(loadfile(LIB .. "server.lua"))(LIB)(Connection)
local requests = assert(loadfile(LIB .. "requests.lua"))(LIB)
local show = assert(loadfile(LIB .. "show.lua"))(LIB)

local urpc = Proto("urpc", "urpc V1 (MessagePack RPC)")
show.declare(urpc)
urpc.prefs.port = Pref.uint("TCP port", 7000, "The server's TCP port (others are found by the heuristic)")
urpc.prefs.lint = Pref.bool("Device lint", true, "Report what the device reads differently or refuses")
urpc.prefs.desegment = Pref.bool("Reassemble with TCP", false,
    "Let TCP reassemble messages (desegment_len). Off: the plugin reassembles each direction itself, by "
    .. "sequence number, so a request the server cut short (spec §7) is shown in its own frame")

local f_stream = Field.new("tcp.stream")
local f_seq = Field.new("tcp.seq")
local f_len = Field.new("tcp.len")

local conns, by_frame, deseg = {}, {}, {}

function urpc.init()
    conns, by_frame, deseg, nstreams = {}, {}, {}, 0
end

local function store(c)
    for _, m in ipairs(c.out) do
        local l = by_frame[m.frame] or {}
        by_frame[m.frame] = l
        l[#l + 1] = m
    end
    c.out = {}
end

local function render(tvb, pinfo, tree, dirname)
    local l = by_frame[pinfo.number]
    if not l then return end
    pinfo.cols.protocol = "urpc"
    local parts = {}
    for _, m in ipairs(l) do
        show.message(urpc, tvb, tree, m, pinfo)
        parts[#parts + 1] = m.dir .. " " .. (m.summary or m.part)
    end
    pinfo.cols.info = table.concat(parts, " · ")
end

local function endpoint(addr, port) return tostring(addr) .. ":" .. port end

-- The connection of a TCP frame (keyed by its endpoints: field extractors give nothing in a
-- first pass without a tree, e.g. `tshark -2` without a filter) and this frame's direction.
local function conn_key(pinfo)
    local a, b = endpoint(pinfo.src, pinfo.src_port), endpoint(pinfo.dst, pinfo.dst_port)
    if a > b then a, b = b, a end
    return a .. " " .. b
end

local nstreams = 0

local function tcp_conn(tvb, pinfo)
    local key = conn_key(pinfo)
    local c = conns[key]
    local src = endpoint(pinfo.src, pinfo.src_port)
    if not c then
        local st = f_stream()
        c = Connection.new(st and st.value or nstreams, urpc.prefs.lint)
        nstreams = nstreams + 1
        conns[key] = c
        local port = urpc.prefs.port
        local s = tvb:len() > 0 and tvb:raw(0, math.min(tvb:len(), 8)) or ""
        if pinfo.dst_port == port then c.client = src
        elseif pinfo.src_port == port then c.client = endpoint(pinfo.dst, pinfo.dst_port)
        elseif #s > 0 and requests.looks_like_start(s, 1) then c.client = src
        elseif pinfo.src_port > pinfo.dst_port then c.client = src
        else c.client = endpoint(pinfo.dst, pinfo.dst_port) end
    end
    return c, (src == c.client) and "c2s" or "s2c"
end

local function drain(c, which, frame, time)
    if which == "c2s" then c:drain_client(frame, time) else c:drain_server(frame, time) end
end

local function dissect_tcp(tvb, pinfo, tree)
    local len = tvb:len()
    if not pinfo.visited then
        local c, which = tcp_conn(tvb, pinfo)
        local d = c[which]
        local time = pinfo.abs_ts
        if urpc.prefs.desegment then
            -- TCP hands over everything from where we asked it to keep bytes (d.told).
            d.told = d.told or 0
            local new = d:arrived() - d.told
            if len > new then d:feed(tvb:raw(new, len - new), pinfo.number, time) end
            drain(c, which, pinfo.number, time)
            local keep = d.base - d.told
            if #d.buf > 0 and keep < len then
                deseg[pinfo.number] = { math.max(keep, 0), DESEGMENT_ONE_MORE_SEGMENT }
            end
            d.told = math.max(d.base, d.told)
        else
            -- Our own reassembly by sequence number: retransmitted and overlapping bytes once
            -- (without the sequence number, in a first pass without a tree, every payload counts).
            local fs, fl = f_seq(), f_len()
            local seq, tl = fs and fs.value or d:arrived(), fl and fl.value or len
            d.next_seq = d.next_seq or seq
            local skip = d.next_seq - seq
            if skip < tl and len > 0 then
                if skip < 0 then skip = 0 end
                d:feed(tvb:raw(skip, len - skip), pinfo.number, time)
                drain(c, which, pinfo.number, time)
                d.next_seq = seq + tl
            end
        end
        store(c)
    end
    local ds = deseg[pinfo.number]
    if ds then
        pinfo.desegment_offset, pinfo.desegment_len = ds[1], ds[2]
    end
    render(tvb, pinfo, tree)
    if ds then return ds[1] end
    return len
end

function urpc.dissector(tvb, pinfo, tree)
    return dissect_tcp(tvb, pinfo, tree)
end

-- A TCP payload that starts like a urpc request (or any payload of a connection already known).
local function heuristic(tvb, pinfo, tree)
    if not conns[conn_key(pinfo)] then
        if tvb:len() < 1 or not requests.looks_like_start(tvb:raw(0, math.min(tvb:len(), 8)), 1) then return false end
    end
    pinfo.conversation = urpc
    dissect_tcp(tvb, pinfo, tree)
    return true
end

-- Serial captures (link type 252): tags, then the line bytes; direction tag 35 (0 = host → device).
local upper = DissectorTable.get("wtap_encap")
local exported = upper:get_dissector(wtap_encaps.WIRESHARK_UPPER_PDU)
local serial = Proto("urpc_serial", "urpc V1 over a serial line")

function serial.dissector(tvb, pinfo, tree)
    local p, name, dir = 0, nil, nil
    while p + 4 <= tvb:len() do
        local tag, l = tvb(p, 2):uint(), tvb(p + 2, 2):uint()
        p = p + 4
        if tag == 0 then break end
        if p + l > tvb:len() then break end
        if tag == 12 then name = tvb(p, l):stringz() elseif tag == 35 and l == 4 then dir = tvb(p, 4):uint() end
        p = p + l
    end
    if name ~= "msgpack" or dir == nil then
        if exported then return exported:call(tvb, pinfo, tree) end
        return 0
    end
    if not pinfo.visited then
        local c = conns.serial
        if not c then c = Connection.new(0, urpc.prefs.lint); conns.serial = c end
        local which = dir == 0 and "c2s" or "s2c"
        if tvb:len() > p then c[which]:feed(tvb:raw(p, tvb:len() - p), pinfo.number, pinfo.abs_ts) end
        drain(c, which, pinfo.number, pinfo.abs_ts)
        store(c)
    end
    render(tvb:range(p):tvb(), pinfo, tree)
    return tvb:len()
end

DissectorTable.get("tcp.port"):add(urpc.prefs.port, urpc)
urpc:register_heuristic("tcp", heuristic)
upper:add(wtap_encaps.WIRESHARK_UPPER_PDU, serial)

local registered = urpc.prefs.port
function urpc.prefs_changed()
    if registered ~= urpc.prefs.port then
        DissectorTable.get("tcp.port"):remove(registered, urpc)
        DissectorTable.get("tcp.port"):add(urpc.prefs.port, urpc)
        registered = urpc.prefs.port
    end
end
