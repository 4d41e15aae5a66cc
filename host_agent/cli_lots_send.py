"""tla-agent lots send: hand sealed lots to their funds (docs/lots.md), after checking each
lot's file and CPS seal up to the trusted root: a lot sealed by a self-signed or expired
certificate is never sent (the fund would reject it, and its sheets would wait past their
deadline unnoticed).
"""

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import track

from host_agent import lotfile, lots, sending
from host_agent.cli_common import (
    DEFAULT_DB,
    EXIT_SEND,
    DbOption,
    RootOption,
    _load_root,
    _store,
    console,
    err,
    fail,
    line,
)
from host_agent.cli_lots import lots_app


def _check_seals(store, chosen, root_cert) -> None:
    """Fail, nothing sent, when a chosen lot's file or seal does not verify."""
    certificates = store.certificates().values()
    for row in chosen:
        if row["file"] is None:
            continue  # sending.refusal() says why
        check = lotfile.verify_lot(bytes(row["file"]), root_cert, certificates)
        if not check:
            fail(
                "lot %s is not sent: its file does not verify: %s (nothing was sent)"
                % (lots.name(row), check.reason)
            )


def _settings(db: Path, funds: Path | None) -> sending.Settings:
    try:
        return sending.load_settings(funds if funds is not None else db.parent / "funds.toml")
    except sending.SendError as e:
        fail(str(e))


@lots_app.command("send")
def send_lots(
    lot: Annotated[
        list[str] | None,
        typer.Argument(
            help="Lots to send (default: every sealed lot not sent yet).", show_default=False
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    via: Annotated[
        str,
        typer.Option(
            help="outbox: write each lot into a folder per fund; smtp: e-mail it to the fund."
        ),
    ] = "outbox",
    outbox: Annotated[
        Path | None,
        typer.Option(
            help="The outbox folder (default: 'outbox' beside the database).", show_default=False
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
    """Send sealed lots to their funds, one file or e-mail per lot.

    A lot that fails stays sealed and is tried again by the next `lots send`; a lot already
    sent is never sent again (the funds reject duplicates). Every lot's seal is checked
    first up to the trusted root (--root): when one does not verify, nothing is sent."""
    store = _store(db)
    root_cert = _load_root(root, db)
    if via == "outbox":
        transport: sending.Transport = sending.Outbox(
            outbox if outbox is not None else db.parent / "outbox"
        )
    elif via == "smtp":
        try:
            transport = _settings(db, funds).smtp_transport()
        except sending.SendError as e:
            fail(str(e))
    else:
        fail("--via is outbox or smtp, not %r" % via)
    try:
        chosen = (
            [lots.find(store, ref) for ref in lot] if lot else lots.all_lots(store, (lots.SEALED,))
        )
    except lots.LotError as e:
        fail(str(e))
    if lot:
        for row in chosen:
            reason = sending.refusal(row)
            if reason:
                fail(reason)
    if not chosen:
        console.print("no sealed lot waits to be sent")
        return
    _check_seals(store, chosen, root_cert)
    failed = 0
    for row in track(chosen, description="sending", console=err, transient=True):
        try:
            where = sending.send_with_retries(store, transport, row, tries=tries)
            console.print("lot %s sent to %s" % (lots.name(row), where))
        except sending.SendError as e:
            failed += 1
            err.print(
                line(
                    ("lot %s not sent:" % lots.name(row), "red"),
                    " %s (it stays sealed: run tla-agent lots send again)" % e,
                )
            )
    if failed:
        raise typer.Exit(EXIT_SEND)
