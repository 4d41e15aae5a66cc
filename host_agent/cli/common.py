"""What tla-agent's commands share: the two consoles, the options (--db, --root, --today,
--port, --terminal, a sheet id), the one-line errors and exit codes, the last guard, and
the English formats of dates, amounts and days left (docs/agent.md).

The consoles have Rich markup switched off, so that no text from a terminal, a card, a file
or the database (serials, names, access-log text, reasons, file contents) is ever read as
markup ("[/x]" prints as is), and control characters (an escape sequence that would clear
the screen) show as "?". The few styled words are Text objects made here (`styled`, `line`).
"""

import json
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from host_agent import lots, settings, settings_cards, status, workspace
from host_agent.errors import EXIT_DATABASE, EXIT_INTERNAL, EXIT_REFUSED, AgentError
from host_agent.store import location, rows
from protocol import dates

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text) -> str:
    """`text` with its control characters (but new lines and tabs) shown as "?"."""
    return _CONTROL.sub("?", str(text))


class _PlainConsole(Console):
    """A Console that prints every string as is: no markup, no control character."""

    def render_str(self, text, **options):
        return super().render_str(plain(text), **options)


# Tables keep their columns whole when the output goes to a file or a pipe.
_WIDTH = None if sys.stdout.isatty() else 160
console = _PlainConsole(highlight=False, soft_wrap=True, width=_WIDTH, markup=False)
err = _PlainConsole(stderr=True, highlight=False, soft_wrap=True, width=_WIDTH, markup=False)


def styled(text, style: str) -> Text:
    """`text` (any value, shown as is) in `style` ("red", "bold"...)."""
    return Text(plain(text), style=style)


def line(*parts) -> Text:
    """One line from plain strings and (text, style) pairs, never parsed as markup."""
    return Text.assemble(
        *[(plain(p[0]), p[1]) if isinstance(p, tuple) else plain(p) for p in parts]
    )


def fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    """The command's one plain error line on stderr, and its exit code (docs/agent.md)."""
    err.print(line(("error:", "red"), " ", message))
    raise typer.Exit(code)


def refused(error: AgentError) -> NoReturn:
    """An AgentError as the command's error line (English) and exit code."""
    fail(str(error), error.exit_code)


def guard(error: BaseException) -> int:
    """The last guard: an error nothing else caught still ends in one plain line and a
    documented exit code, never a traceback. Each change to the database is one
    transaction, so an error here never leaves one half done. Returns the exit code."""
    if isinstance(error, AgentError):
        message, code = str(error), error.exit_code
    elif isinstance(error, rows.RowDamaged):  # already says which row and what to do
        message, code = str(error), EXIT_DATABASE
    elif isinstance(error, sqlite3.OperationalError) and "readonly" in str(error).replace(" ", ""):
        message = "the database is read-only (%s): give write access to it and its folder" % error
        code = EXIT_DATABASE
    elif isinstance(error, sqlite3.DatabaseError):
        message = (
            "the database is damaged or is not a tla-agent database (%s): run tla-agent check, "
            "or restore it from a backup" % error
        )
        code = EXIT_DATABASE
    elif isinstance(error, UnicodeDecodeError):
        message = "the database holds text that is not UTF-8 (damaged?): run tla-agent check"
        code = EXIT_DATABASE
    elif isinstance(error, MemoryError):
        message = "out of memory"
        code = EXIT_INTERNAL
    else:
        message = "internal error, please report it: %s: %s" % (type(error).__name__, error)
        code = EXIT_INTERNAL
    err.print(line(("error:", "red"), " ", message[:500]))
    return code


# ---------------------------------------------------------------------- options

DbOption = Annotated[
    Path,
    typer.Option(
        "--db",
        envvar=workspace.DB_ENV,
        parser=location.parse,  # a Path, or a Server for postgresql://...
        metavar="PATH|URL",
        help="The agent's database: a SQLite file, or a PostgreSQL database shared by the "
        "practice's PCs (postgresql://user@host/database). Default: the settings' database, "
        "$%s, else %s." % (workspace.DB_ENV, workspace.DEFAULT_DB),
        show_default=False,
    ),
]
DEFAULT_DB = workspace.DEFAULT_DB
RootOption = Annotated[
    Path | None,
    typer.Option(
        "--root",
        envvar=workspace.ROOT_ENV,
        help="The card PKI's root certificate (PEM or DER) that every sheet's and lot's "
        "signatures must chain to. Default: $%s, else root.pem next to the database."
        % workspace.ROOT_ENV,
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
TerminalOption = Annotated[
    str | None, typer.Option("--terminal", "-t", help="Only this terminal (serial number).")
]
PORT_HELP = (
    "The terminal's port: a device (/dev/ttyACM0), a pty path, or a pyserial URL "
    "(socket://host:port)."
)
PortOption = Annotated[str, typer.Option("--port", "-p", help=PORT_HELP)]
JsonOption = Annotated[
    bool,
    typer.Option(
        "--json",
        help="Print the listing as JSON (for scripts): dates YYYY-MM-DD, instants in seconds "
        "since 1970 (UTC), amounts in cents.",
    ),
]
# Columns that hold a day (YYYYMMDD), written YYYY-MM-DD in JSON.
_DAY_COLUMNS = ("completion", "day", "deadline")


def print_json(value) -> None:
    """`value` as JSON on stdout, text as is (UTF-8, control characters escaped by JSON)."""
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def record(row, *names) -> dict:
    """{name: value} of these columns of `row`, as JSON values: days as YYYY-MM-DD, bytes
    as hex."""
    out = {}
    for name in names:
        value = row[name]
        if isinstance(value, bytes):
            value = value.hex()
        elif name in _DAY_COLUMNS and value:
            value = iso(value)
        out[name] = value
    return out


def open_store(db: Path, create: bool = False):
    """The store at `db` (workspace.open_store), or the command's error line."""
    try:
        return workspace.open_store(db, create)
    except AgentError as e:
        refused(e)


def load_root(root: Path | None, db: Path, required: bool = True):
    try:
        return workspace.root_certificate(root, db, required)
    except AgentError as e:
        fail(str(e))


def today(text: str) -> int:
    try:
        return workspace.today(text)
    except AgentError as e:
        refused(e)


def write(path: Path, data: bytes) -> None:
    try:
        workspace.write(path, data)
    except AgentError as e:
        refused(e)


# ---------------------------------------------------------------------- formats


def iso(ymd) -> str:
    return dates.iso(dates.ymd_tuple(ymd)) if ymd else "-"


def instant(epoch) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch)) if epoch else "-"


def plural(n: int, word: str, many: str = "") -> str:
    """'1 sheet', '2 sheets', '0 sheets' ("many": the plural when not word + 's')."""
    return "%d %s" % (n, word if n == 1 else (many or word + "s"))


def days_left(n: int):
    if n < 0:
        return styled("%d overdue" % -n, "red")
    return styled(n, "yellow") if n <= 1 else str(n)


def said_lots(outcome, word: str, after: str = "") -> None:
    """What an import of a return (returns.Outcome, acks.Outcome) recorded of each lot,
    one line a lot: `word` for a lot the fund took ("received", "accepted"), `after` at
    the end of its line."""
    for a in outcome.lots:
        name = lots.name(a.lot)
        if a.already:
            console.print(
                "lot %s: already recorded as %s" % (name, word if a.received else "rejected")
            )
        elif a.received:
            console.print(
                "lot %s %s by fund %s on %s%s" % (name, word, a.lot["fund"], iso(a.day), after)
            )
        else:
            console.print(
                line(
                    ("lot %s rejected" % name, "yellow"),
                    " by fund %s on %s: %s" % (a.lot["fund"], iso(a.day), a.reason),
                )
            )


def said_rebuilt(outcome, whose: str) -> None:
    """The end of a return's import (acks or returns): the new lots holding a rejected lot's
    sheets, or why none was built (the sheets are free again either way)."""
    for row in outcome.new_lots:
        console.print(
            "%s in the new lot %s (%s): seal and send it"
            % (whose, lots.name(row), plural(row["sheets"], "sheet"))
        )
    if outcome.build_problem:
        fail(
            "the rejected sheets are free again, but no new lot was built: %s"
            % outcome.build_problem
        )


def table(title, *columns) -> Table:
    """A table titled `title` with these columns, in this order."""
    out = Table(title=title)
    for column in columns:
        out.add_column(column)
    return out


def warn_overdue(store, day) -> None:
    late = status.overdue(store, day)
    if not late:
        return
    err.print(
        line(
            ("warning:", "yellow"),
            " %s past the transmission deadline (R161-47 I 1°): "
            "send %s now, or give a paper duplicate (tla-agent duplicate ID)"
            % (
                plural(len(late), "sheet is", "sheets are"),
                "them" if len(late) > 1 else "it",
            ),
        )
    )
    for w in late:
        err.print(
            "  sheet %d (order no %d, %s) completed %s, deadline %s: %s late"
            % (
                w.row["id"],
                w.row["order_no"],
                w.row["terminal"],
                iso(w.row["completion"]),
                iso(w.deadline),
                plural(-w.left, "working day"),
            )
        )


def read_pin(from_stdin: bool, tries: int) -> bytearray:
    if from_stdin:
        text = sys.stdin.readline()
        return bytearray(text.strip().encode())
    note = "" if tries >= 3 else " (%s left)" % plural(tries, "try", "tries")
    return bytearray(typer.prompt("CPS PIN%s" % note, hide_input=True).strip().encode())


# ---------------------------------------------------------------------- settings
# The settings file (docs/agent.md "Settings"): --config FILE (or $TLA_AGENT_CONFIG) read
# by the root callback before any command, its values given to the commands' options as
# their defaults (click's default_map: a flag, then its variable, then the setting, then
# the built-in default).

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar=settings.CONFIG_ENV,
        help="The settings file (TOML). Default: $%s, else %s."
        % (settings.CONFIG_ENV, settings.default_path()),
        show_default=False,
    ),
]

_current: list = []  # the Settings the root callback read, for the commands that ask


def current_settings() -> settings.Settings:
    """The settings of this run (read by `use_settings`; the default file when no callback ran)."""
    if not _current:
        _current.append(_load(None))
    return _current[-1]


def _load(config) -> settings.Settings:
    try:
        return settings.load(config)
    except settings.SettingsError as e:
        fail(str(e), e.exit_code)


# click parameter name -> the setting that is its default, when the file gives one
_FROM_SETTINGS = {
    "db": lambda s: s.get("", "database"),
    "root": lambda s: s.root(),
    "port": lambda s: s.port(),
    "vid": lambda s: "%04x" % s.usb_ids()[0],
    "pid": lambda s: "%04x" % s.usb_ids()[1],
    "via": lambda s: s.get("sending", "route"),
    "outbox": lambda s: s.get("sending", "outbox"),
}


def default_map(group, loaded: settings.Settings) -> dict:
    """{command: {parameter: value}} for every command under `group` whose options the
    settings give (init excepted: it writes them)."""
    out = {}
    for name, command in group.commands.items():
        if name == "init":
            continue
        if getattr(command, "commands", None) is not None:  # a group
            sub = default_map(command, loaded)
            if sub:
                out[name] = sub
            continue
        values = {}
        for param in command.params:
            get = _FROM_SETTINGS.get(param.name or "")
            value = get(loaded) if get else None
            if value is not None:  # a Server's URL with its password: str() hides it
                values[param.name] = getattr(value, "url", None) or str(value)
        if values:
            out[name] = values
    return out


def use_settings(ctx: typer.Context, config) -> None:
    """Read the settings (the root callback, before the command) and make them the
    defaults of the command's options."""
    if ctx.invoked_subcommand == "init":
        return  # init reads the file itself, and may mend a broken one
    if "--help" in sys.argv[1:] or "-h" in sys.argv[1:]:  # help whatever the file holds
        try:
            loaded = settings.load(config)
        except settings.SettingsError:
            return
    else:
        loaded = _load(config)
    _current.append(loaded)
    workspace.IGC_ROOTS[:] = settings_cards.igc_roots(loaded)  # never any by default
    ctx.default_map = default_map(ctx.command, loaded)
