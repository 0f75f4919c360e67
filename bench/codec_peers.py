"""Codec bench, Python side: datasets and the peers (msgspec, msgpack-python).

  python3 bench/codec_peers.py make OUTDIR          writes the datasets
  python3 bench/codec_peers.py run NAME FILE SECS   prints one JSON line per peer
  python3 bench/codec_peers.py table RESULTS.jsonl  prints the comparison table
"""
import json, os, random, struct, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.path.join(HERE, "..", "..", "shared", "captures", "ground_truth.json")
REPO_TRUTH = os.path.join(HERE, "..", "captures", "shared", "ground_truth.json")


def write_frames(path, frames):
    with open(path, "wb") as f:
        for fr in frames:
            f.write(struct.pack(">I", len(fr)))
            f.write(fr)


def urpc_frames():
    path = REPO_TRUTH if os.path.exists(REPO_TRUTH) else SHARED
    truth = json.load(open(path))
    frames = []
    for f in truth["files"]:
        for c in f["connections"]:
            for m in c["messages"]:
                if m["kind"] in ("ri_raw", "raw_traceback", "malformed"):
                    continue  # not MessagePack
                frames.append(bytes.fromhex(m["hex"]))
    return frames


def mixed_documents():
    import msgpack
    rnd = random.Random(7)
    docs = []
    for d in range(8):
        doc = {
            "id": d,
            "name": "document %d" % d,
            "samples": [rnd.random() for _ in range(2000)],
            "counters": [rnd.randint(-2**40, 2**40) for _ in range(2000)],
            "tags": ["tag-%d" % rnd.randint(0, 999) for _ in range(1000)],
            "blobs": [bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 300))) for _ in range(200)],
            "records": [{"k": i, "v": "x" * (i % 40), "ok": i % 3 == 0, "n": None} for i in range(1000)],
        }
        docs.append(msgpack.packb(doc, use_bin_type=True))
    return docs


def make(outdir):
    os.makedirs(outdir, exist_ok=True)
    write_frames(os.path.join(outdir, "urpc_frames.bin"), urpc_frames())
    write_frames(os.path.join(outdir, "mixed_docs.bin"), mixed_documents())


def read_frames(path):
    data = open(path, "rb").read()
    out, i = [], 0
    while i + 4 <= len(data):
        (n,) = struct.unpack_from(">I", data, i)
        i += 4
        out.append(data[i:i + n])
        i += n
    return out


def measure(frames, fn, secs, total=None):
    for fr in frames:
        fn(fr)
    rounds, t0 = 0, time.perf_counter()
    while True:
        for fr in frames:
            fn(fr)
        rounds += 1
        t = time.perf_counter()
        if t - t0 >= secs:
            break
    if total is None:
        total = sum(len(f) for f in frames)
    return rounds * len(frames) / (t - t0), rounds * total / (t - t0) / 1e6


def run(name, path, secs):
    import msgpack, msgspec
    frames = read_frames(path)
    dec = msgspec.msgpack.Decoder()
    d1 = measure(frames, dec.decode, secs)
    objs = [dec.decode(f) for f in frames]
    enc = msgspec.msgpack.Encoder()
    e1 = measure(objs, enc.encode, secs, sum(map(len, frames)))
    print(json.dumps({"impl": "msgspec", "dataset": name, "decode_msgs_s": d1[0], "decode_mb_s": d1[1],
                      "encode_msgs_s": e1[0], "encode_mb_s": e1[1]}))
    unp = lambda b: msgpack.unpackb(b, raw=False, strict_map_key=False)
    d2 = measure(frames, unp, secs)
    objs = [unp(f) for f in frames]
    e2 = measure(objs, msgpack.packb, secs, sum(map(len, frames)))
    print(json.dumps({"impl": "msgpack-python", "dataset": name, "decode_msgs_s": d2[0], "decode_mb_s": d2[1],
                      "encode_msgs_s": e2[0], "encode_mb_s": e2[1]}))


def table(path):
    rows = [json.loads(l) for l in open(path) if l.strip().startswith("{")]
    for ds in sorted({r["dataset"] for r in rows}):
        # Several rounds alternate the implementations; keep each one's best figures, so that a
        # busy moment of the machine does not decide the ratio.
        rs = {}
        for r in rows:
            if r["dataset"] != ds:
                continue
            best = rs.setdefault(r["impl"], dict(r))
            for k, v in r.items():
                if isinstance(v, float):
                    best[k] = max(best.get(k, 0.0), v)
        ours = rs.get("msgscope")
        print(f"\n### {ds}\n")
        print("| decoder | decode msgs/s | decode MB/s | encode msgs/s | encode MB/s | vs msgspec | vs msgpack-python |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        peers = {impl: rs[impl]["decode_msgs_s"] for impl in ("msgspec", "msgpack-python") if impl in rs}

        def row(name, msgs, mb, enc_msgs="", enc_mb="", ours_row=True):
            ratios = [f"{msgs / peers[p]:.2f}x" if ours_row and p in peers else "" for p in ("msgspec", "msgpack-python")]
            print(f"| {name} | {msgs:,.0f} | {mb:.1f} | {enc_msgs} | {enc_mb} | {ratios[0]} | {ratios[1]} |")

        if ours:
            # The document is the full tree on one reused tape; the value tree is one Swift enum
            # per value (an array per container); the node tree adds formats and offsets to it.
            if ours.get("document_msgs_s"):
                row("msgscope `Document` (full tree on a reused tape)", ours["document_msgs_s"], ours["document_mb_s"])
            row("msgscope `MessagePackValue` tree", ours["decode_msgs_s"], ours["decode_mb_s"],
                f"{ours['encode_msgs_s']:,.0f}", f"{ours['encode_mb_s']:.1f}")
            row("msgscope `Node` tree (formats, offsets)", ours["node_msgs_s"], ours["node_mb_s"])
        for impl in ("msgspec", "msgpack-python"):
            r = rs.get(impl)
            if r:
                row(impl, r["decode_msgs_s"], r["decode_mb_s"], f"{r['encode_msgs_s']:,.0f}", f"{r['encode_mb_s']:.1f}", ours_row=False)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "make":
        make(sys.argv[2])
    elif cmd == "run":
        run(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif cmd == "table":
        table(sys.argv[2])
