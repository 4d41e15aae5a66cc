"""Lots on the practice PC: the synced sheets grouped per professional and destination fund, at
most 999 a lot, numbered per professional without reuse, and the life of a lot in the store.

A lot is open (built), sealed (its file signed by the CPS), sent, then acknowledged by the
fund or rejected (its sheets go back for a new lot). A sheet is in at most one lot that was
not rejected: the store enforces it (index lot_sheets_one_lot). docs/lots.md.
"""

import hashlib

from host_agent import lotfile
from host_agent.store import Store

OPEN, SEALED, SENT, ACKNOWLEDGED, REJECTED = "open", "sealed", "sent", "acknowledged", "rejected"
STATUSES = (OPEN, SEALED, SENT, ACKNOWLEDGED, REJECTED)
# A sheet counts as transmitted once its lot was sent (R161-47 I 1°: the deadline is met).
TRANSMITTED = (SENT, ACKNOWLEDGED)


class LotError(Exception):
    """A lot operation refused; one plain English sentence. Nothing was changed."""


# Sheets not in any lot (or only in rejected ones), whose electronic double is still here.
_FREE_SHEETS = """
    SELECT s.* FROM sheets s
    WHERE s.purged IS NULL AND NOT EXISTS (
        SELECT 1 FROM lot_sheets ls WHERE ls.sheet_id = s.id AND ls.released IS NULL)
    ORDER BY s.professional, s.fund, s.completion, s.terminal_id, s.order_no, s.id
"""


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
    with store.transaction() as db:
        rows = db.execute(_FREE_SHEETS).fetchall()
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
            try:
                s = lotfile.LotSheet.from_bundle(row["bundle"])
            except lotfile.LotFormatError as e:
                bad.append("sheet %d: %s" % (row["id"], e))
                continue
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
                made.append(_new_lot(db, professional, fund, chunk, now, marks))
        return made


def _new_lot(db, professional, fund, members, now, despite):
    row = db.execute(
        "SELECT last FROM lot_numbers WHERE professional = ?", (professional,)
    ).fetchone()
    number = (row["last"] if row else 0) + 1
    db.execute(
        "INSERT INTO lot_numbers (professional, last) VALUES (?, ?) "
        "ON CONFLICT (professional) DO UPDATE SET last = excluded.last",
        (professional, number),
    )
    cur = db.execute(
        "INSERT INTO lots (professional, number, fund, status, built, sheets, fees, third_party)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            professional,
            number,
            fund,
            OPEN,
            now,
            len(members),
            sum(s.fees for _, s in members),
            sum(s.third_party for _, s in members),
        ),
    )
    lot_id = cur.lastrowid
    db.executemany(
        "INSERT INTO lot_sheets (lot_id, sheet_id, position, despite_duplicate) "
        "VALUES (?, ?, ?, ?)",
        [(lot_id, row["id"], i, despite.get(row["id"])) for i, (row, _) in enumerate(members, 1)],
    )
    return db.execute("SELECT * FROM lots WHERE id = ?", (lot_id,)).fetchone()


def duplicate_refusal(store: Store, sheet_id: int) -> str:
    """Why the sheet's paper duplicate must not be printed now, or "". A sheet in a sealed,
    sent or acknowledged lot is on its way electronically: a paper duplicate is for a
    transmission that failed (R161-47 I), so printing one then would bill it twice. Once
    its fund rejects the lot, the sheet is released and a duplicate may be printed."""
    lot = store.db.execute(
        "SELECT l.* FROM lot_sheets ls JOIN lots l ON l.id = ls.lot_id WHERE ls.sheet_id = ? "
        "AND ls.released IS NULL AND l.status IN (?, ?, ?)",
        (sheet_id, SEALED, SENT, ACKNOWLEDGED),
    ).fetchone()
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
    with store.transaction() as db:
        db.execute(
            "INSERT INTO paper_duplicates (sheet_id, made, reason) VALUES (?, ?, ?)",
            (sheet_id, now, reason),
        )
        lot = db.execute(
            "SELECT l.* FROM lot_sheets ls JOIN lots l ON l.id = ls.lot_id WHERE ls.sheet_id = ? "
            "AND ls.released IS NULL AND l.status = ?",
            (sheet_id, OPEN),
        ).fetchone()
        if lot is None:
            return ""
        db.execute(
            "DELETE FROM lot_sheets WHERE lot_id = ? AND sheet_id = ?", (lot["id"], sheet_id)
        )
        db.execute(
            "UPDATE lots SET sheets = t.n, fees = t.fees, third_party = t.third FROM (SELECT "
            "COUNT(*) AS n, COALESCE(SUM(s.fees), 0) AS fees, COALESCE(SUM(s.third_party), 0) "
            "AS third FROM lot_sheets ls JOIN sheets s ON s.id = ls.sheet_id WHERE ls.lot_id = ?) "
            "AS t WHERE lots.id = ?",
            (lot["id"], lot["id"]),
        )
        db.execute("DELETE FROM lots WHERE id = ? AND sheets = 0", (lot["id"],))
        return name(lot)


def duplicated(store: Store) -> dict:
    """{sheet id: when its first paper duplicate was printed}."""
    rows = store.db.execute("SELECT sheet_id, MIN(made) FROM paper_duplicates GROUP BY sheet_id")
    return {r[0]: r[1] for r in rows}


def transmitted(store: Store, sheet_id: int) -> bool:
    """The sheet is in a lot that was sent (R161-47 I 1°: transmitted)."""
    marks = ",".join("?" * len(TRANSMITTED))
    return (
        store.db.execute(
            "SELECT 1 FROM lot_sheets ls JOIN lots l ON l.id = ls.lot_id WHERE ls.sheet_id = ? "
            "AND l.status IN (%s)" % marks,
            (sheet_id, *TRANSMITTED),
        ).fetchone()
        is not None
    )


def all_lots(store: Store, statuses=STATUSES) -> list:
    marks = ",".join("?" * len(statuses))
    return store.db.execute(
        "SELECT * FROM lots WHERE status IN (%s) ORDER BY professional, number" % marks,
        tuple(statuses),
    ).fetchall()


def find(store: Store, ref: str):
    """The lot named `ref`: PROFESSIONAL-NUMBER, or a bare number when one professional
    only has it. LotError otherwise."""
    ref = ref.strip()
    professional, _, number = ref.rpartition("-")
    if not number.isdigit():
        raise LotError("%r is not a lot name (PROFESSIONAL-NUMBER, e.g. 10001234565-000001)" % ref)
    if professional:
        rows = store.db.execute(
            "SELECT * FROM lots WHERE professional = ? AND number = ?", (professional, int(number))
        ).fetchall()
    else:
        rows = store.db.execute("SELECT * FROM lots WHERE number = ?", (int(number),)).fetchall()
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
    return store.db.execute(
        "SELECT s.*, ls.position, ls.released, ls.despite_duplicate FROM lot_sheets ls "
        "JOIN sheets s ON s.id = "
        "ls.sheet_id WHERE ls.lot_id = ? ORDER BY ls.position",
        (lot_id,),
    ).fetchall()


def _damaged(store: Store, rows) -> str:
    """Why some of these sheets' stored bytes cannot be used (damaged since the sync:
    host_agent/check.py), or ""."""
    from host_agent import check  # here: check needs cryptography, lots alone does not

    certs = check.certificates(store.db)
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
    members = [lotfile.LotSheet.from_bundle(r["bundle"]) for r in rows]
    return lotfile.body(lot["professional"], lot["number"], lot["fund"], sealed_at, members)


def record_seal(store: Store, lot_id: int, file: bytes, cps_cert: bytes, now: int) -> None:
    """Keep the sealed file of an open lot; LotError if it is no longer open."""
    with store.transaction() as db:
        cur = db.execute(
            "UPDATE lots SET status = ?, sealed = ?, cps_cert = ?, file = ?, file_digest = ? "
            "WHERE id = ? AND status = ?",
            (SEALED, now, cps_cert, file, hashlib.sha256(file).digest(), lot_id, OPEN),
        )
        if cur.rowcount != 1:
            raise LotError("the lot is no longer open: it was sealed meanwhile")


def record_sending(store, lot, via, destination, now, error=None) -> None:
    """Note an attempt to send `lot`; a successful one (error None) makes it sent."""
    with store.transaction() as db:
        db.execute(
            "INSERT INTO lot_sendings (lot_id, at, via, destination, ok, error) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (lot["id"], now, via, destination, int(error is None), error),
        )
        if error is None:
            cur = db.execute(
                "UPDATE lots SET status = ?, sent = ?, sent_via = ? WHERE id = ? AND status = ?",
                (SENT, now, via, lot["id"], SEALED),
            )
            if cur.rowcount != 1:
                raise LotError("lot %s was not waiting to be sent" % name(lot))


def sendings(store: Store, lot_id: int) -> list:
    return store.db.execute(
        "SELECT * FROM lot_sendings WHERE lot_id = ? ORDER BY id", (lot_id,)
    ).fetchall()


def acks(store: Store, lot_id: int) -> list:
    return store.db.execute(
        "SELECT * FROM fund_acks WHERE lot_id = ? ORDER BY id", (lot_id,)
    ).fetchall()
