"""`tla-agent`: the practice-PC agent of tla. It talks to a tla terminal over a serial
port, USB or pty, collects its care sheets and files them.

Pair a terminal once (`pair`), then `sync` it (or let `watch` sync it whenever it is plugged
in). Errors are one plain line on stderr and a non-zero exit code (docs/agent.md).
"""

import time
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

from host_agent import answers, cli_check, cli_lots, cli_round, cli_sheets, guard, transport, watch
from host_agent.cli_common import RootOption, _load_root
from host_agent.cli_lots import (
    DEFAULT_DB,
    DbOption,
    _store,
    console,
    fail,
)
from host_agent.client import LinkClient, LinkError
from host_agent.output import line
from host_agent.pair import PairError, pair
from host_agent.store import Store, StoreError
from host_agent.sync import (
    EXIT_DATABASE,
    EXIT_VERSION,
    Summary,
    Syncer,
    SyncError,
    version_mismatch,
)
from host_agent.sync import Progress as SyncProgress
from host_agent.transport import TransportError, open_port
from protocol import messages

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Output, errors and exit codes as the lot commands' (host_agent.cli_lots).
EXIT_LINK = 5  # the port failed or the terminal stopped answering: run the command again

PORT_HELP = "The terminal's port: a device (/dev/ttyACM0), a pty path, or a pyserial URL (socket://host:port)."


PortOption = Annotated[str, typer.Option("--port", "-p", help=PORT_HELP)]


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
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each answer.", min=0.1, max=600)
    ] = 3.0,
):
    """Greet the terminal and print who it is (serial number, firmware, protocol)."""
    try:
        link = LinkClient(open_port(port))
        reply = answers.hello(link.request(messages.HELLO, {}, timeout=timeout))
    except (TransportError, LinkError) as e:
        fail(str(e), EXIT_LINK)
    table = Table(title="tla terminal on %s" % port, show_header=False)
    table.add_row("serial number", reply["serial"])
    table.add_row("model", reply["model"])
    table.add_row("firmware", reply["fw"])
    table.add_row("protocol", repr(reply["proto"])[:20])
    table.add_row("board", reply["board"])
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
    wait: Annotated[
        int, typer.Option(help="Seconds to wait for OK on the terminal.", min=1, max=3600)
    ] = 120,
):
    """Pair this PC with a terminal, once, before its first sync.

    On the terminal press MENU, then 1 (pair a PC), then run this. Both show the same
    6-digit code: check it, answer here, press OK on the terminal. The pairing key stays
    in the database (keep it readable by you only); the terminal keeps its own."""
    store = _store(db, create=True)
    link = _link(port)

    def confirm(code, serial):
        console.print(
            line(
                "Terminal %s shows a code. This PC's code is: " % serial,
                ("%s %s" % (code[:3], code[3:]), "bold"),
            )
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
    broken = (", ", ("%d with a broken chain" % s.log_broken, "red")) if s.log_broken else ()
    console.print(line("  %d access-log entries collected" % s.log_entries, *broken))
    if s.opposition is not None:
        console.print("  opposition list version %d sent" % s.opposition)
    console.print("  the terminal holds %d sheets not acknowledged" % s.pending)
    damage = getattr(s, "damage", "")  # host_agent/damage.py: one plain line, no markup
    if damage:
        console.print("  " + damage, markup=False, highlight=False)
    for text in cli_round.summary_lines(s):  # docs/round.md
        console.print("  " + text, markup=False, highlight=False)


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
            help="Sync again after this many seconds while it stays plugged in (0: only when plugged in again).",
            min=0,
            max=86400,
        ),
    ] = 0.0,
    count: Annotated[
        int, typer.Option(help="Stop after this many syncs (0: never).", hidden=True, min=0)
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
            console.print(line(stamp + " ", ("sync stopped:", "yellow"), " %s" % detail))
        elif event == "gone":
            console.print("%s terminal on %s unplugged" % (stamp, found))

    try:
        watch.watch(find, sync, report, lambda: bool(count) and done["syncs"] >= count, every)
    except KeyboardInterrupt:
        console.print("stopped")


cli_lots.register(app, sheets=cli_sheets.register(app))  # sheets, opposition, access log
cli_check.register(app)  # tla-agent check
cli_round.register(app)  # tla-agent round


def main():
    try:
        app()
    except Exception as e:  # the last guard: one plain line, never a traceback
        raise SystemExit(guard.report(e)) from None


if __name__ == "__main__":
    main()
