"""`tla-emu`: run the tla terminal firmware on this PC with simulated hardware.

The terminal's serial port is a real pty that `tla-agent` opens like a USB or serial
device. The firmware runs in this process (CPython) or under the real `micropython`.
"""

import enum
import select
import signal
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from emulator.cards import fixtures
from emulator.cards_cli import app as cards_app
from emulator.cards_cli import apply_slots, console_command
from emulator.powercut import app as replay_app
from emulator.ptylink import PtyBridge
from emulator.scenario import app as play_app
from emulator.terminal import make_terminal

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


class Interpreter(enum.StrEnum):
    cpython = "cpython"
    micropython = "micropython"


PORT_LINE = "Serial port: "


def render_screen(lines) -> str:
    width = max(20, *(len(line) for line in lines))
    top = "+" + "-" * width + "+"
    body = ["|" + line.ljust(width) + "|" for line in lines]
    return "\n".join([top, *body, top])


@app.command()
def run(
    interpreter: Annotated[
        Interpreter,
        typer.Option(
            "--interpreter",
            "-i",
            help="Run the firmware in this process (cpython) or under the real micropython command.",
        ),
    ] = Interpreter.cpython,
    serial: Annotated[
        str, typer.Option(help="Serial number the terminal reports.")
    ] = "TLA-EMU-0001",
    flash: Annotated[
        Path | None,
        typer.Option(help="Flash image file to use (kept between runs). Default: a temporary one."),
    ] = None,
    baud: Annotated[
        int,
        typer.Option(
            help="Pace the serial line like a UART at this rate (0: as fast as possible)."
        ),
    ] = 0,
    seconds: Annotated[
        float, typer.Option("--for", help="Stop after this many seconds (0: run until Ctrl-C).")
    ] = 0,
    heapsize: Annotated[
        str | None, typer.Option(help="MicroPython heap size, e.g. 96k (micropython only).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not draw the screen.")] = False,
    slot: Annotated[
        list[str] | None,
        typer.Option(
            "--slot",
            help="Back a card slot: vitale=fixture:NAME (a fixture card, see `cards list`) or "
            'cps=pcsc:"READER NAME" (a PC/SC reader of this PC). Repeatable.',
        ),
    ] = None,
):
    """Boot the emulated terminal and print the pty path of its serial port.

    Open that path with `tla-agent hello --port PATH`. Type key names (0-9, OK, CANCEL,
    BACK, UP, DOWN, MENU) and Enter to press keys, `insert vitale NAME` or `remove cps` to
    move fixture cards; Ctrl-C stops the terminal. The opposition list holds the fixture
    cards reported stolen until a sync fills it.
    """
    bridge = PtyBridge(baud=baud).start()

    def show(lines):
        if not quiet:
            console.print(render_screen(lines))

    kwargs = {
        "serial_number": serial,
        "flash_path": str(flash) if flash else None,
        "on_show": show,
        "opposition": fixtures.OPPOSED_SERIALS,
    }
    if interpreter is Interpreter.micropython:
        kwargs["heapsize"] = heapsize
        kwargs["on_line"] = lambda line: err.print("[dim]micropython:[/] " + line)
    terminal = make_terminal(interpreter.value, bridge.terminal_path, **kwargs)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    try:
        apply_slots(terminal, slot or [], before_start=True)
        terminal.start()
        try:
            ready = terminal.wait_event("READY", timeout=20)
        except TimeoutError:
            err.print("[red]error:[/] the terminal did not boot (see the messages above)")
            raise typer.Exit(3) from None
        console.print(
            "tla-emu: terminal %s (firmware %s) running under %s"
            % (serial, (ready or {}).get("fw", "?"), interpreter.value)
        )
        console.print(PORT_LINE + bridge.host_path)
        apply_slots(terminal, slot or [], before_start=False)
        sys.stdout.flush()
        deadline = time.monotonic() + seconds if seconds else None

        stdin = sys.stdin if sys.stdin is not None and sys.stdin.isatty() else None
        while not stop["now"] and terminal.alive():
            if deadline and time.monotonic() >= deadline:
                break
            if stdin is not None:
                ready_in, _, _ = select.select([stdin], [], [], 0.1)
                if ready_in:
                    line = stdin.readline()
                    if not line:
                        stdin = None
                    elif console_command(terminal, line):
                        pass
                    elif line.strip():
                        try:
                            terminal.press(
                                line.strip().upper() if not line.strip().isdigit() else line.strip()
                            )
                        except ValueError as e:
                            err.print("[yellow]%s[/]" % e)
            else:
                time.sleep(0.1)
    except KeyboardInterrupt:
        pass
    finally:
        code = terminal.stop()
        bridge.close()
    if code not in (0, None):
        err.print("[red]error:[/] the terminal firmware stopped with exit code %s" % code)
        raise typer.Exit(1)


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
