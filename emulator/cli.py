"""`tla-emu`: run the tla terminal firmware on this PC with simulated hardware.

The terminal's serial port is a real pty that `tla-agent` opens like a USB or serial
device. The firmware runs in this process (CPython) or under the real `micropython`.
"""

import select
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from emulator.bench import (
    BaudOption,
    Bench,
    BootError,
    FlashOption,
    HeapsizeOption,
    Interpreter,
    InterpreterOption,
    SerialOption,
    SlotOption,
    check_slots,
)
from emulator.cards import fixtures
from emulator.cards_cli import app as cards_app
from emulator.powercut import app as replay_app
from emulator.scenario import app as play_app

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(replay_app, name="replay")
app.add_typer(cards_app, name="cards")
app.add_typer(play_app, name="play")
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


PORT_LINE = "Serial port: "


def render_screen(lines) -> str:
    width = max(20, *(len(line) for line in lines))
    top = "+" + "-" * width + "+"
    body = ["|" + line.ljust(width) + "|" for line in lines]
    return "\n".join([top, *body, top])


@app.command()
def run(
    interpreter: InterpreterOption = Interpreter.cpython,
    serial: SerialOption = "TLA-EMU-0001",
    flash: FlashOption = None,
    baud: BaudOption = 0,
    seconds: Annotated[
        float, typer.Option("--for", help="Stop after this many seconds (0: run until Ctrl-C).")
    ] = 0,
    heapsize: HeapsizeOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not draw the screen.")] = False,
    slot: SlotOption = None,
):
    """Boot the emulated terminal and print the pty path of its serial port.

    Open that path with `tla-agent hello --port PATH`. Type keys and Enter: `4827 OK`,
    `4 8 2 7`, `menu` (0-9, OK, CANCEL, BACK, UP, DOWN, MENU, as scenario files write
    them); `insert vitale NAME` or `remove cps` move fixture cards. Lines may be piped in
    (each one waits for the screen to settle). Ctrl-C stops the terminal. The opposition
    list holds the fixture cards reported stolen until a sync fills it. `tla-emu tui` is
    the same terminal in a full-screen view.
    """

    def show(lines):
        if not quiet:
            console.print(render_screen(lines))

    check_slots(slot)
    bench = Bench(
        interpreter,
        serial,
        flash,
        baud,
        heapsize,
        slot or [],
        on_show=show,
        on_line=lambda line: err.print("[dim]micropython:[/] " + escape(line)),
    )
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    try:
        try:
            ready = bench.boot()
        except BootError as e:
            err.print("[red]error:[/] %s (see the messages above)" % escape(str(e)))
            raise typer.Exit(3) from None
        console.print(
            "tla-emu: terminal %s (firmware %s) running under %s"
            % (serial, escape(str(ready.get("fw", "?"))), interpreter.value)
        )
        console.print(PORT_LINE + bench.port)
        sys.stdout.flush()
        deadline = time.monotonic() + seconds if seconds else None
        stdin = sys.stdin
        piped = stdin is not None and not stdin.isatty()
        while not stop["now"] and bench.terminal.alive():
            if deadline and time.monotonic() >= deadline:
                break
            if stdin is None:
                time.sleep(0.1)
                continue
            ready_in, _, _ = select.select([stdin], [], [], 0.1)
            if ready_in:
                line = stdin.readline()
                if not line:
                    stdin = None  # end of the pipe: the terminal runs on (--for, Ctrl-C)
                    continue
                problem = bench.type_line(line)
                if problem:
                    err.print("[yellow]%s[/]" % escape(problem))
                if piped:
                    bench.settle()
    except KeyboardInterrupt:
        pass
    finally:
        code = bench.stop()
    if code not in (0, None):
        err.print("[red]error:[/] the terminal firmware stopped with exit code %s" % code)
        raise typer.Exit(1)


@app.command()
def tui(
    interpreter: InterpreterOption = Interpreter.cpython,
    serial: SerialOption = "TLA-EMU-0001",
    flash: FlashOption = None,
    baud: BaudOption = 0,
    heapsize: HeapsizeOption = None,
    slot: SlotOption = None,
):
    """The emulated terminal in a full-screen bench view: its display, its keypad on the
    keyboard (digits, Enter = OK, Esc = ANNUL, Backspace, arrows, M = MENU), a fixture card
    to insert or pull in each slot, the firmware's events and the serial pty path for
    `tla-agent`. Ctrl+Q quits and stops the terminal. See docs/emulator.md."""
    from emulator.tui import TerminalView

    check_slots(slot)
    view = TerminalView(
        interpreter.value, serial=serial, flash=flash, baud=baud, heapsize=heapsize, slots=slot
    )
    view.run()
    if view.boot_error:
        err.print("[red]error:[/] %s" % escape(view.boot_error))
        raise typer.Exit(3)


@app.command()
def demo(
    micropython: Annotated[
        bool,
        typer.Option(
            "--micropython", help="Run the firmware under micropython instead of CPython."
        ),
    ] = False,
    db: Annotated[Path, typer.Option(help="The practice's database the demo makes afresh.")] = Path(
        "demo.db"
    ),
):
    """The end-to-end demonstration: the emulated terminal plays a day of home visits,
    then `tla-agent` pairs with it over a pty, syncs the day into demo.db and sums it up
    (sheets per fund, amounts, deadlines), builds the lots, seals them with the GP's
    virtual CPS through pcscd and puts them in the outbox beside the database."""
    from emulator import demo as the_demo

    interpreter = "micropython" if micropython else "cpython"
    console.rule("tla demo: emulated terminal (%s) + practice-PC agent" % interpreter)
    t0 = time.monotonic()
    try:
        saved = the_demo.run(interpreter, db, console)
    except the_demo.DemoError as e:
        err.print("[red]error:[/] %s" % e)
        raise typer.Exit(1) from None
    console.rule(
        "demo done: %d sheets saved, synced into %s and put in lots, in %.0f s"
        % (len(saved), db, time.monotonic() - t0)
    )
    from host_agent.cli.serve import DEFAULT_PORT, address

    where = db.resolve()
    agent = Path(sys.executable).parent / "tla-agent"  # the virtualenv's, often not on PATH
    console.print(
        "the practice's web app on this day (in French): [bold]%s serve --db %s "
        "--outbox %s[/], then open %s in a browser"
        % (
            agent if agent.exists() else "tla-agent",
            where,
            the_demo.outbox_of(where),
            address("127.0.0.1", DEFAULT_PORT),
        ),
        soft_wrap=True,
    )


@app.command("export-root")
def export_root(
    out: Annotated[Path, typer.Argument(help="Where to write it (PEM).")],
):
    """Write the root certificate of the virtual cards' test PKI (PEM): the root that
    `tla-agent sync --root` trusts when it syncs an emulated terminal."""
    from cryptography.hazmat.primitives import serialization

    try:
        out.write_bytes(fixtures.pki().root_cert.public_bytes(serialization.Encoding.PEM))
    except OSError as e:  # a missing folder, no permission: one line, not a traceback
        typer.echo("error: cannot write %s: %s" % (out, e.strerror or e), err=True)
        raise typer.Exit(1) from None
    console.print("wrote %s (the emulator's test root: not a real PKI)" % out)


def main():
    app()


if __name__ == "__main__":
    main()
