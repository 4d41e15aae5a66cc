"""tla-agent's lot commands: build, list, show, seal (with the CPS), send (docs/lots.md).
Each parses its options, calls one function of host_agent/lots.py, sealing.py or
dispatch.py, and prints; nothing is half done.
"""

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from host_agent import (
    dispatch,
    legend,
    lots,
    people,
    pkcs11_seal,
    sealing,
    sending,
    settings_cards,
)
from host_agent.cli.common import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    RootOption,
    TodayOption,
    console,
    current_settings,
    err,
    fail,
    instant,
    iso,
    line,
    load_root,
    open_store,
    plural,
    print_json,
    read_pin,
    record,
    refused,
    styled,
    today,
    warn_overdue,
    write,
)
from host_agent.errors import EXIT_SEND, AgentError
from host_agent.money import eur as euros

# The lots a command acts on, by name; without any, the command says which it takes.
LotRefs = Annotated[
    list[str] | None,
    typer.Argument(
        help="Lots by name (PROFESSIONAL-NUMBER, or a number); default: see above.",
        show_default=False,
    ),
]

ReaderOption = Annotated[
    str, typer.Option(help="The PC/SC reader holding the CPS (default: the first one with a CPS).")
]
ViaOption = Annotated[
    str,
    typer.Option(
        help="outbox: write each lot into a folder per fund; smtp: e-mail it to the fund."
    ),
]

lots_app = typer.Typer(
    help="Group synced sheets into lots per professional and fund, seal them with the "
    "professional's CPS card, send them, and follow them (docs/lots.md).",
    no_args_is_help=True,
)


def _lot_table(rows, title):
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
            euros(r["fees"]),
            euros(r["third_party"]),
            instant(r["built"]),
            instant(r["sent"]),
        )
    return legend.with_funds(table, [r["fund"] for r in rows])


@lots_app.command("build")
def build_lots(
    db: DbOption = DEFAULT_DB,
    on: TodayOption = "",
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
    day = today(on)
    store = open_store(db)
    try:
        made = lots.build(store, int(time.time()), despite_duplicate=despite or ())
    except AgentError as e:
        refused(e)
    if made:
        console.print(_lot_table(made, "new lots"))
        console.print("next: tla-agent lots seal (with the professional's CPS in the reader)")
    else:
        console.print("no sheet waits for a lot")
    warn_overdue(store, day)


@lots_app.command("list")
def list_lots(
    db: DbOption = DEFAULT_DB,
    state: Annotated[
        list[str] | None,
        typer.Option(
            "--status", help="Only lots in this state (repeatable): %s." % ", ".join(lots.STATUSES)
        ),
    ] = None,
    as_json: JsonOption = False,
):
    """List the lots, per professional and number."""
    try:
        rows = lots.listing(open_store(db), state)
    except AgentError as e:
        refused(e)
    if as_json:
        names = ("professional", "number", "fund", "status", "sheets", "fees", "third_party")
        instants = ("built", "sealed", "sent", "acked", "purged")
        print_json([dict(lot=lots.name(r), **record(r, *names, *instants)) for r in rows])
        return
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
    store = open_store(db)
    root_cert = load_root(root, db, required=False)
    try:
        shown = lots.detail(store, lot, root_cert)
    except AgentError as e:
        refused(e)
    row = shown.row
    info = Table(title="lot %s" % lots.name(row), show_header=False)
    info.add_row("status", row["status"])
    info.add_row("fund", row["fund"])
    info.add_row("sheets", str(row["sheets"]))
    info.add_row("fees / third party", "%s / %s" % (euros(row["fees"]), euros(row["third_party"])))
    info.add_row(
        "built / sealed / sent", " / ".join(instant(row[k]) for k in ("built", "sealed", "sent"))
    )
    if shown.check is not None:
        info.add_row(
            "file", "%d bytes, sha256 %s" % (len(row["file"]), bytes(row["file_digest"]).hex())
        )
        if not shown.check:
            verdict = styled(shown.check.reason, "red")
        elif not shown.chained:  # a key that signs proves nothing about whose it is
            verdict = styled(
                "totals and digest verify; seal key checked, chain not checked (no root)",
                "yellow",
            )
        else:
            verdict = styled("totals, digest, CPS seal and its chain to the root verify", "green")
        info.add_row("check", verdict)
    if row["purged"]:
        info.add_row("purged", instant(row["purged"]))
    for a in shown.acks:
        info.add_row(
            "fund's acknowledgement",
            "%s on %s%s"
            % (
                "accepted" if a["accepted"] else "rejected",
                iso(a["day"]),
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
    for s in shown.sheets:
        sheets.add_row(
            str(s["position"]),
            str(s["id"]),
            str(s["order_no"]),
            iso(s["completion"]),
            "third party" if s["payment"] == 1 else "patient",
            euros(s["fees"]),
            euros(s["third_party"]),
            "released (new lot)" if s["released"] else _state(shown.states.get(s["id"]), s),
        )
    console.print(sheets)
    attempts = shown.sendings
    if attempts:
        table = Table(title="sending attempts")
        for column in ("when", "via", "to", "result"):
            table.add_column(column)
        for a in attempts:
            table.add_row(
                instant(a["at"]),
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
        write(output, bytes(row["file"]))
        console.print("wrote %s" % output)


@lots_app.command("seal")
def seal_lots(
    lot: LotRefs = None,
    db: DbOption = DEFAULT_DB,
    reader: ReaderOption = "",
    pin_stdin: Annotated[
        bool,
        typer.Option(
            "--pin-stdin", help="Read the PIN from the first line of standard input (for scripts)."
        ),
    ] = False,
    root: RootOption = None,
):
    """Seal open lots (LOT..., default every open lot of the CPS's holder) with the
    professional's CPS card.

    The CPS, in a PC/SC reader (or the token of the [pkcs11] module the settings name, such
    as the ANS's Cryptolib), signs each lot file. Its PIN is asked here, hidden, and
    never stored or logged; a wrong PIN says how many tries are left, and the third wrong
    one blocks the card. A CPS of another professional than the lot's, or whose certificate
    does not chain to the trusted root on the day (--root), is refused."""
    store = open_store(db)
    root_cert = load_root(root, db)
    token = settings_cards.pkcs11(current_settings())  # [pkcs11]: seal through the module
    try:
        if token.get("module"):
            session = pkcs11_seal.open_session(store, lot, token)
        else:
            session = sealing.open_session(store, lot, reader)
    except AgentError as e:
        refused(e)
    try:
        if session.others:
            console.print(
                "%s of other professionals wait for their CPS"
                % plural(len(session.others), "open lot")
            )
        if not session.chosen:
            console.print("no open lot of %s to seal" % session.holder)
            return
        who = people.sealer(store, session.app.card.holder_id)
        console.print(
            "CPS of %s%s: %s to seal"
            % (session.holder, ", " + who if who else "", plural(len(session.chosen), "lot")),
            markup=False,  # names from the card and the accounts: never Rich markup
        )
        pin = read_pin(pin_stdin, session.tries)
        try:
            done = sealing.seal_lots(store, session, pin, root_cert)
        except AgentError as e:
            refused(e)
        console.print(_lot_table(done, "sealed"))
        console.print("next: tla-agent lots send")
    finally:
        session.app.forget()


def _state(state, row) -> str:
    """Where a sheet of a sent lot stands with its fund (docs/returns.md)."""
    text = state.state if state else ""
    if state and state.state == "paid":
        text += " %s on %s" % (euros(state.amount), iso(state.day))
    elif state and state.state == "rejected":
        text += ": %s" % ("%s: %s" % (state.code, state.label) if state.code else state.label)
    return (text + ", purged" if text else "purged") if row["purged"] else text


@lots_app.command("send")
def send_lots(
    lot: LotRefs = None,
    db: DbOption = DEFAULT_DB,
    via: ViaOption = "outbox",
    outbox: Annotated[
        Path | None,
        typer.Option(
            help="The outbox folder (default: the settings' [sending] outbox, else 'outbox' "
            "beside the database).",
            show_default=False,
        ),
    ] = None,
    funds: Annotated[
        Path | None,
        typer.Option(
            help="Funds settings (TOML: \\[smtp] and \\[funds.CODE] name, email; default: "
            "'funds.toml' beside the database). The SMTP password comes from $%s."
            % sending.PASSWORD_ENV,
            show_default=False,
        ),
    ] = None,
    tries: Annotated[
        int, typer.Option(min=1, max=10, help="Tries per lot before giving up until the next run.")
    ] = 1,
    root: RootOption = None,
):
    """Send sealed lots (LOT..., default every sealed lot not sent yet) to their funds, one
    file or e-mail per lot.

    A lot that fails stays sealed and is tried again by the next `lots send`; a lot already
    sent is never sent again (the funds reject duplicates). Every lot's seal is checked
    first up to the trusted root (--root): when one does not verify, nothing is sent."""
    store = open_store(db)
    root_cert = load_root(root, db)

    def each(result):
        name = lots.name(result.lot)
        if result.meanwhile:
            console.print(line("%s (another PC or process sent it meanwhile)" % result.meanwhile))
        elif result.error is None:
            console.print("lot %s sent to %s" % (name, result.destination))
        else:
            err.print(
                line(
                    ("lot %s not sent:" % name, "red"),
                    " %s (it stays sealed: run tla-agent lots send again)" % result.error,
                )
            )

    try:
        route = dispatch.transport(via, db, outbox, funds, current_settings())
        results = dispatch.send_lots(store, lot or [], route, root_cert, tries, each)
    except AgentError as e:
        refused(e)
    if not results:
        console.print("no sealed lot waits to be sent")
    if any(r.error is not None for r in results):
        raise typer.Exit(EXIT_SEND)
