"""Bodies of UPDATE (0x0C, sealed; docs/protocol.md "Updates"): builders for the agent and
the terminal's answers, checked readers for both ends (MalformedMessage: ERROR 3).

    {"q": true}                          what do you run, what does your spare slot hold?
    {"s": piece, "at": offset, "len": n} a piece of the signed manifest, in order
    {"c": index, "d": chunk}             chunk `index` of the image, whole (CHUNK bytes)

    state    {"board", "run": [version, counter], "slot": [counter, image sha, next] | null,
              "ready": bool, "last": [counter, version, outcome, why] | null}
    piece    {"at": offset}           the next manifest byte expected
    progress {"next": chunk, "ready": bool}  ready: every chunk in, the image checked whole
"""

from protocol import fields
from protocol._compat import const
from protocol.security_errors import MalformedMessage
from protocol.update_manifest import (
    CHUNK,
    MAX_BOARD,
    MAX_CHUNKS,
    MAX_COUNTER,
    MAX_SIGNED,
    MAX_VERSION,
    SHA,
)

PIECE = const(1536)  # manifest bytes a frame
MAX_WHY = const(80)
OUTCOMES = ("ok", "back")  # the last update: confirmed, or rolled back


def query() -> dict:
    return {"q": True}


def manifest_pieces(signed):
    """The bodies that carry the signed manifest `signed`, in order."""
    return [
        {"s": signed[at : at + PIECE], "at": at, "len": len(signed)}
        for at in range(0, len(signed), PIECE)
    ]


def chunk(index, data) -> dict:
    return {"c": index, "d": data}


def read_request(body):
    """("q",), ("s", piece, at, total) or ("c", index, data): one UPDATE request, checked."""
    fields.need_map(body)
    if body.get("q") is True and len(body) == 1:
        return ("q",)
    if "s" in body and len(body) == 3:
        total = fields.get_int(body, "len", 1, MAX_SIGNED)
        at = fields.get_int(body, "at", 0, total - 1)
        piece = body["s"]
        if not isinstance(piece, bytes) or not 0 < len(piece) <= PIECE or at + len(piece) > total:
            raise MalformedMessage("a manifest piece is 1 to %d bytes within its length" % PIECE)
        return ("s", piece, at, total)
    if "c" in body and len(body) == 2:
        index = fields.get_int(body, "c", 0, MAX_CHUNKS - 1)
        data = body.get("d")
        if not isinstance(data, bytes) or not 0 < len(data) <= CHUNK:
            raise MalformedMessage("a chunk is 1 to %d bytes" % CHUNK)
        return ("c", index, data)
    raise MalformedMessage("an UPDATE is a query, a manifest piece or a chunk")


def state_reply(board, version, counter, slot, ready, last) -> dict:
    """`slot`: (counter, image sha, next chunk) of the update the spare slot holds, or None;
    `last`: (counter, version, outcome, why) of the last update tried, or None."""
    return {
        "board": board,
        "run": [version, counter],
        "slot": list(slot) if slot else None,
        "ready": bool(ready),
        "last": list(last) if last else None,
    }


def piece_reply(at) -> dict:
    return {"at": at}


def progress_reply(next_chunk, ready) -> dict:
    return {"next": next_chunk, "ready": bool(ready)}


def _text(value, longest, what):
    if not isinstance(value, str) or len(value) > longest:
        raise MalformedMessage("%s must be text of at most %d characters" % (what, longest))
    return value


def read_state(body) -> dict:
    """The terminal's state answer, checked (the agent's side)."""
    fields.need_map(body)
    _text(body.get("board"), MAX_BOARD, "the board")
    run = body.get("run")
    if not isinstance(run, list) or len(run) != 2:
        raise MalformedMessage("'run' must be [version, counter]")
    _text(run[0], MAX_VERSION, "the version")
    if type(run[1]) is not int or not 0 <= run[1] <= MAX_COUNTER:
        raise MalformedMessage("the counter must be an integer")
    slot = body.get("slot")
    if slot is not None:
        ok = isinstance(slot, list) and len(slot) == 3
        ok = ok and type(slot[0]) is int and isinstance(slot[1], bytes) and len(slot[1]) == SHA
        if not ok or type(slot[2]) is not int or not 0 <= slot[2] <= MAX_CHUNKS:
            raise MalformedMessage("'slot' must be [counter, sha, next chunk]")
    last = body.get("last")
    if last is not None:
        ok = isinstance(last, list) and len(last) == 4 and type(last[0]) is int
        if not ok or last[2] not in OUTCOMES:
            raise MalformedMessage("'last' must be [counter, version, outcome, why]")
        _text(last[1], MAX_VERSION, "the version")
        _text(last[3], MAX_WHY, "the reason")
    if body.get("ready") not in (True, False):
        raise MalformedMessage("'ready' must be true or false")
    return body


def read_piece_reply(body) -> int:
    return fields.get_int(body, "at", 0, MAX_SIGNED)


def read_progress(body):
    """(next chunk, ready) of a progress answer (a piece answer has no 'next': None)."""
    fields.need_map(body)
    if "next" not in body:
        return None
    ready = body.get("ready")
    if ready not in (True, False):
        raise MalformedMessage("'ready' must be true or false")
    return fields.get_int(body, "next", 0, MAX_CHUNKS), ready
