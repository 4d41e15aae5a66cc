"""A day's lots sealed and sent, and return files about them, for the returns tests."""

import json
from email.message import EmailMessage

from host_agent import lots, sending
from tests import lots_kit as kit

PARIS, LYON = "011750000", "011690000"


def sent_day(tmp_path, db=None):
    """(store, filed): the test day's sheets in lots, sealed and sent to an outbox; `db`:
    where the database is (default agent.db in tmp_path; tests/postgres_fixtures.py)."""
    store, filed = kit.store_with_day(db or tmp_path / "agent.db")
    lots.build(store, kit.NOW)
    kit.seal_all(store, "nurse")
    kit.seal_all(store, "gp")
    outbox = sending.Outbox(tmp_path / "outbox")
    for lot in lots.all_lots(store, (lots.SEALED,)):
        sending.send(store, outbox, lot, kit.NOW + 600)
    return store, filed


def sent_store(tmp_path, db=None):
    """The store of sent_day()."""
    return sent_day(tmp_path, db)[0]


def lots_of(store, fund):
    return [r for r in lots.all_lots(store) if r["fund"] == fund]


def members(store, lot):
    return [s for s in lots.sheets_of(store, lot["id"]) if s["released"] is None]


def lot_entry(lot, arl="received", day="2026-11-19", **more):
    return dict({"lot": lots.name(lot), "arl": arl, "date": day}, **more)


def sheet_entry(lot, sheet, result, day="2026-11-24", **more):
    return dict(
        {"lot": lots.name(lot), "order_no": sheet["order_no"], "result": result, "date": day},
        **more,
    )


def paid(lot, sheet, amount=None, day="2026-11-25"):
    """The sheet paid; by default the third-party share it expects."""
    return sheet_entry(
        lot, sheet, "paid", day, amount=sheet["third_party"] if amount is None else amount
    )


def return_bytes(fund, lot_entries=(), sheet_entries=(), **more) -> bytes:
    data = dict({"format": "tla-return/1", "fund": fund, "date": "2026-11-25"}, **more)
    data["lots"], data["sheets"] = list(lot_entries), list(sheet_entries)
    return json.dumps(data, ensure_ascii=False).encode()


def mail(raw: bytes, name="retour.json", subject="Retour NOEMIE") -> bytes:
    """A fund's message with the return file attached."""
    msg = EmailMessage()
    msg["From"] = "noemie@cpam-paris.example"
    msg["To"] = "cabinet@practice.example"
    msg["Subject"] = subject
    msg.set_content("Veuillez trouver ci-joint le retour de vos lots.")
    msg.add_attachment(raw, maintype="application", subtype="json", filename=name)
    return msg.as_bytes()


def snapshot(store) -> list:
    """Every row of the database but the PC's access log's (each `returns import` writes
    who ran it, refused or not: tests/test_people_cli.py), to show a refused import
    changed nothing."""
    return store.dump(leave_out=("pc_access_log",))
