"""What tla-agent's commands share: the --db and --today options, opening the store (a
missing database is never created by a read command), dates, amounts, the overdue warning.
Output and errors come from host_agent/output.py (docs/agent.md)."""

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from host_agent import files, status
from host_agent.output import EXIT_REFUSED, console, err, fail, line, styled  # noqa: F401
from host_agent.store import Store, StoreError
from host_agent.sync_errors import EXIT_DATABASE, SyncError
from host_agent.sync_parts import load_root
from protocol import dates

DB_ENV = "TLA_AGENT_DB"
ROOT_ENV = "TLA_ROOT_CERT"
DEFAULT_DB = Path.home() / ".local" / "share" / "tla" / "agent.db"
EXIT_CARD = 3  # the CPS refused (wrong or blocked PIN, no card)
EXIT_SEND = 4  # a transport failed: the lots stay sealed, to be sent again

DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar=DB_ENV,
        help="The agent's database (SQLite). Default: $%s, else %s." % (DB_ENV, DEFAULT_DB),
        show_default=False,
    ),
]
RootOption = Annotated[
    Path | None,
    typer.Option(
        "--root",
        envvar=ROOT_ENV,
        help="The card PKI's root certificate (PEM or DER) that every sheet's and lot's "
        "signatures must chain to. Default: $%s, else root.pem next to the database." % ROOT_ENV,
        show_default=False,
    ),
]
MAX_ID = 2**62  # ids and counts: SQLite integers are below 2^63
SheetId = Annotated[
    int,
    typer.Argument(help="The sheet's id (tla-agent sheets list, status).", min=1, max=MAX_ID),
]
TodayOption = Annotated[
    str,
    typer.Option(
        "--today",
        help="Count deadlines and retention as on this day (YYYY-MM-DD) instead of today.",
        show_default=False,
    ),
]


def _store(db: Path, create: bool = False) -> Store:
    """The store at `db`; only the commands that create one (`create`: pair, opposition
    push) make a new file: a mistyped --db creates nothing."""
    if not create and not db.exists():
        fail(
            "no database at %s: check --db or $%s; a new one is created by the first "
            "tla-agent pair" % (db, DB_ENV),
            EXIT_DATABASE,
        )
    try:
        if not db.exists():
            files.private_folder(db.parent)
        return Store(db)
    except OSError as e:
        fail("cannot create the database %s: %s" % (db, e.strerror or e), EXIT_DATABASE)
    except StoreError as e:
        fail(str(e), EXIT_DATABASE)


def _load_root(root: Path | None, db: Path, required: bool = True):
    """The trusted root (x509) from --root, $TLA_ROOT_CERT or root.pem beside the database
    (as `sync` checks sheets). None when not `required`, not given and no root.pem exists;
    else a missing or unreadable root is a plain error."""
    path = root if root is not None else db.parent / "root.pem"
    if not path.exists():
        if not required and root is None:
            return None
        fail(
            "no root certificate at %s: give --root FILE (the card PKI's root, PEM or DER; "
            "the emulator's test root: tla-emu export-root FILE)" % path
        )
    try:
        return load_root(path)
    except SyncError as e:
        fail(str(e))


def _today(text: str) -> int:
    if not text:
        return dates.days_to_ymd(dates.paris_day(int(time.time())))
    try:
        day = dates.days_to_ymd(dates.days_from_civil(*dates.parse_iso(text)))
    except ValueError as e:
        fail("--today: %s" % e)
    if not 20000101 <= day <= 21001231:  # deadlines are counted day by day up to it
        fail("--today: %s is not a day from 2000-01-01 to 2100-12-31" % text)
    return day


def _iso(ymd) -> str:
    return dates.iso(dates.ymd_tuple(ymd)) if ymd else "-"


def _instant(epoch) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch)) if epoch else "-"


def _euros(cents) -> str:
    return "%d.%02d" % divmod(cents, 100)


def _left(n: int):
    if n < 0:
        return styled("%d overdue" % -n, "red")
    return styled(n, "yellow") if n <= 1 else str(n)


def _warn_overdue(store, today):
    late = status.overdue(store, today)
    if not late:
        return
    err.print(
        line(
            ("warning:", "yellow"),
            " %d sheet%s past the transmission deadline (R161-47 I 1°): "
            "send %s now, or give a paper duplicate (tla-agent duplicate ID)"
            % (len(late), "s are" if len(late) > 1 else " is", "them" if len(late) > 1 else "it"),
        )
    )
    for w in late:
        err.print(
            "  sheet %d (order no %d, %s) completed %s, deadline %s: %d working day%s late"
            % (
                w.row["id"],
                w.row["order_no"],
                w.row["terminal"],
                _iso(w.row["completion"]),
                _iso(w.deadline),
                -w.left,
                "" if w.left == -1 else "s",
            )
        )


def _write(path: Path, data: bytes):
    try:
        files.write_private(path, data)  # 0600 in 0700 folders: health data
    except OSError as e:
        fail("cannot write %s: %s" % (path, e.strerror or e))


def _read_pin(from_stdin: bool, tries: int) -> bytearray:
    if from_stdin:
        text = sys.stdin.readline()
        return bytearray(text.strip().encode())
    note = "" if tries >= 3 else " (%d %s left)" % (tries, "try" if tries == 1 else "tries")
    return bytearray(typer.prompt("CPS PIN%s" % note, hide_input=True).strip().encode())


def _table(title, *columns) -> Table:
    """A table titled `title` with these columns, in this order."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    return table
