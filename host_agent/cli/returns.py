"""tla-agent's commands after the lots are sent: the funds' acknowledgements, status and the
retention purge (docs/lots.md). Each parses its options, calls one function of
host_agent/acks.py, status.py or retention.py, and prints."""

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from host_agent import acks, legend, lots, retention, status
from host_agent.cli.common import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    TodayOption,
    console,
    days_left,
    instant,
    iso,
    open_store,
    plural,
    print_json,
    record,
    refused,
    said_lots,
    said_rebuilt,
    table,
    today,
)
from host_agent.errors import EXIT_OVERDUE, AgentError

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
    try:
        outcome = acks.apply(open_store(db), file, int(time.time()))
    except AgentError as e:
        refused(e)
    said_lots(outcome, "accepted", ": closed")
    said_rebuilt(outcome, "its sheets are")


# ---------------------------------------------------------------------- status, purge


def show_status(db: DbOption = DEFAULT_DB, on: TodayOption = "", as_json: JsonOption = False):
    """Show what waits: terminals, and sheets by time left before their deadline.

    Per terminal, the last sync and the sheets not transmitted yet; then every sheet not
    transmitted, by working days left before its deadline, overdue first (R161-47 I 1°:
    3 working days when the patient paid, 8 with third-party payment).

    Exit code 9 when a sheet is past its deadline (for scripts and monitoring), 0 when
    none is."""
    day = today(on)
    shown = status.report(open_store(db), day)
    if as_json:
        print_json(_status_json(shown, day))
    else:
        _print_status(shown, day)
    if shown.overdue:
        raise typer.Exit(EXIT_OVERDUE)


def _status_json(shown, day) -> dict:
    terminals = [
        dict(record(t, "serial", "last_sync", "waiting"), pending=t["pending"])
        for t in shown.terminals
    ]
    names = ("id", "terminal", "order_no", "fund", "completion", "payment")
    waiting = [
        dict(
            record(w.row, *names),
            deadline=iso(w.deadline),
            working_days_left=w.left,
            lot=w.lot_name,
            lot_status=w.lot_status,
        )
        for w in shown.waiting
    ]
    return {
        "today": iso(day),
        "terminals": terminals,
        "waiting": waiting,
        "overdue": len(shown.overdue),
    }


def _print_status(shown, day) -> None:
    terms = Table(title="terminals")
    rows = shown.terminals
    # The sync notes how many sheets a terminal still held (not synced) at its last sync.
    held = bool(rows) and "pending" in rows[0].keys()
    for column in ("terminal", "last sync", "sheets filed, not transmitted"):
        terms.add_column(column)
    if held:
        terms.add_column("left on the terminal at last sync")
    for t in rows:
        cells = [t["serial"], instant(t["last_sync"]) if t["last_sync"] else "never"]
        cells.append(str(t["waiting"]))
        if held:
            cells.append("-" if t["pending"] is None else str(t["pending"]))
        terms.add_row(*cells)
    console.print(terms)
    waiting = shown.waiting
    funds = shown.funds
    if funds and sum(funds.values()):
        # "Sent" is handed over (an outbox, a mail server), not received: the funds'
        # returns say which arrived (docs/returns.md).
        console.print(
            "%s sent, not acknowledged by their fund yet; %d acknowledged, %d rejected, %d paid"
            % (
                plural(funds["sent"], "sheet"),
                funds["acknowledged"],
                funds["rejected"],
                funds["paid"],
            )
        )
    if not waiting:
        console.print("no sheet waits to be transmitted")
        return
    out = table(
        "sheets not transmitted, on %s" % iso(day),
        *("sheet", "terminal", "order no", "fund", "completed", "payment", "deadline"),
        *("working days left", "lot"),
    )
    for w in waiting:
        r = w.row
        out.add_row(
            str(r["id"]),
            r["terminal"],
            str(r["order_no"]),
            r["fund"],
            iso(r["completion"]),
            "third party" if r["payment"] == 1 else "patient",
            iso(w.deadline),
            days_left(w.left),
            "%s (%s)" % (w.lot_name, w.lot_status) if w.lot_name else "-",
        )
    console.print(legend.with_funds(out, [w.row["fund"] for w in waiting]))


def purge_doubles(
    db: DbOption = DEFAULT_DB,
    on: TodayOption = "",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would go, remove nothing.")
    ] = False,
):
    """Remove electronic doubles kept 90 days past transmission and acknowledged.

    Removes the signed sheets, lot files and patients' NIRs of lots the funds acknowledged,
    once 90 days have passed since their transmission (R161-47 I 1°); keeps everything
    else and says what it kept and why. Lines of the PC's access log go after a year, a
    line naming a sheet not before that sheet's double. Order numbers, dates and amounts stay (a sheet is
    an invoice, R161-49)."""
    day = today(on)
    store = open_store(db)
    plan = retention.plan(store, day) if dry_run else retention.purge(store, day, int(time.time()))
    verb = "would remove" if dry_run else "removed"
    console.print(
        "%s the electronic doubles of %s in %s%s"
        % (
            verb,
            plural(plan.sheets, "sheet"),
            plural(len(plan.lots), "lot"),
            (": " + ", ".join(lots.name(r) for r in plan.lots)) if plan.lots else "",
        )
    )
    for reason, n in plan.kept:
        console.print("kept %s: %s" % (plural(n, "sheet"), reason))
    console.print(
        "%s %s of the PC's access log older than %d days (those naming a sheet once its "
        "double is gone)" % (verb, plural(plan.views, "line"), retention.PC_LOG_DAYS)
    )
