"""Bodies of the sync messages (STATUS, SET_TIME, PULL, RECORDS, ACK, OPPOSITION, ACCESS_LOG):
builders for the sender, checked readers for the receiver (docs/agent.md "How a sync goes").

They travel sealed (protocol/session.py). A reader never trusts a body: it raises
MalformedMessage (answered with ERROR 3) on a missing field, a wrong type or a wrong size.
"""

from protocol import fields
from protocol._compat import const
from protocol.bundle import CERT_ID_BYTES
from protocol.runs import runs_of  # noqa: F401 - the agent builds its ACKs with it
from protocol.security_errors import MalformedMessage
from protocol.session import MAX_PLAINTEXT

U32 = 0xFFFFFFFF
SHA_SIZE = const(32)

# RECORDS: the stream's bytes travel as one CBOR byte string (3-byte head) per frame.
RECORDS_CHUNK = MAX_PLAINTEXT - 3
# Frames of a RECORDS stream the agent lets the terminal send ahead of its reading: enough to
# keep a 115200-baud line busy while the agent verifies and commits (one frame is ~90 ms).
WINDOW = const(6)
# One ACK carries at most this many runs of record numbers (about 11 bytes each).
MAX_RUNS = const(64)
MAX_CERT_IDS = const(64)
# ACCESS_LOG: raw entries per reply are cut to fit one frame.
LOG_REPLY_BYTES = MAX_PLAINTEXT - 24


def _opt_int(body, key, low, high, default=None):
    if key not in fields.need_map(body):
        return default
    return fields.get_int(body, key, low, high)


def _get_bool(body, key):
    value = fields.need_map(body).get(key, False)
    if value is not True and value is not False:
        raise MalformedMessage("field %r must be true or false" % key)
    return value


def _get_blob(body, key, max_len):
    """Byte string `key` of 0 to max_len bytes (empty when absent)."""
    value = fields.need_map(body).get(key, b"")
    if not isinstance(value, bytes) or len(value) > max_len:
        raise MalformedMessage("field %r must be at most %d bytes" % (key, max_len))
    return value


# ---------------------------------------------------------------- record number runs


def read_runs(body, key):
    """The runs of field `key` (absent: []), checked: ascending, disjoint, at most MAX_RUNS."""
    value = fields.need_map(body).get(key, [])
    if not isinstance(value, list) or len(value) > MAX_RUNS:
        raise MalformedMessage("field %r must be a list of at most %d runs" % (key, MAX_RUNS))
    end = 0
    for run in value:
        if not isinstance(run, list) or len(run) != 2:
            raise MalformedMessage("a run is [first record, count]")
        first, count = run
        if type(first) is not int or type(count) is not int:
            raise MalformedMessage("a run is two integers")
        if first < 1 or count < 1 or first + count - 1 > U32 or first < end:
            raise MalformedMessage("runs must be ascending, disjoint record numbers")
        end = first + count
    return value


# ---------------------------------------------------------------- STATUS


def status_request(high=0, caps=None, orders=(), log=0):
    """STATUS asks; `high`: the highest record number the PC holds from this terminal, so
    that the terminal never issues it again, whatever its flash lost; `caps`: the
    practice's caps on sheets waiting (warning count, hard count, warning age in days,
    hard age; 0 = none), kept by the terminal (docs/visit.md "Caps"); `orders`: (professional
    id as an int, highest order number) pairs the PC holds from this terminal, ascending
    by professional, at most MAX_PROS (R161-44 1°: the terminal never reuses them); `log`:
    the highest access-log entry number the PC holds from it (the terminal numbers its next
    entries above)."""
    body: dict = {"high": high} if high else {}
    if log:
        body["log"] = log
    if caps is not None:
        body["caps"] = list(caps)
    if orders:
        body["orders"] = [[pro, n] for pro, n in orders]
    return body


# The highest "high" a STATUS may carry: far beyond any terminal's life (a sheet a minute
# for 4,000 years), and far from 2^32, where the journal's 4-byte numbers end. Order
# numbers have the same bound.
MAX_HIGH = 1 << 31
# Professionals a STATUS "orders" may name: far more than share one terminal.
MAX_PROS = const(64)
MAX_PRO = 99999999999  # 11 digits (RPPS)


def read_status_request(body):
    return _opt_int(body, "high", 0, MAX_HIGH, 0)


def read_status_log(body):
    """The PC's highest access-log entry of a STATUS request (0 when absent)."""
    return _opt_int(body, "log", 0, MAX_HIGH, 0)


def read_status_orders(body):
    """{professional (int): highest order number} of a STATUS request ({} when absent),
    checked: at most MAX_PROS pairs, professionals ascending, numbers 1 to MAX_HIGH."""
    value = fields.need_map(body).get("orders", [])
    if not isinstance(value, list) or len(value) > MAX_PROS:
        raise MalformedMessage("STATUS orders: a list of at most %d pairs" % MAX_PROS)
    out = {}
    last = -1
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise MalformedMessage("STATUS orders: [professional, highest order number]")
        pro, n = pair
        if type(pro) is not int or type(n) is not int:
            raise MalformedMessage("STATUS orders: two integers")
        if not last < pro <= MAX_PRO or not 1 <= n <= MAX_HIGH:
            raise MalformedMessage("STATUS orders: professionals ascending, numbers 1 to 2^31")
        out[pro] = n
        last = pro
    return out


def read_caps(body):
    """The caps of a STATUS request (a tuple of 4 ints 0-65535), or None when it has none."""
    caps = body.get("caps") if isinstance(body, dict) else None
    if caps is None:
        return None
    if type(caps) is not list or len(caps) != 4:
        raise MalformedMessage("STATUS caps: 4 numbers")
    for v in caps:
        if type(v) is not int or not 0 <= v <= 0xFFFF:
            raise MalformedMessage("STATUS caps: numbers 0-65535")
    return tuple(caps)


def status_reply(
    serial, now, next_rec, first_unacked, unacked, rejected, log_seq, opp, free, flash=0, damaged=()
):
    """The terminal's answer to STATUS: who it is, its clock, what its journal holds, and
    (when not 0 / empty) the state of its flash and the runs of record numbers the flash
    damage took (docs/protocol.md "Flash damage")."""
    body = {
        "serial": serial,
        "time": now,
        "next": next_rec,
        "first": first_unacked,
        "unacked": unacked,
        "rejected": rejected,
        "log": log_seq,
        "opp": opp,
        "free": free,
    }
    if flash:
        body["flash"] = flash
    if damaged:
        body["damaged"] = [list(r) for r in damaged[:MAX_RUNS]]
    return body


def read_status(body):
    """A STATUS reply, checked (the agent's side); "flash" and "damaged" default to 0, []."""
    fields.get_text(body, "serial", 64)
    for key in ("time", "next", "first", "unacked", "rejected", "log", "opp", "free"):
        fields.get_int(body, key, 0, 0xFFFFFFFFFFFF)
    body["flash"] = _opt_int(body, "flash", 0, 255, 0)
    body["damaged"] = read_runs(body, "damaged")
    return body


# ---------------------------------------------------------------- SET_TIME


def set_time(epoch):
    return {"time": epoch}


def read_time(body):
    """The epoch seconds of a SET_TIME request or reply (2020 to 2100)."""
    return fields.get_int(body, "time", 1577836800, 4102444800)


# ---------------------------------------------------------------- PULL / RECORDS


def pull(after, upto, wbits=0):
    """Ask for the record stream after record `after`, frames 0..upto-1 of it, deflated with
    a window of 2^wbits bytes when `wbits` is not 0 (protocol/deflate_link.py). The same
    request again with a larger `upto` is a credit grant for the same stream."""
    body = {"after": after, "upto": upto}
    if wbits:
        body["deflate"] = wbits
    return body


def read_pull(body):
    """(after, upto, window bits or 0) of a PULL. A window outside 9-15 is a malformed body;
    whether the terminal offers it is its own check."""
    wbits = _opt_int(body, "deflate", 9, 15, 0)
    return fields.get_int(body, "after", 0, U32), fields.get_int(body, "upto", 1, U32), wbits


def read_records(body):
    """The stream bytes a RECORDS frame carries (a byte string of at most RECORDS_CHUNK)."""
    if not isinstance(body, bytes) or len(body) > RECORDS_CHUNK:
        raise MalformedMessage(
            "a RECORDS body is a byte string of at most %d bytes" % RECORDS_CHUNK
        )
    return body


# ---------------------------------------------------------------- ACK


def ack(ok=(), bad=(), certs=(), log=0):
    """What the agent committed: sheets filed (`ok` runs), quarantined (`bad` runs),
    certificates it holds (ids) and the access log through entry `log`."""
    body = {}
    if ok:
        body["ok"] = list(ok)
    if bad:
        body["bad"] = list(bad)
    if certs:
        body["certs"] = list(certs)
    if log:
        body["log"] = log
    return body


def read_ack(body):
    """(ok runs, bad runs, certificate ids, log entry number) of an ACK request."""
    ok = read_runs(body, "ok")
    bad = read_runs(body, "bad")
    certs = fields.need_map(body).get("certs", [])
    if not isinstance(certs, list) or len(certs) > MAX_CERT_IDS:
        raise MalformedMessage("field 'certs' must be a list of at most %d ids" % MAX_CERT_IDS)
    for cid in certs:
        if not isinstance(cid, bytes) or len(cid) != CERT_ID_BYTES:
            raise MalformedMessage("a certificate id is %d bytes" % CERT_ID_BYTES)
    log = _opt_int(body, "log", 1, U32, 0)
    return ok, bad, certs, log


def ack_reply(ok, bad):
    """The terminal's answer once the states are on flash: how many sheets changed."""
    return {"ok": ok, "bad": bad}


# ---------------------------------------------------------------- ACCESS_LOG


def log_request(after):
    return {"after": after}


def read_log_request(body):
    return fields.get_int(body, "after", 0, U32)


def log_reply(entries, more):
    """Raw access-log entries (hash of the previous entry, then CBOR [number, when, who,
    card, card_id, what]: firmware/accesslog_flash.py) and whether more follow."""
    return {"entries": entries, "more": more}


def read_log_reply(body):
    entries = fields.need_map(body).get("entries")
    if not isinstance(entries, list):
        raise MalformedMessage("field 'entries' must be a list")
    for e in entries:
        if not isinstance(e, bytes) or len(e) < SHA_SIZE + 1:
            raise MalformedMessage("an access-log entry is the previous hash and CBOR")
    return entries, _get_bool(body, "more")


# ---------------------------------------------------------------- OPPOSITION


def opposition_chunk(version, base, index, add=b"", remove=b"", end=None):
    """One chunk of an opposition list update to `version`: a full list when `base` is
    None, else a delta from the terminal's version `base`. `add` and `remove` are entries
    (protocol/opposition_entries.py), ascending across the chunks. `end`: (count, SHA-256)
    of the whole resulting list, on the last chunk."""
    body = {"v": version, "i": index}
    if base is None:
        body["full"] = True
    else:
        body["base"] = base
    if add:
        body["add"] = add
    if remove:
        body["del"] = remove
    if end is not None:
        body["end"] = True
        body["count"] = end[0]
        body["sha"] = end[1]
    return body


class OppositionChunk:
    """A checked OPPOSITION chunk (the terminal's side)."""

    def __init__(self, body):
        self.version = fields.get_int(body, "v", 1, U32)
        self.index = fields.get_int(body, "i", 0, U32)
        self.full = _get_bool(body, "full")
        self.base = None if self.full else fields.get_int(body, "base", 0, U32)
        self.add = _get_blob(body, "add", MAX_PLAINTEXT)
        self.remove = _get_blob(body, "del", MAX_PLAINTEXT)
        self.end = _get_bool(body, "end")
        self.count = fields.get_int(body, "count", 0, U32) if self.end else None
        self.sha = fields.get_bytes(body, "sha", SHA_SIZE) if self.end else None
        if self.full and self.remove:
            raise MalformedMessage("a full list removes nothing")


def opposition_reply(version, next_index):
    """The terminal's answer: the list version it holds and the next chunk it expects."""
    return {"v": version, "next": next_index}


def read_opposition_reply(body):
    return fields.get_int(body, "v", 0, U32), fields.get_int(body, "next", 0, U32)
