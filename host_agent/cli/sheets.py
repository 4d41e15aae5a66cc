"""tla-agent's commands on what the syncs filed: the sheets (list, show, summary, attach), the
opposition list (push) and the access log (docs/agent.md). Each parses its options, calls
one function of host_agent/sheets.py, and prints."""

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from host_agent import legend, people, pieces, pieces_check, sheets, workspace
from host_agent.cli.common import (
    DEFAULT_DB,
    MAX_ID,
    DbOption,
    JsonOption,
    SheetId,
    TerminalOption,
    TodayOption,
    console,
    instant,
    iso,
    open_store,
    plural,
    print_json,
    record,
    refused,
    styled,
    table,
    today,
)
from host_agent.errors import AgentError
from host_agent.money import eur as euros

sheets_app = typer.Typer(help="The care sheets filed by the syncs.", no_args_is_help=True)
opposition_app = typer.Typer(
    help="The opposition list (R161-33-7): cards every terminal must refuse.",
    no_args_is_help=True,
)


# A filed sheet in JSON: where it came from, its invoice items (no NIR: health data stays in
# the database and the patient's documents).
SHEET_FIELDS = (
    *("id", "terminal", "record_no", "order_no", "professional", "fund", "completion"),
    *("payment", "fees", "third_party", "signed_by_patient", "received", "purged"),
)


@sheets_app.command("list")
def list_sheets(
    db: DbOption = DEFAULT_DB,
    terminal: TerminalOption = None,
    quarantine: Annotated[
        bool, typer.Option("--quarantine", "-q", help="The sheets that failed verification.")
    ] = False,
    limit: Annotated[
        int, typer.Option(help="At most this many, newest first (0: all).", min=0, max=MAX_ID)
    ] = 50,
    as_json: JsonOption = False,
):
    """List the filed sheets, newest first, or those in quarantine with why."""
    store = open_store(db)
    if as_json:
        if quarantine:
            rows = sheets.quarantined(store, terminal, limit)
            names = ("id", "terminal", "record_no", "received", "reason")
        else:
            rows = sheets.filed(store, terminal, limit)
            names = SHEET_FIELDS
        print_json([record(r, *names) for r in rows])
        return
    if quarantine:
        out = table("sheets in quarantine", "id", "terminal", "record", "received", "reason")
        for r in sheets.quarantined(store, terminal, limit):
            out.add_row(*_where(r), instant(r["received"]), r["reason"])
    else:
        out = table(
            "filed sheets",
            *("id", "terminal", "record", "order no", "professional", "fund", "completed"),
            *("fees", "third party"),
        )
        rows = list(sheets.filed(store, terminal, limit))
        for r in rows:
            out.add_row(
                *_where(r),
                str(r["order_no"]),
                r["professional"],
                r["fund"],
                iso(r["completion"]),
                euros(r["fees"]),
                euros(r["third_party"]),
            )
        out = legend.with_funds(out, [r["fund"] for r in rows])
    console.print(out)


def _where(row) -> tuple:
    """A sheet's id, terminal and record number, as table cells."""
    return str(row["id"]), row["terminal"], str(row["record_no"])


@sheets_app.command("show")
def show_sheet(
    sheet_id: SheetId,
    db: DbOption = DEFAULT_DB,
    quarantine: Annotated[
        bool, typer.Option("--quarantine", "-q", help="A sheet in quarantine.")
    ] = False,
):
    """Show one sheet: every item it carries, its signatures, where it came from."""
    try:
        view = sheets.show(open_store(db), sheet_id, quarantine)
    except AgentError as e:
        refused(e)
    row = view.row
    out = Table(
        title="%s %d" % ("quarantined sheet" if quarantine else "sheet", sheet_id),
        show_header=False,
    )
    out.add_row("terminal", "%s, record %d" % (row["terminal"], row["record_no"]))
    out.add_row("received", instant(row["received"]))
    if quarantine:
        out.add_row("reason", row["reason"])
    for who, cid in view.signatures:
        out.add_row(who + " signature", "certificate %s" % cid if cid else "none")
    for name, article, value in view.items:
        out.add_row("%s (%s)" % (name, article), _show(value))
    if view.problem:
        out.add_row("content", view.problem)
    console.print(out)


def _show(value) -> str:
    """A sheet's value for the table: records as their fields, lists one per line."""
    if isinstance(value, list):
        return "\n".join(_show(v) for v in value)
    if hasattr(value, "__dict__"):
        return ", ".join("%s %s" % (k, v) for k, v in vars(value).items() if v is not None)
    return str(value)


@sheets_app.command("attach")
def attach_piece(
    sheet_id: SheetId,
    file: Annotated[
        Path,
        typer.Argument(
            help="The scanned prescription: JPEG, PNG or PDF, at least 150 dpi, at most "
            "10 MB. Kept as is under its name without folders, sent with the sheet's lot."
        ),
    ],
    db: DbOption = DEFAULT_DB,
):
    """Attach a scanned prescription (SCOR piece) to a sheet not yet sealed in a lot."""
    try:
        with file.open("rb") as f:
            data = f.read(pieces_check.MAX_BYTES + 1)
    except OSError as e:
        refused(AgentError("cannot read %s: %s" % (file, e.strerror or e)))
    who = people.pc_user("cli").who
    try:
        now = int(time.time())
        done = workspace.on_store(
            db, lambda s: pieces.attach(s, sheet_id, data, str(file), "", now, who, True)
        )
    except AgentError as e:
        refused(e)
    console.print(
        "piece %d attached to sheet %d: %s, %s, %d dpi, %s, sha256 %s"
        % (done.id, sheet_id, done.name, pieces_check.WORDS[done.media_type], done.dpi,
           plural(done.pages, "page"), done.digest.hex())
    )  # fmt: skip


@sheets_app.command("summary")
def summarize_sheets(
    db: DbOption = DEFAULT_DB,
    terminal: TerminalOption = None,
    on: TodayOption = "",
    as_json: JsonOption = False,
):
    """Sheets per fund: how many, the fees, what the fund pays (third-party payment), and
    the nearest transmission deadline of those not transmitted (R161-47 I 1°: 3 working
    days when the patient paid, 8 with third-party payment)."""
    store = open_store(db)
    day = today(on)
    lines = sheets.per_fund(store, day, terminal)
    if as_json:
        print_json(
            {
                "today": iso(day),
                "funds": [
                    {
                        "fund": f.fund,
                        "sheets": f.sheets,
                        "fees": f.fees,
                        "paid_by_the_fund": f.third_party,
                        "paid_by_patients": f.patients,
                        "next_deadline": iso(f.next_deadline[0]) if f.next_deadline else None,
                        "working_days_left": f.next_deadline[1] if f.next_deadline else None,
                    }
                    for f in lines
                ],
            }
        )
        return
    out = Table(title="sheets per fund, on %s" % iso(day))
    for column in (
        "fund",
        "sheets",
        "fees",
        "paid by the fund",
        "paid by patients",
        "next deadline",
    ):
        out.add_column(column, justify="left" if column == "fund" else "right")
    for f in lines:
        nxt = "-"
        if f.next_deadline is not None:
            last, left = f.next_deadline
            nxt = "%s (%s)" % (
                iso(last),
                "%s left" % plural(left, "working day")
                if left >= 0
                else "%s overdue" % plural(-left, "day"),
            )
            nxt = styled(nxt, "red") if left < 0 else nxt
        out.add_row(
            f.fund,
            str(f.sheets),
            euros(f.fees),
            euros(f.third_party),
            euros(f.patients),
            nxt,
        )
    total = sheets.FundLine(
        "all",
        sum(f.sheets for f in lines),
        sum(f.fees for f in lines),
        sum(f.third_party for f in lines),
    )
    out.add_row(
        "all",
        str(total.sheets),
        euros(total.fees),
        euros(total.third_party),
        euros(total.patients),
        "",
    )
    console.print(legend.with_funds(out, [f.fund for f in lines]))


@opposition_app.command("push")
def push_opposition(
    file: Annotated[Path, typer.Argument(help="The list: one 10-digit card serial a line.")],
    db: DbOption = DEFAULT_DB,
):
    """Make FILE the opposition list; every terminal gets it at its next sync.

    The terminal receives only what changed since the version it holds (or the whole list),
    checks that it ends with exactly this list, and refuses those cards at every read."""
    try:
        pushed = sheets.push_opposition(lambda: open_store(db, create=True), file)
    except AgentError as e:
        refused(e)
    console.print(
        "opposition list version %d: %s (%d added, %d removed); terminals get it at "
        "their next sync"
        % (pushed.version, plural(pushed.cards, "card"), pushed.added, pushed.removed)
    )


def show_access_log(
    db: DbOption = DEFAULT_DB,
    terminal: TerminalOption = None,
    limit: Annotated[
        int,
        typer.Option(help="At most this many entries, newest first (0: all).", min=0, max=MAX_ID),
    ] = 50,
    as_json: JsonOption = False,
):
    """Show the terminals' access logs: who read which card, when, what (R162-1-10 c).

    Each entry is chained to the one before; a broken link (an entry edited or removed on
    the terminal) is marked."""
    entries = sheets.access_log(open_store(db), terminal, limit)
    if as_json:
        names = ("terminal", "entry_no", "at", "who", "card", "card_id", "what")
        print_json([dict(record(r, *names), chain_ok=bool(r["chain_ok"])) for r in entries])
        return
    out = Table(title="access log")
    for column in ("terminal", "no", "when", "who", "card", "card id", "what", "chain"):
        out.add_column(column)
    for r in entries:
        out.add_row(
            r["terminal"],
            str(r["entry_no"]),
            instant(r["at"]),
            r["who"] or "-",
            r["card"],
            r["card_id"] or "-",
            r["what"],
            "ok" if r["chain_ok"] else styled("BROKEN", "red"),
        )
    console.print(out)
