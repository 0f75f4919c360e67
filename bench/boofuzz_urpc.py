"""A minimal boofuzz session for urpc V1 (the usual choice for network protocol fuzzing):
three requests (ver, im, cm) as msgpack bytes with fuzzable parts, sent to a urpc server on
loopback. Prints the cases/s boofuzz reached.
Usage: boofuzz_urpc.py PORT CASES [default|tuned|standin]
  default: boofuzz as shipped (results database on disk, text logger; the web UI off)
  tuned:   in-memory database, no loggers (boofuzz at its fastest)
  standin: tuned, against a server that exits when its RPC task dies and is restarted by a
           supervisor loop: connects are retried while it comes back (boofuzz itself would stop
           at the first refused connection)"""
import sys
import time

from boofuzz import Session, Target, TCPSocketConnection, s_initialize, s_static, s_string, s_bytes, s_get, s_byte

class RetryingConnection(TCPSocketConnection):
    """Retries the connect for up to 2 s while a restarted server comes back."""

    def open(self):
        deadline = time.time() + 2
        while True:
            try:
                return super().open()
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.002)


port = int(sys.argv[1])
cases = int(sys.argv[2])
mode = sys.argv[3] if len(sys.argv) > 3 else "tuned"

connection = (RetryingConnection if mode == "standin" else TCPSocketConnection)("127.0.0.1", port)
options = dict(
    target=Target(connection=connection),
    web_port=None,
    receive_data_after_each_request=True,
    sleep_time=0,
    restart_sleep_time=0,
    index_end=cases,
)
if mode in ("tuned", "standin"):
    options.update(fuzz_loggers=[], db_filename=":memory:")
session = Session(**options)

# ["ver"]
s_initialize("ver")
s_static(b"\x91")
s_byte(0xa3, name="ver-str-header", fuzzable=True)
s_string("ver", name="ver-cmd", max_len=64)

# ["im", "rpc_test"]
s_initialize("im")
s_static(b"\x92\xa2im")
s_byte(0xa8, name="im-str-header", fuzzable=True)
s_string("rpc_test", name="module", max_len=64)

# ["cm", P1, "RPC_Test", ["rpc test"], {}]
s_initialize("cm")
s_static(b"\x95\xa2cm\xd6\x01\x00\x00\x00")
s_byte(0x01, name="proxy-id", fuzzable=True)
s_static(b"\xa8")
s_string("RPC_Test", name="attr", max_len=64)
s_bytes(b"\x91\xa8rpc test", name="args", max_len=64)
s_static(b"\x80")

session.connect(s_get("ver"))
session.connect(s_get("ver"), s_get("im"))
session.connect(s_get("im"), s_get("cm"))

start = time.time()
session.fuzz()
elapsed = time.time() - start
done = session.num_cases_actually_fuzzed if hasattr(session, "num_cases_actually_fuzzed") else session.total_mutant_index
print(f"boofuzz {done} cases in {elapsed:.2f} s: {done / elapsed:.0f} cases/s")
