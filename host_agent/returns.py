"""The funds' returns (docs/returns.md): a `tla-return/1` file says, per lot, whether the fund
received it (its ARL, accusé de réception logique) and, per sheet, whether it was accepted,
rejected (a reason code and label) or paid (an amount and a date), modelled on what the
funds send back. The older `tla-ack/1` file (lots only, docs/lots.md) is read as one too.

A file is checked whole against the store before anything is written, then applied in one
transaction: an unknown lot, an answer that contradicts an earlier one (paid, then
rejected), a malformed file change nothing. Nothing here prints; errors carry an English
line for the CLI and a French one for the web app.
"""

import hashlib
import json
from pathlib import Path

from host_agent import files, lots, user_files
from host_agent.returns_check import (  # noqa: F401  (what callers use, from here)
    ACCEPTED,
    ACK_FORMAT,
    FORMAT,
    MAX_FILE_BYTES,
    PAID,
    RECEIVED,
    REJECTED,
    LotAnswer,
    Outcome,
    ReturnError,
    SheetAnswer,
    check,
    fund_day,
)
from protocol import dates


def load(raw: bytes, where: str):
    """The JSON value of a return file's bytes; ReturnError when it is not one."""
    if len(raw) > MAX_FILE_BYTES:
        raise ReturnError(
            "%s is larger than %d bytes: not a return file" % (where, MAX_FILE_BYTES),
            "%s dépasse %d octets : ce n'est pas un retour de caisse" % (where, MAX_FILE_BYTES),
        )
    try:
        data = user_files.json_value(user_files.text(raw))  # a BOM dropped, a key twice refused
        json.dumps(data, ensure_ascii=False).encode("utf-8")  # no lone surrogate ("\\ud800")
    except user_files.UserFileError as e:
        raise ReturnError(
            "%s is not a return file: %s" % (where, e),
            "%s n'est pas un retour de caisse : %s" % (where, e.french),
        ) from None
    except UnicodeError:
        raise ReturnError(
            "%s is not a return file: an escaped lone surrogate (\\ud800) is not UTF-8 text"
            % where,
            "%s n'est pas un retour de caisse : il contient un caractère invalide" % where,
        ) from None
    except (ValueError, RecursionError) as e:
        why = files.parse_problem(e)
        raise ReturnError(
            "%s is not a return file: %s" % (where, why),
            "%s n'est pas un retour de caisse : JSON illisible (%s)" % (where, why),
        ) from None
    return data


def read_file(path) -> bytes:
    try:
        return files.read_small(path, MAX_FILE_BYTES, "a return file")
    except OSError as e:
        raise ReturnError(
            "cannot read %s: %s" % (path, e.strerror or e),
            "impossible de lire %s : %s" % (path, e.strerror or e),
        ) from None
    except ValueError as e:
        raise ReturnError(str(e), "%s est trop grand pour un retour de caisse" % path) from None


def apply(store, raw: bytes, where: str, now: int, source: str = "", data=None) -> Outcome:
    """Import the return file `raw` (its name `where`; `data`: its JSON value when the
    caller read it already, with load): check it whole, record every new answer in one
    transaction, then put the sheets of rejected lots into new lots. ReturnError (nothing
    changed) when refused."""
    if data is None:
        data = load(raw, where)
    freed = []
    with store.transaction():
        # Checked under the writers' lock: what another PC imported a moment ago is seen
        # as already recorded, not as a lot that changed (tests/test_lots_several_pcs.py).
        outcome = check(store, data, where)
        if not outcome.changed:
            return outcome
        digest = hashlib.sha256(raw).digest()
        source = "%s (sha256 %s)" % (source or where, digest.hex()[:16])
        issued = (
            fund_day(data, where) if "date" in data else dates.days_to_ymd(dates.paris_day(now))
        )
        reference = data.get("reference") if isinstance(data.get("reference"), str) else None
        return_id = store.add_return(outcome.fund, reference, issued, now, digest, source)
        for a in outcome.lots:
            if not a.already:
                freed += _answer_lot(store, a.lot, a.received, a.day, a.reason, now, source)
        implied = {a.lot["id"] for a in outcome.lots}
        for a in outcome.sheets:
            if a.lot["status"] == lots.SENT and a.lot["id"] not in implied:
                # A sheet answered means the lot was received (its ARL was missed).
                _answer_lot(store, a.lot, True, a.day, "", now, source + ", by its sheets")
                implied.add(a.lot["id"])
            if not a.already:
                store.add_sheet_answer(
                    return_id,
                    a.sheet["id"],
                    a.lot["id"],
                    a.result,
                    a.day,
                    a.code or None,
                    a.label or None,
                    a.amount,
                )
    if freed:
        try:
            outcome.new_lots = lots.build(store, now, sheet_ids=freed)
        except lots.LotError as e:
            outcome.build_problem = str(e)
    return outcome


def _answer_lot(store, lot, received, day, reason, now, source) -> list:
    freed = store.record_fund_ack(lot["id"], received, now, day, reason, source)
    if freed is None:  # another import meanwhile: the transaction rolls back
        raise ReturnError(
            "lot %s changed while importing: try again" % lots.name(lot),
            "le lot %s a changé pendant l'import : recommencez" % lots.name(lot),
        )
    return freed


def apply_file(store, path, now: int) -> Outcome:
    """`apply` on the file at `path`."""
    return apply(store, read_file(path), Path(path).name, now)
