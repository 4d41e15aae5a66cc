"""Message types of the terminal <-> agent link, their error codes, and the HELLO identity.

The numbers are part of the wire format (docs/protocol.md); never renumber, only add.
"""

from protocol._compat import const

PROTOCOL_VERSION = const(1)

HELLO = const(0x01)
PAIR = const(0x02)
AUTH = const(0x03)
STATUS = const(0x04)
SET_TIME = const(0x05)
PULL = const(0x06)
RECORDS = const(0x07)
ACK = const(0x08)
OPPOSITION = const(0x09)
ACCESS_LOG = const(0x0A)
ROUND = const(0x0B)  # the day's round, PC to terminal (docs/round.md)
UPDATE = const(0x0C)  # a signed firmware update, PC to terminal (docs/protocol.md "Updates")
ERROR = const(0x7F)

NAMES = {
    HELLO: "HELLO",
    PAIR: "PAIR",
    AUTH: "AUTH",
    STATUS: "STATUS",
    SET_TIME: "SET_TIME",
    PULL: "PULL",
    RECORDS: "RECORDS",
    ACK: "ACK",
    OPPOSITION: "OPPOSITION",
    ACCESS_LOG: "ACCESS_LOG",
    ROUND: "ROUND",
    UPDATE: "UPDATE",
    ERROR: "ERROR",
}

# ERROR frame codes (body: {"code": int, "msg": text, "ref": seq of the offending frame or None}).
E_VERSION = const(1)  # unsupported protocol version
E_UNKNOWN_TYPE = const(2)  # message type this side does not know
E_BAD_BODY = const(3)  # body is not valid deterministic CBOR, or misses a field
E_TOO_LARGE = const(4)  # frame longer than the receiver accepts
E_NOT_PAIRED = const(5)  # request needs a paired, authenticated session
E_BUSY = const(6)  # terminal busy with a visit; try later
E_INTERNAL = const(7)  # the terminal failed to serve the request; nothing was changed
E_AUTH_FAILED = const(8)  # AUTH: the peer did not prove the pairing key (protocol/auth.py)
E_PAIRING_FAILED = const(9)  # PAIR: refused on the keypad, mismatch, or out of order
E_SESSION = const(10)  # a sealed frame was refused (bad tag, replay, session not open)
E_ROUND = const(11)  # ROUND: a round this terminal must not hold; the previous one is kept
E_UPDATE = const(12)  # UPDATE: refused (signature, board, counter, chunk...); nothing switched

ERROR_TEXT = {
    E_VERSION: "unsupported protocol version",
    E_UNKNOWN_TYPE: "unknown message type",
    E_BAD_BODY: "malformed message body",
    E_TOO_LARGE: "frame too large",
    E_NOT_PAIRED: "not paired",
    E_BUSY: "terminal busy",
    E_INTERNAL: "terminal error",
    E_AUTH_FAILED: "authentication failed",
    E_PAIRING_FAILED: "pairing failed",
    E_SESSION: "frame refused by the session",
    E_ROUND: "round refused",
    E_UPDATE: "update refused",
}


def name(mtype) -> str:
    """Readable name of a message type, for logs and errors."""
    return NAMES.get(mtype, "0x%02x" % mtype)


def error_body(code, ref=None, detail=None) -> dict:
    """Body of an ERROR frame answering the frame with sequence number `ref`."""
    text = ERROR_TEXT.get(code, "error")
    if detail:
        text = text + ": " + detail
    return {"code": code, "msg": text, "ref": ref}


# HELLO's and STATUS's "flash" field (absent: 0): the state of the terminal's flash.
FLASH_OK = const(0)
FLASH_DAMAGED = const(1)  # records were lost: STATUS "damaged" names their numbers
FLASH_UNREADABLE = const(2)  # littlefs cannot mount it: read-only salvage, no visits


def hello_reply(serial, firmware_version, model, board, flash=FLASH_OK, deflate=0) -> dict:
    """Body of the terminal's answer to HELLO: who it is and what it speaks; `flash` only
    when it is not FLASH_OK (docs/protocol.md)."""
    body = {
        "serial": serial,
        "fw": firmware_version,
        "proto": PROTOCOL_VERSION,
        "model": model,
        "board": board,
    }
    if flash:
        body["flash"] = flash
    if deflate:  # the window bits it compresses the RECORDS stream with (deflate_link.py)
        body["deflate"] = deflate
    return body
