"""The funds' acknowledgements of lots, imported from a file (docs/lots.md, "Acknowledgement
file"): a positive one closes its lot; a negative one frees its sheets for a new lot.

A file is checked whole before anything is written: a malformed file, an unknown lot or an
acknowledgement that contradicts an earlier one changes nothing.
"""

import hashlib
import json
import re
from pathlib import Path

from host_agent import files, lotfile, lots
from host_agent.errors import AgentError
from protocol import dates

FORMAT = "tla-ack/1"
ACCEPTED, REJECTED = "accepted", "rejected"
_LOT_NAME = re.compile(r"^[0-9]{11}-[0-9]{6}$")
MAX_REASON = 1000  # characters of a fund's reason kept and shown
MAX_FILE_BYTES = 1024 * 1024  # a fund's file acknowledges a few lots; never read /dev/zero


class AckError(AgentError):
    """The file is refused; one plain English sentence. Nothing was changed."""

    french_default = "Le fichier de retour de la caisse est refusé ; rien n'a été modifié."


class Ack:
    """One acknowledgement: the lot row, accepted or not, the fund's day, its reason."""

    def __init__(self, lot, accepted, day, reason):
        self.lot = lot
        self.accepted = accepted
        self.day = day
        self.reason = reason
        self.already = False  # the same acknowledgement was imported before


class Outcome:
    """What an import did: the acknowledgements, and the new lots built for the sheets of
    rejected lots (or why none could be built)."""

    def __init__(self, acks):
        self.acks = acks
        self.new_lots = []
        self.build_problem = ""


def read(store, path) -> list:
    """Parse and check the file at `path` against the store; a list of Ack. AckError."""
    return _check(store, Path(path), _load(Path(path))[1])


def _load(path):
    """(the file's bytes, its JSON value). AckError when unreadable, too large, not UTF-8
    JSON, or holding text no database can store (a lone surrogate escape, "\\ud800")."""
    try:
        raw = files.read_small(path, MAX_FILE_BYTES, "an acknowledgement file")
    except OSError as e:
        raise AckError("cannot read %s: %s" % (path, e.strerror or e)) from None
    except ValueError as e:
        raise AckError(str(e)) from None
    try:
        data = json.loads(raw.decode("utf-8"))
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeError:
        raise AckError("%s is not an acknowledgement file: it is not UTF-8 text" % path) from None
    except (ValueError, RecursionError) as e:
        raise AckError(
            "%s is not an acknowledgement file: %s" % (path, files.parse_problem(e))
        ) from None
    return raw, data


def _check(store, path, data) -> list:
    where = path.name
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise AckError('%s is not an acknowledgement file (no "format": "%s")' % (where, FORMAT))
    fund = data.get("fund")
    if not lotfile.is_fund_code(fund):
        raise AckError("%s: the fund must be its 9-digit code, not %r" % (where, fund))
    items = data.get("acks")
    if not isinstance(items, list) or not items:
        raise AckError('%s: "acks" must be a list of one acknowledgement or more' % where)
    out = []
    seen = set()
    for i, item in enumerate(items, 1):
        ack = _one(store, item, fund, "%s, acknowledgement %d" % (where, i))
        if ack.lot["id"] in seen:
            raise AckError("%s, acknowledgement %d: lot %s twice" % (where, i, lots.name(ack.lot)))
        seen.add(ack.lot["id"])
        out.append(ack)
    return out


def _one(store, item, fund, where) -> Ack:
    if not isinstance(item, dict):
        raise AckError("%s is not an object" % where)
    unknown = set(item) - {"lot", "result", "date", "reason", "sha256"}
    if unknown:
        raise AckError("%s has unknown fields: %s" % (where, ", ".join(sorted(unknown))))
    name = item.get("lot")
    if not isinstance(name, str) or not _LOT_NAME.match(name):
        raise AckError("%s: the lot must be named PROFESSIONAL-NUMBER, not %r" % (where, name))
    result = item.get("result")
    if result not in (ACCEPTED, REJECTED):
        raise AckError('%s: "result" must be "accepted" or "rejected", not %r' % (where, result))
    try:
        day = dates.parse_iso(item.get("date") if isinstance(item.get("date"), str) else "")
    except ValueError:
        raise AckError(
            "%s: the date must be YYYY-MM-DD, not %r" % (where, item.get("date"))
        ) from None
    reason = item.get("reason", "")
    if not isinstance(reason, str) or (result == REJECTED and not reason.strip()):
        raise AckError("%s: a rejection says why (reason)" % where)
    try:
        lot = lots.find(store, name)
    except lots.LotError:
        raise AckError("%s: there is no lot %s here" % (where, name)) from None
    if lot["fund"] != fund:
        raise AckError("%s: lot %s went to fund %s, not %s" % (where, name, lot["fund"], fund))
    digest = item.get("sha256")
    if digest is not None and not isinstance(digest, str):
        raise AckError("%s: sha256 must be the lot file's SHA-256 in hex" % where)
    if len(reason) > MAX_REASON:
        raise AckError("%s: the reason is longer than %d characters" % (where, MAX_REASON))
    if digest is not None and (
        lot["file_digest"] is None or digest.lower() != bytes(lot["file_digest"]).hex()
    ):
        raise AckError("%s: the file acknowledged is not lot %s as sent (sha256)" % (where, name))
    ack = Ack(lot, result == ACCEPTED, day[0] * 10000 + day[1] * 100 + day[2], reason.strip())
    wanted = lots.ACKNOWLEDGED if ack.accepted else lots.REJECTED
    if lot["status"] == wanted:
        ack.already = True
    elif lot["status"] in (lots.ACKNOWLEDGED, lots.REJECTED):
        raise AckError(
            "%s: lot %s was already %s; this file says %s" % (where, name, lot["status"], result)
        )
    elif lot["status"] != lots.SENT:
        raise AckError("%s: lot %s was never sent (it is %s)" % (where, name, lot["status"]))
    return ack


def apply(store, path, now: int) -> Outcome:
    """Import the file at `path`: record every acknowledgement in one transaction, then put
    the sheets of rejected lots into new lots. AckError (nothing changed) when refused."""
    raw, data = _load(Path(path))
    found = _check(store, Path(path), data)
    source = "%s (sha256 %s)" % (Path(path).name, hashlib.sha256(raw).hexdigest()[:16])
    freed = []
    with store.transaction():
        for ack in found:
            if ack.already:
                continue
            released = store.record_fund_ack(
                ack.lot["id"], ack.accepted, now, ack.day, ack.reason, source
            )
            if released is None:
                raise AckError("lot %s changed while importing: try again" % lots.name(ack.lot))
            freed += released
    outcome = Outcome(found)
    if freed:
        try:
            outcome.new_lots = lots.build(store, now, sheet_ids=freed)
        except lots.LotError as e:
            outcome.build_problem = str(e)
    return outcome
