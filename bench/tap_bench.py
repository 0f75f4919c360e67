#!/usr/bin/env python3
"""Throughput of msgdissect's live taps (driven by bench/tap.sh).

tcp:    a bulk sender and a byte-counting receiver on 127.0.0.1, relayed through
        `msgdissect tap tcp`; prints MB/s with and without -w.
serial: a pseudo-terminal "device" fed at 100 kB/s (1 Mbaud worth of bytes) for
        DURATION seconds through `msgdissect tap serial`, with a host reading the
        tap's pseudo-terminal; the same rate the other way; counts every byte.
"""
import os, re, select, signal, socket, subprocess, sys, threading, time, tty, tempfile

MSGDISSECT = sys.argv[1]
MODE = sys.argv[2]
ARG = float(sys.argv[3])


def wait_line(proc, pattern, timeout=10):
    """Reads the child's stderr until a line matches; returns the first group."""
    deadline = time.time() + timeout
    buf = b""
    fd = proc.stderr.fileno()
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.1)
        if r:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            buf += chunk
            m = re.search(pattern.encode(), buf)
            if m:
                return m.group(1).decode()
    raise SystemExit(f"tap did not print {pattern!r}: {buf.decode(errors='replace')}")


def bulk_frames(total):
    """msgpack bin32 messages of 64 KiB: c6 + length + payload, `total` bytes in all."""
    payload = bytes(range(256)) * 256
    frame = b"\xc6" + len(payload).to_bytes(4, "big") + payload
    n = max(1, total // len(frame))
    return frame, n


def tcp(megabytes, save):
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(1)
    received = [0]

    def receive():
        c, _ = sink.accept()
        while True:
            b = c.recv(1 << 20)
            if not b:
                break
            received[0] += len(b)
        c.close()

    t = threading.Thread(target=receive)
    t.start()
    args = [MSGDISSECT, "tap", "tcp", "--listen", "127.0.0.1:0", "--connect",
            f"127.0.0.1:{sink.getsockname()[1]}", "--once", "--quiet", "--stats"]
    path = None
    if save:
        path = tempfile.mktemp(suffix=".pcapng")
        args += ["-w", path]
    tap = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    address = wait_line(tap, r"tap listening on 127\.0\.0\.1:(\d+)")
    frame, n = bulk_frames(int(megabytes * 1e6))
    sent = len(frame) * n
    start = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", int(address)))
    for _ in range(n):
        s.sendall(frame)
    s.shutdown(socket.SHUT_WR)
    t.join()
    elapsed = time.perf_counter() - start
    s.close()
    tap.wait(timeout=30)
    size = os.path.getsize(path) if path else 0
    if path:
        os.unlink(path)
    return sent, received[0], elapsed, size


def serial(duration, rate=100_000):
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    device = os.ttyname(slave)
    path = tempfile.mktemp(suffix=".pcapng")
    tap = subprocess.Popen([MSGDISSECT, "tap", "serial", "--device", device, "--baud", "1000000",
                            "--stop-bits", "2", "--quiet", "--stats", "-w", path],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    host_path = wait_line(tap, r"host side: (/dev/pts/\d+)")
    host = os.open(host_path, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(host)
    counts = {"to_host": 0, "to_device": 0}
    last = {"to_host": 0.0, "to_device": 0.0}
    stop = threading.Event()

    def reader(fd, key):
        while not stop.is_set():
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                b = os.read(fd, 65536)
                counts[key] += len(b)
                last[key] = time.perf_counter()

    # 200-byte msgpack bin8 messages (c4 c8 + payload), as replies and requests would be.
    message = b"\xc4\xc8" + bytes(range(200))
    tick = 0.01
    per_tick = int(rate * tick)
    block = (message * (per_tick // len(message) + 1))[:per_tick]
    fed = {"to_host": 0, "to_device": 0}
    stalls = [0.0]

    ticks = int(duration / tick)

    def feeder(fd, key):
        # A fixed amount on a fixed schedule: a late tick is caught up at once, so the achieved
        # rate shows whether the tap kept up (writes block when the pty buffers are full).
        start = time.perf_counter()
        for k in range(1, ticks + 1):
            t0 = time.perf_counter()
            os.write(fd, block)
            fed[key] += len(block)
            stalls[0] = max(stalls[0], time.perf_counter() - t0)
            delay = start + k * tick - time.perf_counter()
            if delay > 0:
                time.sleep(delay)

    threads = [threading.Thread(target=reader, args=(host, "to_host")),
               threading.Thread(target=reader, args=(master, "to_device"))]
    for t in threads:
        t.start()
    begin = time.perf_counter()
    feeders = [threading.Thread(target=feeder, args=(master, "to_host")),
               threading.Thread(target=feeder, args=(host, "to_device"))]
    for t in feeders:
        t.start()
    for t in feeders:
        t.join()
    fed_end = time.perf_counter()
    deadline = time.time() + 10
    while time.time() < deadline and (counts["to_host"] < fed["to_host"] or counts["to_device"] < fed["to_device"]):
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join()
    lag = max(last.values()) - fed_end
    tap.send_signal(signal.SIGINT)
    tap.wait(timeout=30)
    summary = tap.stderr.read().decode(errors="replace").strip().splitlines()
    size = os.path.getsize(path)
    os.unlink(path)
    return fed, counts, fed_end - begin, lag, stalls[0], summary[-1] if summary else "", size


if MODE == "tcp":
    print(f"{'variant':<24}{'bytes sent':>14}{'bytes received':>16}{'seconds':>9}{'MB/s':>9}{'file MB':>9}")
    for save in (False, True):
        sent, got, secs, size = tcp(ARG, save)
        print(f"{'tap tcp' + (' -w pcapng' if save else ''):<24}{sent:>14}{got:>16}{secs:>9.2f}"
              f"{sent / secs / 1e6:>9.1f}{size / 1e6:>9.1f}")
        if got != sent:
            print(f"LOST {sent - got} bytes", file=sys.stderr)
            sys.exit(1)
else:
    fed, got, secs, lag, stall, summary, size = serial(ARG)
    print(f"{'direction':<16}{'bytes fed':>12}{'bytes relayed':>15}{'lost':>7}{'seconds':>9}{'kB/s':>8}")
    for key, label in (("to_host", "device→host"), ("to_device", "host→device")):
        print(f"{label:<16}{fed[key]:>12}{got[key]:>15}{fed[key] - got[key]:>7}{secs:>9.1f}{fed[key] / secs / 1e3:>8.1f}")
    print(f"last byte {lag * 1e3:.1f} ms after the feed ended; longest write {stall * 1e3:.1f} ms; capture {size / 1e6:.1f} MB")
    print(f"tap: {summary}")
    if fed != got:
        sys.exit(1)
