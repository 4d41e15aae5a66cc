"""tla-agent's commands after the lots are sent: the funds' acknowledgements, status,
purge, the paper duplicate and the patient's copy (docs/lots.md)."""

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from host_agent import acks, duplicate, lots, retention, sending, status
from host_agent.cli_common import (
    DEFAULT_DB,
    DbOption,
    SheetId,
    TodayOption,
    _instant,
    _iso,
    _left,
    _store,
    _table,
    _today,
    _write,
    console,
    fail,
    line,
)
from protocol import bundle

# ---------------------------------------------------------------------- acknowledgements

acks_app = typer.Typer(
    help="The funds' acknowledgements of lots (docs/lots.md).", no_args_is_help=True
)


@acks_app.command("import")
def import_acks(
    file: Annotated[Path, typer.Argument(help="An acknowledgement file (JSON, format tla-ack/1).")],
    db: DbOption = DEFAULT_DB,
):
    """Import a fund's acknowledgement file (JSON, docs/lots.md).

    An accepted lot is closed; a rejected lot's sheets go into a new lot (to seal and send
    again), and the fund's reason is shown. A malformed file or an unknown lot changes
    nothing."""
    store = _store(db)
    try:
        outcome = acks.apply(store, file, int(time.time()))
    except acks.AckError as e:
        fail(str(e))
    for a in outcome.acks:
        name = lots.name(a.lot)
        if a.already:
            console.print(
                "lot %s: already recorded as %s" % (name, "accepted" if a.accepted else "rejected")
            )
        elif a.accepted:
            console.print(
                "lot %s accepted by fund %s on %s: closed" % (name, a.lot["fund"], _iso(a.day))
            )
        else:
            console.print(
                line(
                    ("lot %s rejected" % name, "yellow"),
                    " by fund %s on %s: %s" % (a.lot["fund"], _iso(a.day), a.reason),
                )
            )
    for row in outcome.new_lots:
        console.print(
            "its sheets are in the new lot %s (%d sheets): seal and send it"
            % (lots.name(row), row["sheets"])
        )
    if outcome.build_problem:
        fail(
            "the rejected sheets are free again, but no new lot was built: %s"
            % outcome.build_problem
        )


# ---------------------------------------------------------------------- status, purge


def show_status(db: DbOption = DEFAULT_DB, today: TodayOption = ""):
    """Show what waits: terminals, and sheets by time left before their deadline.

    Per terminal, the last sync and the sheets not transmitted yet; then every sheet not
    transmitted, by working days left before its deadline, overdue first (R161-47 I 1°:
    3 working days when the patient paid, 8 with third-party payment)."""
    day = _today(today)
    store = _store(db)
    terms = Table(title="terminals")
    rows = status.terminals(store)
    # The sync notes how many sheets a terminal still held (not synced) at its last sync.
    held = bool(rows) and "pending" in rows[0].keys()
    for column in ("terminal", "last sync", "sheets filed, not transmitted"):
        terms.add_column(column)
    if held:
        terms.add_column("left on the terminal at last sync")
    for t in rows:
        cells = [t["serial"], _instant(t["last_sync"]) if t["last_sync"] else "never"]
        cells.append(str(t["waiting"]))
        if held:
            cells.append("-" if t["pending"] is None else str(t["pending"]))
        terms.add_row(*cells)
    console.print(terms)
    waiting = status.waiting(store, day)
    if not waiting:
        console.print("every sheet was transmitted")
        return
    table = _table(
        "sheets not transmitted, on %s" % _iso(day),
        *("sheet", "terminal", "order no", "fund", "completed", "payment", "deadline"),
        *("working days left", "lot"),
    )
    for w in waiting:
        r = w.row
        table.add_row(
            str(r["id"]),
            r["terminal"],
            str(r["order_no"]),
            r["fund"],
            _iso(r["completion"]),
            "third party" if r["payment"] == 1 else "patient",
            _iso(w.deadline),
            _left(w.left),
            "%s (%s)" % (w.lot_name, w.lot_status) if w.lot_name else "-",
        )
    console.print(table)


def purge_doubles(
    db: DbOption = DEFAULT_DB,
    today: TodayOption = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would go, remove nothing.")
    ] = False,
):
    """Remove electronic doubles kept 90 days past transmission and acknowledged.

    Removes the signed sheets, lot files and patients' NIRs of lots the funds acknowledged,
    once 90 days have passed since their transmission (R161-47 I 1°); keeps everything
    else and says what it kept and why. Order numbers, dates and amounts stay (a sheet is
    an invoice, R161-49)."""
    day = _today(today)
    store = _store(db)
    plan = retention.plan(store, day) if dry_run else retention.purge(store, day, int(time.time()))
    verb = "would remove" if dry_run else "removed"
    console.print(
        "%s the electronic doubles of %d sheet%s in %d lot%s%s"
        % (
            verb,
            plan.sheets,
            "" if plan.sheets == 1 else "s",
            len(plan.lots),
            "" if len(plan.lots) == 1 else "s",
            (": " + ", ".join(lots.name(r) for r in plan.lots)) if plan.lots else "",
        )
    )
    for reason, n in plan.kept:
        console.print("kept %d sheet%s: %s" % (n, "" if n == 1 else "s", reason))


# ---------------------------------------------------------------------- paper


def _sheet_row(store, sheet_id):
    row = store.sheet_row(sheet_id)
    if row is None:
        fail("there is no sheet %d (see tla-agent status)" % sheet_id)
    if row["purged"]:
        fail(
            "the electronic double of sheet %d was purged on %s (90 days after transmission)"
            % (sheet_id, _instant(row["purged"]))
        )
    return row


def _facts(store, row, db: Path, reason="") -> duplicate.Facts:
    signed = bundle.decode(row["bundle"])
    certs = store.certificates()
    lot = store.db.execute(
        "SELECT l.* FROM lot_sheets ls JOIN lots l ON l.id = ls.lot_id WHERE ls.sheet_id = ? AND ls.released IS NULL",
        (row["id"],),
    ).fetchone()
    try:
        fund_name = sending.load_settings(db.parent / "funds.toml").fund_name(row["fund"])
    except sending.SendError:
        fund_name = ""
    return duplicate.Facts(
        professional_name=duplicate.holder_name(certs.get(bytes(signed.cps_cert))),
        insured_name=duplicate.holder_name(certs.get(bytes(signed.vitale_cert or b""))),
        fund_name=fund_name,
        lot=lots.name(lot) if lot else "",
        reason=reason,
        transmitted=lots.transmitted(store, row["id"]),
    )


def print_duplicate(
    sheet_id: SheetId,
    db: DbOption = DEFAULT_DB,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The PDF to write (default: duplicata-ID.pdf here)."),
    ] = None,
    reason: Annotated[
        str, typer.Option(help="Why the sheet could not be transmitted (printed on it, in French).")
    ] = "",
):
    """Write a sheet's paper duplicate: a PDF marked DUPLICATA.

    For the patient or the fund when the electronic transmission failed (R161-47 I): every
    item of R161-42, in plain French. The professional signs it by hand."""
    store = _store(db)
    row = _sheet_row(store, sheet_id)
    refused = lots.duplicate_refusal(store, sheet_id)
    if refused:  # before any PDF exists: a duplicate of a sheet on its way bills it twice
        fail(refused)
    pdf = duplicate.render(row["bundle"], _facts(store, row, db, reason), duplicate.DUPLICATE)
    path = output or Path("duplicata-%d.pdf" % sheet_id)
    _write(path, pdf)
    left = lots.record_duplicate(store, sheet_id, int(time.time()), reason)  # never in a lot
    if left:
        console.print(
            "sheet %d left the open lot %s: it is not sent electronically" % (sheet_id, left)
        )
    console.print("wrote %s (sheet %d, order no %d)" % (path, sheet_id, row["order_no"]))


def export_sheet(
    sheet_id: SheetId,
    db: DbOption = DEFAULT_DB,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Where to write (default: copie-ID.pdf or sheet-ID.tla here)."
        ),
    ] = None,
    signed: Annotated[
        bool,
        typer.Option(
            "--signed",
            help="Write the sheet's exact signed bytes (bundle) instead of a readable PDF.",
        ),
    ] = False,
):
    """Give the patient a copy of a transmitted sheet (R161-47 I).

    A PDF marked COPIE, or with --signed the sheet's exact signed bytes as transmitted."""
    store = _store(db)
    row = _sheet_row(store, sheet_id)
    if signed:
        data, path = bytes(row["bundle"]), output or Path("sheet-%d.tla" % sheet_id)
    else:
        data = duplicate.render(row["bundle"], _facts(store, row, db), duplicate.COPY)
        path = output or Path("copie-%d.pdf" % sheet_id)
    _write(path, data)
    console.print("wrote %s (sheet %d, order no %d)" % (path, sheet_id, row["order_no"]))


def register(app: typer.Typer, sheets: typer.Typer) -> None:
    """Add these commands to tla-agent's `app`, and `export` to its `sheets` group."""
    app.add_typer(acks_app, name="acks")
    app.command("status")(show_status)
    app.command("purge")(purge_doubles)
    app.command("duplicate")(print_duplicate)
    sheets.command("export")(export_sheet)
