"""Lots on the practice PC: the synced sheets grouped per professional and destination fund, at
most 999 a lot, numbered per professional without reuse, and the life of a lot in the store.

A lot is open (built), sealed (its file signed by the CPS), sent, then acknowledged by the
fund or rejected (its sheets go back for a new lot). A sheet is in at most one lot that was
not rejected: the store enforces it (index lot_sheets_one_lot). docs/lots.md.
"""

from dataclasses import dataclass
from typing import Any

from host_agent import lotfile, pieces
from host_agent.errors import AgentError
from host_agent.store import Store
from host_agent.store.lots import (  # the values of the lots.status column
    ACKNOWLEDGED,
    OPEN,
    REJECTED,
    SEALED,
    SENT,
    STATUSES,
    TRANSMITTED,
)
from protocol.ascii import is_digits, trim

__all__ = ["ACKNOWLEDGED", "OPEN", "REJECTED", "SEALED", "SENT", "STATUSES", "TRANSMITTED"]


class LotError(AgentError):
    """A lot operation refused; one plain English sentence. Nothing was changed."""

    french_default = "Opération sur les lots refusée ; rien n'a été modifié."


def name(lot) -> str:
    """The lot's name, as people and files call it: PROFESSIONAL-NUMBER."""
    return lotfile.lot_name(lot["professional"], lot["number"])


def build(store: Store, now: int, sheet_ids=None, despite_duplicate=()) -> list:
    """Put every free sheet (or only those of `sheet_ids`) into new open lots, per
    professional and fund, in completion order, at most MAX_SHEETS a lot. A sheet whose
    paper duplicate was printed stays out (R161-47 I: billed once), unless its id is in
    `despite_duplicate` (the lot then records it). Returns the new lots' rows. LotError,
    and nothing built, when a free sheet cannot go in a lot."""
    despite = set(despite_duplicate)
    with store.transaction():
        rows = store.free_sheets()
        if sheet_ids is not None:
            wanted = set(sheet_ids)
            rows = [r for r in rows if r["id"] in wanted]
        on_paper = duplicated(store)
        unknown = despite - set(on_paper)
        if unknown:
            raise LotError(
                "sheet %s has no paper duplicate: nothing to include despite one"
                % ", ".join(str(i) for i in sorted(unknown))
            )
        rows = [r for r in rows if r["id"] not in on_paper or r["id"] in despite]
        groups = {}
        bad = []
        damaged = _damaged(store, rows)
        if damaged:
            raise LotError("no lot built: %s" % damaged)
        for row in rows:
            s = lot_sheet(row)  # from its columns, checked against its bytes by _damaged
            # The fund comes from the beneficiary's rights, inside the signed sheet (R161-45 II).
            if not lotfile.is_fund_code(s.fund):
                bad.append("sheet %d (order no %d) has no fund code" % (row["id"], row["order_no"]))
                continue
            groups.setdefault((s.professional, s.fund), []).append((row, s))
        if bad:
            raise LotError(
                "no lot built: %s. Such a sheet cannot be sent electronically: print its "
                "paper duplicate (tla-agent duplicate ID)" % "; ".join(bad)
            )
        made = []
        for (professional, fund), members in sorted(groups.items()):
            for start in range(0, len(members), lotfile.MAX_SHEETS):
                chunk = members[start : start + lotfile.MAX_SHEETS]
                marks = {i: now for i in despite}
                made.append(
                    store.new_lot(
                        professional,
                        fund,
                        [row["id"] for row, _ in chunk],
                        sum(s.fees for _, s in chunk),
                        sum(s.third_party for _, s in chunk),
                        now,
                        marks,
                    )
                )
        return made


def duplicate_refusal(store: Store, sheet_id: int) -> str:
    """Why the sheet's paper duplicate must not be printed now, or "". A sheet in a sealed,
    sent or acknowledged lot is on its way electronically: a paper duplicate is for a
    transmission that failed (R161-47 I), so printing one then would bill it twice. Once
    its fund rejects the lot, the sheet is released and a duplicate may be printed."""
    lot = store.lot_of_sheet(sheet_id, (SEALED, SENT, ACKNOWLEDGED))
    if lot is None:
        return ""
    return (
        "sheet %d is in lot %s, %s: it goes to its fund electronically, and a paper "
        "duplicate would bill it twice (R161-47 I: a duplicate is for a failed transmission; "
        "print one if the fund rejects the lot)" % (sheet_id, name(lot), lot["status"])
    )


def undelivered_duplicates(store: Store, lot) -> list:
    """Ids of the lot's sheets printed on paper without the lot recording it (--despite-
    duplicate): such a lot is never sent (R161-47 I, no double billing)."""
    on_paper = duplicated(store)
    rows = sheets_of(store, lot["id"])
    return [r["id"] for r in rows if r["id"] in on_paper and r["despite_duplicate"] is None]


def record_duplicate(store: Store, sheet_id: int, now: int, reason: str = "") -> str:
    """Note that the sheet's paper duplicate was printed: it stays out of electronic lots,
    and leaves the open lot it was in (which is deleted when it empties; its number is not
    given again). Returns that lot's name, or "". LotError when duplicate_refusal() says no
    (nothing written)."""
    refused = duplicate_refusal(store, sheet_id)
    if refused:
        raise LotError(refused)
    with store.transaction():
        store.add_duplicate(sheet_id, now, reason)
        lot = store.lot_of_sheet(sheet_id, (OPEN,))
        if lot is None:
            return ""
        store.leave_open_lot(lot["id"], sheet_id)
        return name(lot)


def duplicated(store: Store) -> dict:
    """{sheet id: when its first paper duplicate was printed}."""
    return store.duplicated()


def transmitted(store: Store, sheet_id: int) -> bool:
    """The sheet is in a lot that was sent (R161-47 I 1°: transmitted)."""
    return store.transmitted(sheet_id)


def all_lots(store: Store, statuses=STATUSES) -> list:
    return store.lots(statuses)


def find(store: Store, ref: str):
    """The lot named `ref`: PROFESSIONAL-NUMBER, or a bare number when one professional
    only has it. LotError otherwise."""
    ref = trim(ref)
    professional, _, number = ref.rpartition("-")
    if not is_digits(number, range(1, 10)):  # 0-9 only (protocol/ascii.py), as typed
        raise LotError("%r is not a lot name (PROFESSIONAL-NUMBER, e.g. 10001234565-000001)" % ref)
    rows = store.lots_numbered(int(number), professional)
    if not rows:
        raise LotError("there is no lot %s (see tla-agent lots list)" % ref)
    if len(rows) > 1:
        raise LotError(
            "lot number %s exists for several professionals: say which (%s)"
            % (ref, ", ".join(name(r) for r in rows))
        )
    return rows[0]


def sheets_of(store: Store, lot_id: int) -> list:
    """The lot's sheets in lot order (released ones included, for a rejected lot)."""
    return store.lot_sheets(lot_id)


def lot_sheet(row) -> lotfile.LotSheet:
    """What a lot needs of a stored sheet: its bytes, and the values already in its columns
    (decoded once, at the sync; `tla-agent check` and _damaged() compare them with the
    bytes), not decoded again."""
    return lotfile.LotSheet(
        row["bundle"], row["professional"], row["fund"], row["fees"], row["third_party"]
    )


def _damaged(store: Store, rows) -> str:
    """Why some of these sheets' stored bytes cannot be used (damaged since the sync:
    host_agent/check.py), or ""."""
    from host_agent import check  # here: check needs cryptography, lots alone does not

    certs = check.certificates(store.certificates().items())
    found = [
        "sheet %d %s" % (r["id"], p) for r in rows for p in [check.stored_problem(r, certs)] if p
    ]
    if not found:
        return ""
    return "%s; the database is damaged: run tla-agent check, restore it from a backup" % (
        "; ".join(found[:5])
    )


def body(store: Store, lot, sealed_at: int) -> bytes:
    """The lot file's header, sheets and trailer, from the sheets' stored bytes, each
    verified again first (LotError when one was damaged since the sync)."""
    rows = sheets_of(store, lot["id"])
    damaged = _damaged(store, rows)
    if damaged:
        raise LotError("lot %s cannot be sealed: %s" % (name(lot), damaged))
    twice = undelivered_duplicates(store, lot)
    if twice:  # printed on paper after the lot was built: never billed twice (R161-47 I)
        raise LotError(
            "lot %s cannot be sealed: sheet %s went on paper since the lot was built (tla-agent "
            "duplicate); it would be billed twice" % (name(lot), ", ".join(map(str, twice)))
        )
    members = [lot_sheet(r) for r in rows]
    # The sheets' scanned prescriptions ride in the sealed file (docs/lots.md "Pieces").
    carried = pieces.for_lot(store, lot["id"], {r["id"]: i for i, r in enumerate(rows, 1)})
    return lotfile.body(
        lot["professional"], lot["number"], lot["fund"], sealed_at, members, carried
    )


def record_seal(store: Store, lot_id: int, file: bytes, cps_cert: bytes, now: int) -> None:
    """Keep the sealed file of an open lot; LotError if it is no longer open."""
    if not store.record_seal(lot_id, file, cps_cert, now):
        raise LotError("the lot is no longer open: it was sealed meanwhile")


def sendings(store: Store, lot_id: int) -> list:
    return store.sendings(lot_id)


def acks(store: Store, lot_id: int) -> list:
    return store.fund_acks(lot_id)


def listing(store: Store, states=None) -> list:
    """The lots in these states (all when None), per professional and number."""
    wanted = tuple(states) if states else STATUSES
    unknown = [s for s in wanted if s not in STATUSES]
    if unknown:
        raise LotError(
            "no lot state %s (states: %s)" % (", ".join(unknown), ", ".join(STATUSES)),
            french="État de lot inconnu : %s" % ", ".join(unknown),
        )
    return store.lots(wanted)


@dataclass
class Detail:
    """A lot as `lots show` and the lot's page show it: its row, its file's check (None
    when it has no file; `chained` says whether the seal's chain to the root was checked),
    the funds' acknowledgements, its sheets in lot order, the sending attempts."""

    row: Any
    check: Any
    chained: bool
    acks: list
    sheets: list
    sendings: list
    states: dict  # sheet id -> returns_report.SheetState, once the lot was sent


def detail(store: Store, ref: str, root) -> Detail:
    """The lot named `ref`, its file checked: header and trailer totals, digest, CPS seal,
    and with the trusted `root` the seal's chain on the sealing day and every sheet's
    signatures."""
    from host_agent import returns_report  # here: returns_report imports this module

    row = find(store, ref)
    check = None
    if row["file"] is not None:
        check = lotfile.verify_lot(row["file"], root, store.certificates().values())
    return Detail(
        row,
        check,
        root is not None,
        store.fund_acks(row["id"]),
        store.lot_sheets(row["id"]),
        store.sendings(row["id"]),
        {s.row["id"]: s for s in returns_report.states(store) if s.row["lot_id"] == row["id"]},
    )
