"""tla-agent's commands with a terminal: hello, pair, unpair, sync, watch (docs/agent.md).
Each parses its options, calls one function of host_agent/terminals.py, and prints."""

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

from host_agent import terminals, transport, updates
from host_agent.cli.common import (
    DEFAULT_DB,
    PORT_HELP,
    DbOption,
    PortOption,
    RootOption,
    console,
    current_settings,
    fail,
    iso,
    line,
    load_root,
    open_store,
    plural,
    refused,
)
from host_agent.errors import AgentError
from host_agent.sync_parts import Progress as SyncProgress
from host_agent.sync_parts import Summary
from protocol.ascii import is_hex


def hello(
    port: PortOption,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each answer.", min=0.1, max=600)
    ] = 3.0,
):
    """Greet the terminal and print who it is (serial number, firmware, protocol)."""
    try:
        reply = terminals.hello(port, timeout)
    except AgentError as e:
        refused(e)
    table = Table(title="tla terminal on %s" % port, show_header=False)
    table.add_row("serial number", reply.serial)
    table.add_row("model", reply.model)
    table.add_row("firmware", reply.firmware)
    table.add_row("protocol", repr(reply.protocol)[:20])
    table.add_row("board", reply.board)
    console.print(table)
    if reply.mismatch:
        refused(reply.mismatch)


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
    store = open_store(db, create=True)

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

    tty = console.is_terminal

    def waiting(left):
        # A countdown instead of silence: on a terminal one line rewritten each second,
        # in a log a line every 10 s.
        if tty:
            console.print("Press OK on the terminal: %3d s left" % left, end="\r")
        elif left == wait or left % 10 == 0:
            console.print("Press OK on the terminal: %d s left" % left)

    try:
        serial, agent_id = terminals.pair_with(port, store, confirm, wait_s=wait, waiting=waiting)
    except AgentError as e:
        if tty:
            console.print()
        refused(e)
    if tty:
        console.print()
    console.print(
        "paired with terminal %s as %s: press OK on the terminal to close its screen, then "
        "run tla-agent sync" % (serial, agent_id)
    )


def unpair_terminal(
    serial: Annotated[str, typer.Argument(help="The terminal's serial number.")],
    db: DbOption = DEFAULT_DB,
):
    """Forget this PC's pairing with a terminal (a stolen terminal, say).

    Its pairing key is no longer used; to pair again, run tla-agent pair. To unpair on the
    terminal itself: MENU, then 2."""
    try:
        terminals.unpair(open_store(db), serial)
    except AgentError as e:
        refused(e)
    console.print("this PC no longer syncs terminal %s" % serial)


class _Bar(SyncProgress):
    """The sync's progress as a rich bar: sheets, bytes, speed, time left. It appears at
    the sync's first report, once the port is open (a port that cannot be opened shows its
    error line alone); close() ends it."""

    def __init__(self):
        self.live = None  # (rich Progress, its task), from the first report on
        self.bytes = 0
        self.started = time.monotonic()

    def _update(self, **fields):
        if self.live is None:
            progress = _bar()
            progress.start()
            self.live = progress, progress.add_task("", total=None, nbytes="0 B", speed="")
        progress, task = self.live
        progress.update(task, **fields)

    def stage(self, text):
        self._update(description=text)

    def expect(self, sheets):
        self._update(total=sheets)
        self.started = time.monotonic()

    def advance(self, sheets, nbytes):
        self.bytes += nbytes
        elapsed = max(time.monotonic() - self.started, 1e-3)
        self._update(
            advance=sheets, nbytes=_size(self.bytes), speed="%s/s" % _size(self.bytes / elapsed)
        )

    def close(self):
        if self.live is not None:
            self.live[0].stop()


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


def _print_summary(s: Summary):
    console.print(
        "terminal %s: %s filed, %d quarantined%s"
        % (
            s.serial,
            plural(s.filed, "sheet"),
            s.rejected,
            " (see tla-agent sheets list --quarantine)" if s.rejected else "",
        )
    )
    if s.deflate_dropped:
        console.print("  sheets pulled uncompressed: %s" % s.deflate_dropped)
    if s.confirmed:
        console.print(
            "  %s filed earlier %s acknowledged again"
            % (plural(s.confirmed, "sheet"), "was" if s.confirmed == 1 else "were")
        )
    broken = (", ", ("%d with a broken chain" % s.log_broken, "red")) if s.log_broken else ()
    entries = plural(s.log_entries, "access-log entry", "access-log entries")
    console.print(line("  %s collected" % entries, *broken))
    if s.opposition is not None:
        console.print("  opposition list version %d sent" % s.opposition)
    console.print("  the terminal holds %s not acknowledged" % plural(s.pending, "sheet"))
    damage = getattr(s, "damage", "")  # host_agent/damage.py: one plain line, no markup
    if damage:
        console.print("  " + damage, markup=False, highlight=False)
    for text in summary_lines(s) + updates.summary_lines(s):  # round.md, agent.md "Updates"
        console.print("  " + text)


def summary_lines(s) -> list:
    """What a sync says of the round (docs/round.md)."""
    out = []
    if s.round_counted:
        out.append("%s of the round counted back" % plural(s.round_counted, "visit"))
    for p, used in s.series_complete:
        out.append(
            "prescription %s of %s: series complete (%d of %s)"
            % (p["ref"], p["name"], used, plural(p["sessions"], "session"))
        )
    if s.round_sent:
        rid, day, n = s.round_sent
        out.append("round %d of %s sent: %s" % (rid, iso(day), plural(n, "visit")))
    if s.round_bad:  # one line: which entries no visit will take, and why
        out.append(
            "%s of the round refused by the terminal (NIR key wrong): %s"
            % (
                plural(len(s.round_bad), "visit"),
                ", ".join("%d %s" % (i + 1, n) for i, n in s.round_bad),
            )
        )
    if s.round_refused:
        out.append("round not sent: %s" % s.round_refused)
    return out


UsbPort = Annotated[
    str | None,
    typer.Option("--port", "-p", help=PORT_HELP + " Default: the USB terminal (--vid, --pid)."),
]
VidOption = Annotated[str, typer.Option(help="USB vendor id of terminals (hex).")]
PidOption = Annotated[str, typer.Option(help="USB product id of terminals (hex).")]
DEFAULT_VID, DEFAULT_PID = "%04x" % transport.USB_VID, "%04x" % transport.USB_PID


def _ids(vid: str, pid: str) -> tuple[int, int]:
    if not (is_hex(vid, range(1, 5)) and is_hex(pid, range(1, 5))):  # not "0x", "_", " "
        fail("--vid and --pid are hexadecimal numbers, such as 2e8a")
    return int(vid, 16), int(pid, 16)


def sync_terminal(
    port: UsbPort = None,
    db: DbOption = DEFAULT_DB,
    root: RootOption = None,
    vid: VidOption = DEFAULT_VID,
    pid: PidOption = DEFAULT_PID,
):
    """Collect the terminal's sheets: verify each, file them, then acknowledge them.

    Sets the terminal's clock, pulls every sheet it has not had acknowledged, verifies the
    signatures up to the root certificate and the mandatory items (R161-42), files them in
    one transaction per batch and only then tells the terminal; a sheet that fails goes to
    quarantine with the reason. Also collects the access log and sends the opposition list.
    Safe to interrupt at any moment: the next sync resumes, nothing twice, nothing lost.
    The settings' [caps] (sheets waiting, age of the oldest) are sent to the terminal.
    Without --port (nor a port in the settings) the terminal is found by its USB ids."""
    store = open_store(db)
    root_cert = load_root(root, db)
    try:
        port = terminals.find_port(port, _ids(vid, pid))
        bar = _Bar()
        try:
            summary = terminals.sync_once(port, store, root_cert, bar, current_settings().caps())
        finally:
            bar.close()
    except AgentError as e:
        refused(e)
    _print_summary(summary)


def watch_terminals(
    db: DbOption = DEFAULT_DB,
    root: RootOption = None,
    port: UsbPort = None,
    vid: VidOption = DEFAULT_VID,
    pid: PidOption = DEFAULT_PID,
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
    store = open_store(db)
    root_cert = load_root(root, db)
    ids = _ids(vid, pid)
    if port:
        console.print("waiting for the terminal on %s (Ctrl-C stops)" % port)
    else:
        console.print("waiting for a terminal on USB %04x:%04x (Ctrl-C stops)" % ids)

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
        caps = current_settings().caps()  # [caps]: sent at every sync
        terminals.watch_terminals(store, root_cert, port, ids, report, every, count, caps)
    except KeyboardInterrupt:
        console.print("stopped")
