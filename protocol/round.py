"""The day's round (docs/round.md): the visits the practice PC prepared for one terminal,
one professional and one day, sent in ROUND chunks and kept by the terminal until the next
round replaces it. Builders for the agent, checked readers for the terminal, which treats
every field as hostile: a reader raises MalformedMessage (ERROR 3) on a wrong type or size,
RoundRefused (ERROR 11) on a round it must not hold.

An entry is a CBOR array, positional to stay small:

    [nir, ben, name, sit, acts, presc, left, pay, exo]
    nir    the insured's NIR with its key (15 digits), as on the Vitale card
    ben    null for the holder, else [birth date, birth rank] of the dependant (R161-42 1°)
    name   text shown by the PC and matched on the card (1-24 ASCII characters)
    sit    the practice situation's billing number (9 digits), "" for the CPS's only one
    acts   1-8 acts [code, coef (hundredths; km x 100 for IK, IKM, IKS), rank (0: none, 1, 2)]
    presc  null, or [date, prescriber (9 or 11 digits), reference (1-20 digits)]
    left   sessions of the prescription left before this round (1-999; 0 without one)
    pay    0: the patient pays all, 1: third-party payment of the whole
    exo    0, or the sheet's exemption code (protocol/sheet_fields.EXEMPTIONS)
    fund   optional (rounds before issue 23 have 9 items): the fund's code (9 digits) the
           PC knows for the patient, so that a visit without the Vitale card needs none
           typed; "" or absent: the terminal asks it

The digest of a round is SHA-256 of its entries' deterministic CBOR, concatenated in order.
"""

import hashlib

from protocol import cbor, dates, fields, messages, sheet_validation
from protocol._compat import const
from protocol.ascii import is_digits, is_printable
from protocol.fund_code import fund_ok
from protocol.security_errors import MalformedMessage, SecurityError

U32 = 0xFFFFFFFF
MAX_ENTRIES = const(60)  # a very long day of home visits
MAX_BYTES = const(12288)  # the entries' CBOR in all (about 200 bytes an entry at most)
PER_CHUNK = const(8)  # entries of one chunk: 8 x ~215 bytes fits a sealed frame (2025)
MAX_ACTS = const(8)
MAX_NAME = const(24)
MAX_LEFT = const(999)
MAX_DONE = const(MAX_ENTRIES)
SHA_SIZE = const(32)


class RoundRefused(SecurityError):
    """A well-formed round this terminal must not hold (another terminal, a prescription used
    up, no room above the flash reserve): refused whole, the previous round kept."""

    code = messages.E_ROUND


def _digits(value, lengths, what):
    if not is_digits(value, lengths):  # 0-9 only, on both interpreters (protocol/ascii.py)
        raise MalformedMessage(
            "%s must be %s digits" % (what, " or ".join(str(n) for n in lengths))
        )
    return value


def _int(value, low, high, what):
    if type(value) is not int or value < low or value > high:
        raise MalformedMessage("%s must be an integer from %d to %d" % (what, low, high))
    return value


def _date(value, what):
    _int(value, 19000101, 21001231, what)
    if not dates.is_ymd(value):  # a real day: not 31 February
        raise MalformedMessage("%s is not a date" % what)
    return value


def _ascii(value, longest, what, allow_empty=False):
    if not isinstance(value, str) or len(value) > longest or (not value and not allow_empty):
        raise MalformedMessage("%s must be text of at most %d characters" % (what, longest))
    if value and not is_printable(value):
        raise MalformedMessage("%s must be printable ASCII" % what)
    return value


def _list(value, low, high, what):
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise MalformedMessage("%s must be a list of %d to %d items" % (what, low, high))
    return value


def check_entry(e):
    """The entry `e` (decoded CBOR), checked field by field; returns it. A prescription
    with no session left is refused: the PC says a series is complete, it never sends it."""
    _list(e, 9, 10, "a round entry")
    _digits(e[0], (15,), "the NIR")
    if e[1] is not None:
        _list(e[1], 2, 2, "the beneficiary")
        _date(e[1][0], "the birth date")
        _int(e[1][1], 1, 9, "the birth rank")
    _ascii(e[2], MAX_NAME, "the name")
    if e[3] != "":
        _digits(e[3], (9,), "the practice situation")
    for act in _list(e[4], 1, MAX_ACTS, "the acts"):
        _list(act, 3, 3, "an act")
        _ascii(act[0], 4, "an act code")
        _int(act[1], 0, 100000, "a coefficient")
        _int(act[2], 0, 2, "an act rank")
    presc = e[5]
    left = _int(e[6], 0, MAX_LEFT, "the sessions left")
    if presc is not None:
        _list(presc, 3, 3, "the prescription")
        _date(presc[0], "the prescription date")
        _digits(presc[1], (9, 11), "the prescriber")
        _ascii(presc[2], 20, "the prescription reference")
        if not is_digits(presc[2]):
            raise MalformedMessage("the prescription reference must be digits")
        if left < 1:
            raise RoundRefused("prescription %s already used up: no session left" % presc[2])
    elif left:
        raise MalformedMessage("sessions left without a prescription")
    _int(e[7], 0, 1, "the payment")
    _int(e[8], 0, 4, "the exemption")
    if len(e) == 10 and e[9] != "":
        _digits(e[9], (9,), "the fund")
        if not fund_ok(e[9]):
            raise MalformedMessage("the fund %s is no fund's code" % e[9])
    return e


NIR_KEY_WRONG = "the insured's NIR key is wrong (97 - the 13 digits mod 97)"


def refusal(e):
    """Why an entry check_entry() passed is still one no visit may take, or None: a NIR
    whose key is wrong (issue 23: no sheet may carry it, the patient is unknown). The
    terminal keeps the round's other entries and says which it refused (reply's "bad");
    the PC never prepares such an entry (host_agent/round_plan.py)."""
    if not sheet_validation.nir_ok(e[0]):
        return NIR_KEY_WRONG
    return None


def fund_of(e):
    """The fund an entry carries (9 digits), or None: an older round's entry, or a patient
    the PC knows no fund of."""
    return e[9] if len(e) == 10 and e[9] else None


def entry(nir, ben, name, sit, acts, presc=None, left=0, pay=0, exo=0, fund=""):
    """An entry (the agent's side); `acts`: (code, coef, rank) triples. Without a fund it
    has the 9 items of the first rounds (the same bytes, the same digest)."""
    e = [
        nir,
        list(ben) if ben else None,
        name,
        sit,
        [list(a) for a in acts],
        list(presc) if presc else None,
        left,
        pay,
        exo,
    ]
    if fund:
        e.append(fund)
    return e


def digest(entries):
    h = hashlib.sha256()
    for e in entries:
        h.update(cbor.encode(e))
    return h.digest()


def chunks(round_id, terminal, professional, day, entries):
    """The ROUND bodies of a whole round, PER_CHUNK entries a chunk; the first names the
    round, the last carries its digest. An empty round clears the terminal's."""
    total = 0
    for e in entries:
        total += len(cbor.encode(e))
    out = []
    i = 0
    while True:
        part = entries[i * PER_CHUNK : (i + 1) * PER_CHUNK]
        body = {"id": round_id, "i": i, "e": list(part)}
        if i == 0:
            body.update(
                {
                    "term": terminal,
                    "pro": professional,
                    "day": day,
                    "n": len(entries),
                    "size": total,
                }
            )
        out.append(body)
        i += 1
        if i * PER_CHUNK >= len(entries):
            break
    out[-1]["end"] = True
    out[-1]["sha"] = digest(entries)
    return out


def query():
    """ROUND asking which round the terminal holds and what was done of it."""
    return {"q": True}


class RoundChunk:
    """A checked ROUND request (the terminal's side): a query, or one chunk of a round."""

    def __init__(self, body):
        fields.need_map(body)
        self.query = body.get("q", False) is True
        if self.query:
            return
        self.id = fields.get_int(body, "id", 1, U32)
        self.index = fields.get_int(body, "i", 0, MAX_ENTRIES // PER_CHUNK + 1)
        self.entries = [check_entry(e) for e in _list(body.get("e"), 0, PER_CHUNK, "'e'")]
        if self.index == 0:
            self.terminal = fields.get_text(body, "term", 64)
            self.professional = _digits(body.get("pro"), (11,), "the professional")
            self.day = _date(body.get("day"), "the day")
            self.count = fields.get_int(body, "n", 0, MAX_ENTRIES)
            self.size = fields.get_int(body, "size", 0, MAX_BYTES)
        end = body.get("end", False)
        if end is not True and end is not False:
            raise MalformedMessage("field 'end' must be true or false")
        self.end = end
        self.sha = fields.get_bytes(body, "sha", SHA_SIZE) if end else None


def reply(round_id, next_index, day=0, done=(), bad=()):
    """The terminal's answer: the round it holds (0: none), the next chunk it expects, to
    a query the round's day and its visits done: [entry index, record number], and to the
    last chunk the indexes of the entries it refused (refusal())."""
    body = {"id": round_id, "next": next_index}
    if day:
        body["day"] = day
    if done:
        body["done"] = [list(d) for d in done]
    if bad:
        body["bad"] = list(bad)
    return body


def read_reply(body):
    """(round id, next chunk, day, done pairs) of the terminal's answer, checked."""
    return read_reply_bad(body)[:4]


def read_reply_bad(body):
    """read_reply()'s four and the entries the terminal refused (indexes), checked."""
    rid = fields.get_int(body, "id", 0, U32)
    nxt = fields.get_int(body, "next", 0, MAX_ENTRIES)
    day = body.get("day", 0)
    if day:
        _date(day, "the day")
    done = _list(body.get("done", []), 0, MAX_DONE, "'done'")
    for d in done:
        _list(d, 2, 2, "a visit done")
        _int(d[0], 0, MAX_ENTRIES - 1, "an entry index")
        _int(d[1], 1, U32, "a record number")
    bad = _list(body.get("bad", []), 0, MAX_ENTRIES, "'bad'")
    for i in bad:
        _int(i, 0, MAX_ENTRIES - 1, "an entry index")
    return rid, nxt, day, done, bad
