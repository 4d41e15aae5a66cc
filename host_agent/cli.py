"""`tla-agent`: the practice-PC agent of tla. It talks to a tla terminal over a serial
port, USB or pty, collects its care sheets and files them.

Pair a terminal once (`pair`), then `sync` it (or let `watch` sync it whenever it is plugged
in). Errors are one plain line on stderr and a non-zero exit code (docs/agent.md).
"""

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from host_agent import cli_lots, status, transport, watch
from host_agent.cli_lots import (
    DEFAULT_DB,
    DbOption,
    _euros,
    _instant,
    _iso,
    _store,
    _today,
    console,
    fail,
)
from host_agent.client import LinkClient, LinkError
from host_agent.pair import PairError, pair
from host_agent.store import Store, StoreError
from host_agent.sync import (
    EXIT_DATABASE,
    EXIT_VERSION,
    Summary,
    Syncer,
    SyncError,
    load_root,
    version_mismatch,
)
from host_agent.sync import Progress as SyncProgress
from host_agent.transport import TransportError, open_port
from protocol import bundle, messages, opposition_entries, sheet, sheet_fields

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Output, errors and exit codes as the lot commands' (host_agent.cli_lots).
EXIT_LINK = 5  # the port failed or the terminal stopped answering: run the command again

PORT_HELP = "The terminal's port: a device (/dev/ttyACM0), a pty path, or a pyserial URL (socket://host:port)."
ROOT_ENV = "TLA_ROOT_CERT"

PortOption = Annotated[str, typer.Option("--port", "-p", help=PORT_HELP)]
RootOption = Annotated[
    Path | None,
    typer.Option(
        "--root",
        envvar=ROOT_ENV,
        help="The card PKI's root certificate (PEM or DER) that every sheet's signatures must "
        "chain to. Default: $%s, else root.pem next to the database." % ROOT_ENV,
        show_default=False,
    ),
]
TerminalOption = Annotated[
    str | None, typer.Option("--terminal", "-t", help="Only this terminal (serial number).")
]


@app.callback()
def _root():
    """tla-agent: collect, verify and file the care sheets of tla terminals."""


def _link(port: str) -> LinkClient:
    try:
        return LinkClient(open_port(port))
    except TransportError as e:
        fail(str(e), EXIT_LINK)


@app.command()
def hello(
    port: PortOption,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each answer.")] = 3.0,
):
    """Greet the terminal and print who it is (serial number, firmware, protocol)."""
    try:
        link = LinkClient(open_port(port))
        reply = link.request(messages.HELLO, {}, timeout=timeout)
    except (TransportError, LinkError) as e:
        fail(str(e), EXIT_LINK)
    table = Table(title="tla terminal on %s" % port, show_header=False)
    table.add_row("serial number", str(reply.get("serial")))
    table.add_row("model", str(reply.get("model")))
    table.add_row("firmware", str(reply.get("fw")))
    table.add_row("protocol", str(reply.get("proto")))
    table.add_row("board", str(reply.get("board")))
    console.print(table)
    mismatch = version_mismatch(reply)
    if mismatch:
        fail(mismatch, EXIT_VERSION)


# ---------------------------------------------------------------------- pairing


@app.command("pair")
def pair_terminal(
    port: PortOption,
    db: DbOption = DEFAULT_DB,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            "-y",
            help="Do not ask whether the codes match (for scripts that compared them).",
        ),
    ] = False,
    wait: Annotated[int, typer.Option(help="Seconds to wait for OK on the terminal.")] = 120,
):
    """Pair this PC with a terminal, once, before its first sync.

    On the terminal press MENU, then 1 (pair a PC), then run this. Both show the same
    6-digit code: check it, answer here, press OK on the terminal. The pairing key stays
    in the database (keep it readable by you only); the terminal keeps its own."""
    store = _store(db)
    link = _link(port)

    def confirm(code, serial):
        console.print(
            "Terminal %s shows a code. This PC's code is: [bold]%s %s[/]"
            % (serial, code[:3], code[3:])
        )
        if yes:
            console.print("Same code? yes (--yes)")
            return True
        return typer.confirm("Does the terminal show the same code?", default=False)

    try:
        serial, agent_id = pair(link, store, confirm, wait_s=wait)
    except PairError as e:
        fail(str(e), e.exit)
    except LinkError as e:
        fail(str(e), EXIT_LINK)
    except StoreError as e:
        fail(str(e), EXIT_DATABASE)
    console.print(
        "paired with terminal %s as %s: press OK on the terminal to close its screen, then "
        "run tla-agent sync" % (serial, agent_id)
    )


@app.command("unpair")
def unpair_terminal(
    serial: Annotated[str, typer.Argument(help="The terminal's serial number.")],
    db: DbOption = DEFAULT_DB,
):
    """Forget this PC's pairing with a terminal (a stolen terminal, say).

    Its pairing key is no longer used; to pair again, run tla-agent pair. To unpair on the
    terminal itself: MENU, then 2."""
    store = _store(db)
    if not store.forget_pairing(serial):
        fail("terminal %s is not paired with this PC" % serial)
    console.print("this PC no longer syncs terminal %s" % serial)


# ---------------------------------------------------------------------- sync


class _Bar(SyncProgress):
    """The sync's progress as a rich bar: sheets, bytes, speed, time left."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.task = progress.add_task("connecting", total=None, nbytes="0 B", speed="")
        self.bytes = 0
        self.started = time.monotonic()

    def stage(self, text):
        self.progress.update(self.task, description=text)

    def expect(self, sheets):
        self.progress.update(self.task, total=sheets)
        self.started = time.monotonic()

    def advance(self, sheets, nbytes):
        self.bytes += nbytes
        elapsed = max(time.monotonic() - self.started, 1e-3)
        self.progress.update(
            self.task,
            advance=sheets,
            nbytes=_size(self.bytes),
            speed="%s/s" % _size(self.bytes / elapsed),
        )


def _size(n) -> str:
    for unit in ("B", "kB", "MB"):
        if n < 1000 or unit == "MB":
            return ("%d %s" % (n, unit)) if unit == "B" else ("%.1f %s" % (n, unit))
        n /= 1000
    return ""


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("sheets"),
        TextColumn("{task.fields[nbytes]}"),
        TextColumn("{task.fields[speed]}"),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _root_path(root: Path | None, db: Path) -> Path:
    return root if root is not None else db.parent / "root.pem"


def _sync_once(port: str, store: Store, root, show_bar: bool = True) -> Summary:
    link = LinkClient(open_port(port))
    try:
        if not show_bar:
            return Syncer(store, root, link).run()
        with _bar() as progress:
            return Syncer(store, root, link, progress=_Bar(progress)).run()
    finally:
        link.port.close()


def _print_summary(s: Summary):
    console.print(
        "terminal %s: %d sheets filed, %d quarantined%s"
        % (
            s.serial,
            s.filed,
            s.rejected,
            " (see tla-agent sheets list --quarantine)" if s.rejected else "",
        )
    )
    if s.confirmed:
        console.print("  %d sheets filed earlier were acknowledged again" % s.confirmed)
    console.print(
        "  %d access-log entries collected%s"
        % (s.log_entries, ", [red]%d with a broken chain[/]" % s.log_broken if s.log_broken else "")
    )
    if s.opposition is not None:
        console.print("  opposition list version %d sent" % s.opposition)
    console.print("  the terminal holds %d sheets not acknowledged" % s.pending)
    damage = getattr(s, "damage", "")  # host_agent/damage.py: one plain line, no markup
    if damage:
        console.print("  " + damage, markup=False, highlight=False)


def _load_root(root: Path | None, db: Path):
    path = _root_path(root, db)
    if not path.exists():
        fail(
            "no root certificate at %s: give --root FILE (the card PKI's root, PEM or DER; "
            "the emulator's test root: tla-emu export-root FILE)" % path
        )
    try:
        return load_root(path)
    except SyncError as e:
        fail(str(e))


@app.command("sync")
def sync_terminal(port: PortOption, db: DbOption = DEFAULT_DB, root: RootOption = None):
    """Collect the terminal's sheets: verify each, file them, then acknowledge them.

    Sets the terminal's clock, pulls every sheet it has not had acknowledged, verifies the
    signatures up to the root certificate and the mandatory items (R161-42), files them in
    one transaction per batch and only then tells the terminal; a sheet that fails goes to
    quarantine with the reason. Also collects the access log and sends the opposition list.
    Safe to interrupt at any moment: the next sync resumes, nothing twice, nothing lost."""
    store = _store(db)
    root_cert = _load_root(root, db)
    try:
        summary = _sync_once(port, store, root_cert)
    except TransportError as e:
        fail(str(e), EXIT_LINK)
    except SyncError as e:
        fail(str(e), e.exit)
    except LinkError as e:
        fail("%s; the terminal keeps every sheet not acknowledged: sync again" % e, EXIT_LINK)
    _print_summary(summary)


@app.command("watch")
def watch_terminals(
    db: DbOption = DEFAULT_DB,
    root: RootOption = None,
    port: Annotated[
        str | None,
        typer.Option("--port", "-p", help=PORT_HELP + " Default: any USB terminal (--vid, --pid)."),
    ] = None,
    vid: Annotated[str, typer.Option(help="USB vendor id of terminals (hex).")] = "%04x"
    % transport.USB_VID,
    pid: Annotated[str, typer.Option(help="USB product id of terminals (hex).")] = "%04x"
    % transport.USB_PID,
    every: Annotated[
        float,
        typer.Option(
            help="Sync again after this many seconds while it stays plugged in (0: only when plugged in again)."
        ),
    ] = 0.0,
    count: Annotated[
        int, typer.Option(help="Stop after this many syncs (0: never).", hidden=True)
    ] = 0,
):
    """Wait for a terminal and sync it each time it is plugged in. Ctrl-C stops.

    A terminal is found by its USB ids (a MicroPython RP2040 board: 2e8a:0005) or is the
    --port given. Unplugging it, even in the middle of a sync, is safe."""
    store = _store(db)
    root_cert = _load_root(root, db)
    try:
        ids = int(vid, 16), int(pid, 16)
    except ValueError:
        fail("--vid and --pid are hexadecimal numbers, such as 2e8a")
    if port:
        find = watch.url_finder(port)
        console.print("waiting for the terminal on %s (Ctrl-C stops)" % port)
    else:
        find = watch.usb_finder(lambda: transport.find_terminals(*ids))
        console.print("waiting for a terminal on USB %04x:%04x (Ctrl-C stops)" % ids)
    done = {"syncs": 0}

    def sync(found):
        try:
            return _sync_once(found, store, root_cert, show_bar=False)
        finally:
            done["syncs"] += 1

    def report(event, found, detail):
        stamp = time.strftime("%H:%M:%S")
        if event == "found":
            console.print("%s terminal on %s: syncing" % (stamp, found))
        elif event == "synced":
            _print_summary(detail)
        elif event == "failed":
            console.print("%s [yellow]sync stopped:[/] %s" % (stamp, detail))
        elif event == "gone":
            console.print("%s terminal on %s unplugged" % (stamp, found))

    try:
        watch.watch(find, sync, report, lambda: bool(count) and done["syncs"] >= count, every)
    except KeyboardInterrupt:
        console.print("stopped")


# ---------------------------------------------------------------------- sheets

sheets_app = typer.Typer(help="The care sheets filed by the syncs.", no_args_is_help=True)
app.add_typer(sheets_app, name="sheets")


@sheets_app.command("list")
def list_sheets(
    db: DbOption = DEFAULT_DB,
    terminal: TerminalOption = None,
    quarantine: Annotated[
        bool, typer.Option("--quarantine", "-q", help="The sheets that failed verification.")
    ] = False,
    limit: Annotated[int, typer.Option(help="At most this many, newest first (0: all).")] = 50,
):
    """List the filed sheets, newest first, or those in quarantine with why."""
    store = _store(db)
    if quarantine:
        table = Table(title="sheets in quarantine")
        for column in ("id", "terminal", "record", "received", "reason"):
            table.add_column(column)
        for r in store.quarantined(terminal, limit):
            table.add_row(
                str(r["id"]),
                r["terminal"],
                str(r["record_no"]),
                _instant(r["received"]),
                r["reason"],
            )
    else:
        table = Table(title="filed sheets")
        for column in (
            "id",
            "terminal",
            "record",
            "order no",
            "professional",
            "fund",
            "completed",
            "fees",
            "third party",
        ):
            table.add_column(column)
        for r in store.sheets(terminal, limit):
            table.add_row(
                str(r["id"]),
                r["terminal"],
                str(r["record_no"]),
                str(r["order_no"]),
                r["professional"],
                r["fund"],
                _iso(r["completion"]),
                _euros(r["fees"]),
                _euros(r["third_party"]),
            )
    console.print(table)


@sheets_app.command("show")
def show_sheet(
    sheet_id: Annotated[int, typer.Argument(help="The sheet's id (tla-agent sheets list).")],
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
                "%d working days left" % left if left >= 0 else "[red]%d days overdue[/]" % -left,
            )
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
app.add_typer(opposition_app, name="opposition")


def read_serials(path: Path) -> list[bytes]:
    """The sorted, distinct entries of a list file: one 10-digit card serial a line,
    blank lines and #-comments ignored."""
    try:
        lines = path.read_text().splitlines()
    except OSError as e:
        fail("cannot read %s: %s" % (path, e.strerror))
    except UnicodeDecodeError:
        fail("%s is not a text file of card serials" % path)
    found = set()
    for number, line in enumerate(lines, 1):
        text = line.split("#", 1)[0].strip()
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
    store = _store(db)
    try:
        version, added, removed = store.replace_opposition(entries, file.name)
    except Exception as e:  # sqlite3.Error: a full disk, a damaged file
        fail("cannot write the database %s: %s" % (db, e), EXIT_DATABASE)
    console.print(
        "opposition list version %d: %d cards (%d added, %d removed); terminals get it at "
        "their next sync" % (version, len(entries), added, removed)
    )


# ---------------------------------------------------------------------- access log


@app.command("access-log")
def show_access_log(
    db: DbOption = DEFAULT_DB,
    terminal: TerminalOption = None,
    limit: Annotated[
        int, typer.Option(help="At most this many entries, newest first (0: all).")
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
            "ok" if r["chain_ok"] else "[red]BROKEN[/]",
        )
    console.print(table)


# Lots, acknowledgements, status, purge, duplicates and the patient's copy (docs/lots.md).
cli_lots.register(app, sheets=sheets_app)


def main():
    app()


if __name__ == "__main__":
    main()
