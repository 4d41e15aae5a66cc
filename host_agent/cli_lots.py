"""tla-agent's lot commands: build, list, show, seal (with the CPS), send (docs/lots.md).
The acknowledgements, status, purge, duplicates and copies are in host_agent/cli_paper.py.

Each error is one plain line on stderr with a non-zero exit code; nothing is half done.
"""

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import track
from rich.table import Table

from host_agent import lotfile, lots, sealing
from host_agent.cli_common import (  # noqa: F401 - DbOption and the rest, for cli.py
    DB_ENV,
    DEFAULT_DB,
    EXIT_DATABASE,
    EXIT_REFUSED,
    DbOption,
    RootOption,
    TodayOption,
    _euros,
    _instant,
    _iso,
    _left,
    _load_root,
    _read_pin,
    _store,
    _today,
    _warn_overdue,
    _write,
    console,
    err,
    fail,
    line,
    styled,
)

EXIT_CARD = 3  # the CPS refused (wrong or blocked PIN, no card)

# ---------------------------------------------------------------------- lots

lots_app = typer.Typer(
    help="Group synced sheets into lots per professional and fund, seal them with the "
    "professional's CPS card, send them, and follow them (docs/lots.md).",
    no_args_is_help=True,
)


def _lot_table(rows, title) -> Table:
    table = Table(title=title)
    for column in ("lot", "fund", "status", "sheets", "fees", "third party", "built", "sent"):
        table.add_column(
            column, justify="right" if column in ("sheets", "fees", "third party") else "left"
        )
    for r in rows:
        table.add_row(
            lots.name(r),
            r["fund"],
            r["status"],
            str(r["sheets"]),
            _euros(r["fees"]),
            _euros(r["third_party"]),
            _instant(r["built"]),
            _instant(r["sent"]),
        )
    return table


@lots_app.command("build")
def build_lots(
    db: DbOption = DEFAULT_DB,
    today: TodayOption = "",
    despite: Annotated[
        list[int] | None,
        typer.Option(
            "--despite-duplicate",
            min=1,
            max=2**62,
            help="Put this sheet in a lot although its paper duplicate was printed (repeatable; "
            "the lot records it). Without it such a sheet is never sent: billed once.",
        ),
    ] = None,
):
    """Put the sheets waiting for a lot into new lots.

    One lot per professional and fund, at most 999 sheets each, numbered per professional
    (a number is never given twice). A sheet whose paper duplicate was printed stays out.
    Warns about sheets past their deadline."""
    day = _today(today)
    store = _store(db)
    try:
        made = lots.build(store, int(time.time()), despite_duplicate=despite or ())
    except lots.LotError as e:
        fail(str(e))
    if made:
        console.print(_lot_table(made, "new lots"))
        console.print("next: tla-agent lots seal (with the professional's CPS in the reader)")
    else:
        console.print("no sheet waits for a lot")
    _warn_overdue(store, day)


@lots_app.command("list")
def list_lots(
    db: DbOption = DEFAULT_DB,
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--status", help="Only lots in this state (repeatable): %s." % ", ".join(lots.STATUSES)
        ),
    ] = None,
):
    """List the lots, per professional and number."""
    wanted = tuple(state) if state else lots.STATUSES
    unknown = [s for s in wanted if s not in lots.STATUSES]
    if unknown:
        fail("no lot state %s (states: %s)" % (", ".join(unknown), ", ".join(lots.STATUSES)))
    rows = lots.all_lots(_store(db), wanted)
    if not rows:
        console.print("no lot")
        return
    console.print(_lot_table(rows, "lots"))


@lots_app.command("show")
def show_lot(
    lot: Annotated[str, typer.Argument(help="The lot: PROFESSIONAL-NUMBER, or its number.")],
    db: DbOption = DEFAULT_DB,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the sealed lot file here.")
    ] = None,
    root: RootOption = None,
):
    """Show a lot, its sheets, sending attempts and acknowledgement.

    Its file is checked: header and trailer totals, digest, CPS seal, and with the trusted
    root (--root, else root.pem beside the database) the seal's certificate chain on the
    sealing day and every sheet's signatures."""
    store = _store(db)
    root_cert = _load_root(root, db, required=False)
    try:
        row = lots.find(store, lot)
    except lots.LotError as e:
        fail(str(e))
    info = Table(title="lot %s" % lots.name(row), show_header=False)
    info.add_row("status", row["status"])
    info.add_row("fund", row["fund"])
    info.add_row("sheets", str(row["sheets"]))
    info.add_row(
        "fees / third party", "%s / %s" % (_euros(row["fees"]), _euros(row["third_party"]))
    )
    info.add_row(
        "built / sealed / sent", " / ".join(_instant(row[k]) for k in ("built", "sealed", "sent"))
    )
    if row["file"] is not None:
        check = lotfile.verify_lot(row["file"], root_cert, store.certificates().values())
        info.add_row(
            "file", "%d bytes, sha256 %s" % (len(row["file"]), bytes(row["file_digest"]).hex())
        )
        if not check:
            verdict = styled(check.reason, "red")
        elif root_cert is None:  # a key that signs proves nothing about whose it is
            verdict = styled(
                "totals and digest verify; seal key checked, chain not checked (no root)",
                "yellow",
            )
        else:
            verdict = styled("totals, digest, CPS seal and its chain to the root verify", "green")
        info.add_row("check", verdict)
    if row["purged"]:
        info.add_row("purged", _instant(row["purged"]))
    for a in lots.acks(store, row["id"]):
        info.add_row(
            "fund's acknowledgement",
            "%s on %s%s"
            % (
                "accepted" if a["accepted"] else "rejected",
                _iso(a["day"]),
                ": " + a["reason"] if a["reason"] else "",
            ),
        )
    console.print(info)
    sheets = Table(title="sheets")
    for column in (
        "#",
        "sheet",
        "order no",
        "completion",
        "payment",
        "fees",
        "third party",
        "state",
    ):
        sheets.add_column(column)
    for s in lots.sheets_of(store, row["id"]):
        sheets.add_row(
            str(s["position"]),
            str(s["id"]),
            str(s["order_no"]),
            _iso(s["completion"]),
            "third party" if s["payment"] == 1 else "patient",
            _euros(s["fees"]),
            _euros(s["third_party"]),
            "released (new lot)" if s["released"] else ("purged" if s["purged"] else ""),
        )
    console.print(sheets)
    attempts = lots.sendings(store, row["id"])
    if attempts:
        table = Table(title="sending attempts")
        for column in ("when", "via", "to", "result"):
            table.add_column(column)
        for a in attempts:
            table.add_row(
                _instant(a["at"]),
                a["via"],
                a["destination"],
                "sent" if a["ok"] else styled(a["error"], "red"),
            )
        console.print(table)
    if output is not None:
        if row["file"] is None:
            fail(
                "lot %s has no file to write (%s)"
                % (lots.name(row), "purged" if row["purged"] else "not sealed yet")
            )
        _write(output, bytes(row["file"]))
        console.print("wrote %s" % output)


@lots_app.command("seal")
def seal_lots(
    lot: Annotated[
        list[str] | None,
        typer.Argument(
            help="Lots to seal (default: every open lot of the CPS's holder).", show_default=False
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    reader: Annotated[
        str,
        typer.Option(help="The PC/SC reader holding the CPS (default: the first one with a CPS)."),
    ] = "",
    pin_stdin: Annotated[
        bool,
        typer.Option(
            "--pin-stdin", help="Read the PIN from the first line of standard input (for scripts)."
        ),
    ] = False,
    root: RootOption = None,
):
    """Seal open lots with the professional's CPS card.

    The CPS, in a PC/SC reader, signs each lot file. Its PIN is asked here, hidden, and
    never stored or logged; a wrong PIN says how many tries are left, and the third wrong
    one blocks the card. A CPS of another professional than the lot's, or whose certificate
    does not chain to the trusted root on the day (--root), is refused."""
    from firmware.cards.errors import PinBlocked
    from hw import hal
    from hw.pcsc import PcscSlot, list_readers

    store = _store(db)
    root_cert = _load_root(root, db)
    try:
        readers = [reader] if reader else list_readers()
        app = sealing.find_cps(readers, lambda name: PcscSlot("cps", name))
    except (sealing.SealError, hal.CardError) as e:
        fail(str(e), EXIT_CARD)
    try:
        try:
            chosen, others = sealing.lots_to_seal(store, app, lot or [])
        except (sealing.SealError, lots.LotError) as e:
            fail(str(e))
        if others:
            console.print(
                "%d open lot%s of other professionals wait for their CPS"
                % (len(others), "s" if len(others) > 1 else "")
            )
        if not chosen:
            console.print("no open lot of %s to seal" % sealing.holder(app))
            return
        try:
            tries = app.tries_left()
        except PinBlocked:
            fail(sealing.blocked_message(), EXIT_CARD)
        console.print(
            "CPS of %s: %d lot%s to seal"
            % (sealing.holder(app), len(chosen), "s" if len(chosen) > 1 else "")
        )
        pin = _read_pin(pin_stdin, tries)
        if len(pin) != 4 or not pin.isdigit():
            for i in range(len(pin)):
                pin[i] = 0
            fail("a CPS PIN is 4 digits: nothing was sent to the card")
        try:
            sealing.unlock(app, pin)
        except sealing.SealError as e:
            fail(str(e), EXIT_CARD)
        done = []
        for row in track(chosen, description="sealing", console=err, transient=True):
            try:
                sealing.seal(store, app, row, int(time.time()), root_cert)
            except (sealing.SealError, lots.LotError, hal.CardError) as e:
                fail(
                    "lot %s: %s (%d lot%s sealed before it)"
                    % (lots.name(row), e, len(done), "" if len(done) == 1 else "s"),
                    EXIT_CARD,
                )
            done.append(row)
        console.print(_lot_table([lots.find(store, lots.name(r)) for r in done], "sealed"))
        console.print("next: tla-agent lots send")
    finally:
        app.forget()


def register(app: typer.Typer, sheets: typer.Typer) -> None:
    """Add the lot commands to tla-agent's `app`, then those of host_agent/cli_paper.py."""
    from host_agent import cli_lots_send, cli_paper  # cli_lots_send adds `lots send`

    assert cli_lots_send.send_lots

    app.add_typer(lots_app, name="lots")
    cli_paper.register(app, sheets)
