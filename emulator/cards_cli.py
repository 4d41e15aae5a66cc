"""`tla-emu cards ...`: list the fixture cards, serve them to pcscd through vsmartcard's vpcd,
and the `--slot` choices of `tla-emu run` (a fixture card, or a PC/SC reader of this PC)."""

import signal
import threading
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from emulator.cards import fixtures
from emulator.cardserver import VPCD_PORTS, CardServer

app = typer.Typer(
    help="The virtual Vitale and CPS cards: list them, serve them to pcscd.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _details(name, kind):
    """(serial, holder, details) of a fixture card, for the table."""
    if kind == "vitale":
        d = fixtures.VITALE[name][1]
        parts = ["%d benef." % len(d["beneficiaries"])]
        if d.get("exemptions"):
            parts.append("%d exempt." % len(d["exemptions"]))
        if not d.get("key", True):
            parts.append("no key")
        if d["serial"] in fixtures.OPPOSED_SERIALS:
            parts.append("opposed")
        parts.append("until %d" % d["valid_until"])
        return d["serial"], "%s %s" % (d["usage_name"], d["first_names"][0]), ", ".join(parts)
    if kind == "cps":
        d = fixtures.CPS[name][1]
        parts = ["id %s" % d["holder_id"], "PIN %s" % d["pin"]]
        if d.get("tries_left", 3) == 0:
            parts.append("blocked")
        return d["serial"], "%s %s" % (d["usage_name"], d["first_names"][0]), ", ".join(parts)
    return "", "", ""


@app.command("list")
def list_cards():
    """Show every fixture card: Vitale cards of patients, CPS cards, and bad cards."""
    table = Table(title="tla fixture cards (test PKI, test PINs)")
    for column in ("name", "kind", "serial", "holder"):
        table.add_column(column, no_wrap=True)
    table.add_column("details")
    table.add_column("what it shows")
    for name, kind, description in fixtures.names():
        table.add_row(name, kind, *_details(name, kind), description)
    console.print(table)


def _card(name, t0):
    try:
        return fixtures.make(name, t0=t0)
    except KeyError as e:
        err.print("[red]error:[/] %s" % e.args[0])
        raise typer.Exit(2) from None


@app.command()
def serve(
    vitale: Annotated[
        str | None, typer.Option(help="Fixture card to put in the Vitale reader (cards list).")
    ] = None,
    cps: Annotated[str | None, typer.Option(help="Fixture card to put in the CPS reader.")] = None,
    vitale_port: Annotated[
        int, typer.Option(help="TCP port of the Vitale reader (vpcd: 35963, 'Virtual PCD 00 00').")
    ] = VPCD_PORTS[0],
    cps_port: Annotated[
        int, typer.Option(help="TCP port of the CPS reader (vpcd: 35964, 'Virtual PCD 00 01').")
    ] = VPCD_PORTS[1],
    host: Annotated[str, typer.Option(help="Host of the readers.")] = "127.0.0.1",
    t0: Annotated[bool, typer.Option("--t0", help="Answer T=0 style (61xx, 6Cxx).")] = False,
    trace: Annotated[
        bool, typer.Option("--trace", help="Print every APDU (PINs redacted).")
    ] = False,
):
    """Serve fixture cards to readers that listen, vsmartcard's vpcd inside pcscd by default:
    pcscd then shows them in "Virtual PCD 00 00" (Vitale) and "00 01" (CPS). Ctrl-C pulls
    the cards out."""
    if not vitale and not cps:
        err.print("[red]error:[/] name a card: --vitale NAME and/or --cps NAME (see cards list)")
        raise typer.Exit(2)
    # SIGTERM ends the serving loop below, cards pulled and said so: set before any card is
    # in a reader, since a reader may use it and stop us at once (a loaded machine showed it).
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    servers = []
    log = console.print if trace else None
    for name, port in ((vitale, vitale_port), (cps, cps_port)):
        if not name:
            continue
        try:
            servers.append(
                CardServer(_card(name, t0), port, host, trace=log, connect_timeout=3).start()
            )
        except ConnectionError as e:
            err.print("[red]error:[/] %s (is pcscd running with vsmartcard-vpcd?)" % e)
            for s in servers:
                s.remove()
            raise typer.Exit(1) from None
        console.print("serving %s to %s:%d" % (name, host, port))
    try:
        while not done.is_set() and all(s.connected() for s in servers):
            done.wait(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        for s in servers:
            s.remove()
    console.print("cards pulled out")


def parse_slot(spec):
    """`vitale=fixture:NAME` or `cps=pcsc:READER NAME` -> (slot, kind, value)."""
    slot, _, source = spec.partition("=")
    kind, _, value = source.partition(":")
    if slot not in ("vitale", "cps") or kind not in ("fixture", "pcsc") or not value:
        raise typer.BadParameter(
            "write SLOT=fixture:NAME or SLOT=pcsc:READER, SLOT being vitale or cps: %r" % spec
        )
    return slot, kind, value


def apply_slots(terminal, specs, before_start):
    """Back the terminal's slots as `--slot` says: PC/SC readers before start(), fixture
    cards after."""
    for spec in specs:
        slot, kind, value = parse_slot(spec)
        if kind == "pcsc" and before_start:
            from hw.pcsc import PcscSlot, list_readers

            if value not in list_readers():
                err.print(
                    "[yellow]warning:[/] PC/SC reader %r not found now (readers: %s)"
                    % (value, ", ".join(list_readers()) or "none, or pcscd is not running")
                )
            terminal.use_reader(slot, PcscSlot(slot, value))
        elif kind == "fixture" and not before_start:
            terminal.insert(slot, _card(value, False))


def console_command(terminal, line) -> bool:
    """Card commands typed at `tla-emu run`: `insert SLOT NAME`, `remove SLOT`. True when
    `line` was one."""
    words = line.split()
    if len(words) == 3 and words[0] == "insert" and words[1] in ("vitale", "cps"):
        try:
            terminal.insert(words[1], _card(words[2], False))
        except (typer.Exit, ValueError) as e:
            if isinstance(e, ValueError):
                err.print("[yellow]%s[/]" % e)
        return True
    if len(words) == 2 and words[0] == "remove" and words[1] in ("vitale", "cps"):
        terminal.remove(words[1])
        return True
    return False
