"""Writes a large urpc capture for the dissection benchmark (not committed: it is generated).

  python3 bench/make_capture.py OUT.pcap MESSAGES [PROXIES]

A realistic session over TCP on 127.0.0.1 (client port 50123, server port 7000), Ethernet link
type, microsecond pcap: handshake, imports, constructors that create PROXIES proxies (a third of
them released by `_d`), then method calls, property reads, `ri` replies with raw bytes, `ex` with
console output, until MESSAGES urpc messages have been written. Each message travels in its own
TCP segment; every fourth message's first byte travels alone, as with Nagle's algorithm.
"""
import struct, sys

def msgpack_str(s):
    b = s.encode()
    if len(b) < 32:
        return bytes([0xa0 | len(b)]) + b
    return bytes([0xd9, len(b)]) + b

def proxy(i):
    return b"\xd6\x01" + struct.pack(">I", i)

def arr(*items):
    return bytes([0x90 | len(items)]) + b"".join(items)

def fixint(v):
    if 0 <= v < 128:
        return bytes([v])
    if -32768 <= v < 32768:
        return b"\xd1" + struct.pack(">h", v)
    return b"\xd2" + struct.pack(">i", v)

class Writer:
    def __init__(self, path):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = 1_795_637_377_000_000
        self.seq = {0: 1000, 1: 50000}
        self.eth = b"\x00" * 12 + b"\x08\x00"
        self.frames = 0

    def packet(self, side, payload, flags=0x18):
        src, dst = (50123, 7000) if side == 0 else (7000, 50123)
        seq, ack = self.seq[side], self.seq[1 - side]
        tcp = struct.pack(">HHIIBBHHH", src, dst, seq, ack, 5 << 4, flags, 65535, 0, 0)
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + 20 + len(payload), 0, 0x4000, 64, 6, 0,
                         b"\x7f\x00\x00\x01", b"\x7f\x00\x00\x01")
        frame = self.eth + ip + tcp + payload
        self.t += 37
        self.f.write(struct.pack("<IIII", self.t // 1_000_000, self.t % 1_000_000, len(frame), len(frame)))
        self.f.write(frame)
        self.seq[side] = (seq + len(payload) + (1 if flags & 0x02 else 0)) & 0xFFFFFFFF
        self.frames += 1

    def message(self, side, payload, split):
        if split and len(payload) > 1:
            self.packet(side, payload[:1])
            self.packet(side, payload[1:])
        else:
            self.packet(side, payload)

def main():
    out, total = sys.argv[1], int(sys.argv[2])
    proxies = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    w = Writer(out)
    w.packet(0, b"", 0x02)
    w.packet(1, b"", 0x12)
    w.packet(0, b"", 0x10)
    n = 0
    next_id = 1

    def call(req, *replies):
        nonlocal n
        w.message(0, req, n % 4 == 0)
        n += 1
        for r in replies:
            w.message(1, r, n % 4 == 1)
            n += 1

    call(arr(msgpack_str("ver")), msgpack_str("V1"))
    call(arr(msgpack_str("im"), msgpack_str("rpc_test")), proxy(next_id))
    module = next_id
    next_id += 1
    live = []
    # Proxies: constructors; a third released again.
    while next_id <= proxies and n < total:
        call(arr(msgpack_str("cm"), proxy(module), msgpack_str("RPC_Test"), arr(msgpack_str("sensor %d" % next_id)), b"\x80"),
             proxy(next_id))
        live.append(next_id)
        next_id += 1
        if next_id % 3 == 0 and n < total:
            pid = live.pop(0)
            call(arr(msgpack_str("_d"), b"\xc4\x04" + struct.pack(">I", pid)), b"\xc0")
    obj = live[-1] if live else module
    i = 0
    while n < total:
        k = i % 8
        if k < 4:
            a, b = i % 1000, -(i % 300)
            call(arr(msgpack_str("cm"), proxy(obj), msgpack_str("add"), arr(fixint(a), fixint(b)), b"\x80"),
                 msgpack_str("sensor: %d + %d = %d" % (a, b, a + b)))
        elif k == 4:
            call(arr(msgpack_str("gp"), proxy(obj), msgpack_str("name")), msgpack_str("sensor"))
        elif k == 5:
            call(arr(msgpack_str("ri"), proxy(obj), fixint(16)), b"\x05", b"hello", b"\xc0")
        elif k == 6:
            call(arr(msgpack_str("ex"), msgpack_str("print('tick', %d)" % i)),
                 b"\xc7\x04\x03tick", b"\xd4\x03 ", b"\xc7" + bytes([len(str(i))]) + b"\x03" + str(i).encode(),
                 b"\xd4\x03\x0a", b"\xc0")
        else:
            call(arr(msgpack_str("eq"), proxy(obj), proxy(module)), b"\xc2")
        i += 1
    w.f.close()
    print(f"{out}: {n} urpc messages in {w.frames} frames, {next_id - 1} proxies")

if __name__ == "__main__":
    main()
