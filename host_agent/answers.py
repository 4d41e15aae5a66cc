"""Reading what a terminal answers, on the practice PC, trusting none of it: the HELLO map
and its serial, STATUS and the claims it may make, access-log entries. Whatever does not
fit becomes MalformedMessage (or LinkError before a sync started) with one plain sentence,
never a TypeError deep in the sync or a row the database refuses (docs/agent.md,
"A hostile terminal").
"""

import hashlib
import re

from host_agent.client import LinkError
from protocol import cbor, fields
from protocol import sync_messages as sm
from protocol.security_errors import MalformedMessage

# A terminal serial: printable ASCII, 1 to 32 characters, no space at either end (the
# sheet's `terminal` field, docs/care-sheet.md).
SERIAL = re.compile(r"[!-~]([ -~]{0,30}[!-~])?")
MAX_TEXT = 64  # HELLO's model, firmware and board, as shown
MAX_LOG_TEXT = 256  # an access-log entry's who, card, card id and what
MAX_LOG_NUMBER = 2**53  # entry numbers: far above what a flash can hold, below SQLite's 2^63
MAX_EPOCH = 2**40


def is_serial(value) -> bool:
    return isinstance(value, str) and SERIAL.fullmatch(value) is not None


def hello(body) -> dict:
    """HELLO's answer with its serial checked and model, fw and board made text of at most
    MAX_TEXT (other keys as received); LinkError for anything else (a list, a serial
    "TLA\\n")."""
    if not isinstance(body, dict):
        raise LinkError("the terminal's HELLO answer is not a map: is it a tla terminal?")
    serial = body.get("serial")
    if not is_serial(serial):
        raise LinkError(
            "the terminal's HELLO answer has no valid serial number (1 to 32 printable "
            "ASCII characters): is it a tla terminal?"
        )
    # Other keys pass through as received, for whoever reads them to check.
    out = dict(body, serial=serial, proto=body.get("proto"))
    for key in ("model", "fw", "board"):
        value = body.get(key, "")
        out[key] = (value if isinstance(value, str) else repr(value))[:MAX_TEXT]
    return out


def status(body, limit_unacked) -> dict:
    """A STATUS answer, checked (protocol.sync_messages.read_status) and sane: it may not
    claim more unacknowledged sheets than `limit_unacked` (a terminal's flash holds far
    fewer), nor an unacknowledged range past its next record number."""
    body = sm.read_status(body)
    if body["unacked"] > limit_unacked:
        raise MalformedMessage(
            "STATUS claims %d unacknowledged sheets, more than a terminal holds (%d)"
            % (body["unacked"], limit_unacked)
        )
    if body["first"] > body["next"] or body["unacked"] > body["next"]:
        raise MalformedMessage("STATUS's record numbers do not add up")
    return body


class LogEntry:
    """An access-log entry as received: its number, fields and links. The body is the
    previous entry's hash then CBOR [number, when, who, card, card id, what]
    (firmware/accesslog_flash.py); anything else is MalformedMessage."""

    def __init__(self, body, previous):
        try:
            item = cbor.decode(bytes(body[32:]), max_depth=2, max_items=16)
        except (cbor.CBORError, ValueError) as e:
            raise MalformedMessage("an access-log entry is not CBOR (%s)" % e) from None
        if not isinstance(item, list) or len(item) != 6:
            raise MalformedMessage("an access-log entry is [number, when, who, card, id, what]")
        number = fields.get_int({"number": item[0]}, "number", 1, MAX_LOG_NUMBER)
        fields.get_int({"when": item[1]}, "when", 0, MAX_EPOCH)
        for value in item[2:]:
            if not isinstance(value, str) or len(value) > MAX_LOG_TEXT:
                raise MalformedMessage(
                    "an access-log entry's who, card, id and what are text of at most %d "
                    "characters" % MAX_LOG_TEXT
                )
        self.number = number
        self.fields = item
        self.prev = bytes(body[:32])
        self.chain = hashlib.sha256(body).digest()
        # The link to the entry before, when we hold it: an edited or removed entry breaks it.
        self.ok = previous is None or previous == self.prev

    def row(self):
        f = self.fields
        return (self.number, f[1], f[2], f[3], f[4], f[5], self.prev, self.chain, int(self.ok))
