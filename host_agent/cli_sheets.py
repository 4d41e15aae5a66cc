"""tla-agent's commands on what the syncs filed: the sheets (list, show, summary), the
opposition list (push) and the access log (docs/agent.md). Registered by host_agent/cli.py.
"""

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from host_agent import files, status
from host_agent.cli_common import (
    DEFAULT_DB,
    MAX_ID,
    DbOption,
    SheetId,
    _euros,
    _instant,
    _iso,
    _store,
    _table,
    _today,
    console,
    fail,
)
from host_agent.output import styled
from host_agent.sync_errors import EXIT_DATABASE
from protocol import bundle, opposition_entries, sheet, sheet_fields

TerminalOption = Annotated[
    str | None, typer.Option("--terminal", "-t", help="Only this terminal (serial number).")
]


# ---------------------------------------------------------------------- sheets

sheets_app = typer.Typer(help="The care sheets filed by the syncs.", no_args_is_help=True)


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
):
    """List the filed sheets, newest first, or those in quarantine with why."""
    store = _store(db)
    if quarantine:
        table = _table("sheets in quarantine", "id", "terminal", "record", "received", "reason")
        for r in store.quarantined(terminal, limit):
            table.add_row(*_where(r), _instant(r["received"]), r["reason"])
    else:
        table = _table(
            "filed sheets",
            *("id", "terminal", "record", "order no", "professional", "fund", "completed"),
            *("fees", "third party"),
        )
        for r in store.sheets(terminal, limit):
            table.add_row(
                *_where(r),
                str(r["order_no"]),
                r["professional"],
                r["fund"],
                _iso(r["completion"]),
                _euros(r["fees"]),
                _euros(r["third_party"]),
            )
    console.print(table)


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
    store = _store(db)
    row = store.sheet_row(sheet_id, quarantine)
    if row is None:
        fail("no %s with id %d" % ("sheet in quarantine" if quarantine else "sheet", sheet_id))
    table = Table(
        title="%s %d" % ("quarantined sheet" if quarantine else "sheet", sheet_id),
        show_header=False,
    )
    table.add_row("terminal", "%s, record %d" % (row["terminal"], row["record_no"]))
    table.add_row("received", _instant(row["received"]))
    if quarantine:
        table.add_row("reason", row["reason"])
    data = bytes(row["bundle"])
    try:
        b = bundle.decode(data)
        for who, sig, cid in (
            ("CPS", b.cps_signature, b.cps_cert),
            ("Vitale", b.vitale_signature, b.vitale_cert),
        ):
            table.add_row(
                who + " signature", "certificate %s" % cid.hex() if sig and cid else "none"
            )
        s = sheet.decode(b.sheet)
        for f in sheet_fields.SHEET:
            value = getattr(s, f[sheet_fields.NAME], None)
            if value is not None:
                table.add_row(
                    "%s (%s)" % (f[sheet_fields.NAME], f[sheet_fields.ARTICLE]), _show(value)
                )
    except (bundle.BundleFormatError, sheet.SheetFormatError) as e:
        table.add_row("content", "cannot be decoded: %s (%d bytes)" % (e, len(data)))
    console.print(table)


def _show(value) -> str:
    """A sheet's value for the table: records as their fields, lists one per line."""
    if isinstance(value, list):
        return "\n".join(_show(v) for v in value)
    if hasattr(value, "__dict__"):
        return ", ".join("%s %s" % (k, v) for k, v in vars(value).items() if v is not None)
    return str(value)


@sheets_app.command("summary")
def summarize_sheets(
    db: DbOption = DEFAULT_DB,
    terminal: TerminalOption = None,
    today: Annotated[
        str, typer.Option(help="Count deadlines as on this day (YYYY-MM-DD) instead of today.")
    ] = "",
):
    """Sheets per fund: how many, the fees, what the fund pays (third-party payment), and
    the nearest transmission deadline of those not transmitted (R161-47 I 1°: 3 working
    days when the patient paid, 8 with third-party payment)."""
    store = _store(db)
    day = _today(today)
    funds: dict = {}
    for r in store.sheets(terminal):
        if r["purged"] is not None:
            continue
        f = funds.setdefault(r["fund"], {"sheets": 0, "fees": 0, "third": 0, "next": None})
        f["sheets"] += 1
        f["fees"] += r["fees"]
        f["third"] += r["third_party"]
    for w in status.waiting(store, day):
        f = funds.get(w.row["fund"])
        if f is not None and (terminal is None or w.row["terminal"] == terminal):
            if f["next"] is None or (w.deadline, w.left) < f["next"]:
                f["next"] = (w.deadline, w.left)
    table = Table(title="sheets per fund, on %s" % _iso(day))
    for column in (
        "fund",
        "sheets",
        "fees",
        "paid by the fund",
        "paid by patients",
        "next deadline",
    ):
        table.add_column(column, justify="left" if column == "fund" else "right")
    total = {"sheets": 0, "fees": 0, "third": 0}
    for fund in sorted(funds):
        f = funds[fund]
        nxt = "-"
        if f["next"] is not None:
            left = f["next"][1]
            nxt = "%s (%s)" % (
                _iso(f["next"][0]),
                "%d working days left" % left if left >= 0 else "%d days overdue" % -left,
            )
            nxt = styled(nxt, "red") if left < 0 else nxt
        table.add_row(
            fund,
            str(f["sheets"]),
            _euros(f["fees"]),
            _euros(f["third"]),
            _euros(f["fees"] - f["third"]),
            nxt,
        )
        for key in total:
            total[key] += f[key]
    table.add_row(
        "all",
        str(total["sheets"]),
        _euros(total["fees"]),
        _euros(total["third"]),
        _euros(total["fees"] - total["third"]),
        "",
    )
    console.print(table)


# ---------------------------------------------------------------------- opposition list

opposition_app = typer.Typer(
    help="The opposition list (R161-33-7): cards every terminal must refuse.",
    no_args_is_help=True,
)


# An opposition list file: 11 bytes a serial, a million cards is 11 MB; never /dev/zero.
MAX_LIST_BYTES = 16 * 1024 * 1024


def read_serials(path: Path) -> list[bytes]:
    """The sorted, distinct entries of a list file: one 10-digit card serial a line,
    blank lines and #-comments ignored."""
    try:
        lines = files.read_small(path, MAX_LIST_BYTES, "an opposition list").decode().splitlines()
    except OSError as e:
        fail("cannot read %s: %s" % (path, e.strerror))
    except UnicodeDecodeError:
        fail("%s is not a text file of card serials" % path)
    except ValueError as e:  # too large: /dev/zero would fill the memory
        fail(str(e))
    found = set()
    for number, raw in enumerate(lines, 1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            found.add(opposition_entries.encode(text))
        except ValueError:
            fail("%s line %d: %r is not a 10-digit Vitale card serial" % (path, number, text))
    return sorted(found)


@opposition_app.command("push")
def push_opposition(
    file: Annotated[Path, typer.Argument(help="The list: one 10-digit card serial a line.")],
    db: DbOption = DEFAULT_DB,
):
    """Make FILE the opposition list; every terminal gets it at its next sync.

    The terminal receives only what changed since the version it holds (or the whole list),
    checks that it ends with exactly this list, and refuses those cards at every read."""
    entries = read_serials(file)
    store = _store(db, create=True)
    try:
        version, added, removed = store.replace_opposition(entries, file.name)
    except Exception as e:  # sqlite3.Error: a full disk, a damaged file
        fail("cannot write the database %s: %s" % (db, e), EXIT_DATABASE)
    console.print(
        "opposition list version %d: %d cards (%d added, %d removed); terminals get it at "
        "their next sync" % (version, len(entries), added, removed)
    )


# ---------------------------------------------------------------------- access log


def show_access_log(
    db: DbOption = DEFAULT_DB,
    terminal: TerminalOption = None,
    limit: Annotated[
        int,
        typer.Option(help="At most this many entries, newest first (0: all).", min=0, max=MAX_ID),
    ] = 50,
):
    """Show the terminals' access logs: who read which card, when, what (R162-1-10 c).

    Each entry is chained to the one before; a broken link (an entry edited or removed on
    the terminal) is marked."""
    store = _store(db)
    table = Table(title="access log")
    for column in ("terminal", "no", "when", "who", "card", "card id", "what", "chain"):
        table.add_column(column)
    for r in store.access_log(terminal, limit):
        table.add_row(
            r["terminal"],
            str(r["entry_no"]),
            _instant(r["at"]),
            r["who"] or "-",
            r["card"],
            r["card_id"] or "-",
            r["what"],
            "ok" if r["chain_ok"] else styled("BROKEN", "red"),
        )
    console.print(table)


# Lots, acknowledgements, status, purge, duplicates and the patient's copy (docs/lots.md).


def register(app: typer.Typer) -> typer.Typer:
    """Add the sheets and opposition groups and access-log to `app`; the sheets group (the
    lot commands add `sheets export` to it)."""
    app.add_typer(sheets_app, name="sheets")
    app.add_typer(opposition_app, name="opposition")
    app.command("access-log")(show_access_log)
    return sheets_app
