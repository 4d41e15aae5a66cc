"""tla-agent's paper: the paper duplicate of a sheet and the patient's copy (docs/lots.md).
Each parses its options, calls one function of host_agent/paper.py, and prints."""

import time
from pathlib import Path
from typing import Annotated

import typer

from host_agent import workspace
from host_agent.cli.common import (
    DEFAULT_DB,
    DbOption,
    SheetId,
    console,
    current_settings,
    open_store,
    refused,
    write,
)
from host_agent.errors import AgentError


def print_duplicate(
    sheet_id: SheetId,
    db: DbOption = DEFAULT_DB,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="The PDF to write (default: duplicata-ID.pdf here)."),
    ] = None,
    reason: Annotated[
        str, typer.Option(help="Why the sheet could not be transmitted (printed on it, in French).")
    ] = "",
):
    """Write a sheet's paper duplicate: a PDF marked DUPLICATA.

    For the patient or the fund when the electronic transmission failed (R161-47 I): every
    item of R161-42, in plain French. The professional signs it by hand."""
    from host_agent import paper  # fpdf2: a quarter of a second the other commands skip

    path = output or Path("duplicata-%d.pdf" % sheet_id)
    try:
        done = paper.print_duplicate(
            open_store(db),
            sheet_id,
            reason,
            db.parent / "funds.toml",
            lambda pdf: workspace.write(path, pdf),
            int(time.time()),
            current_settings(),
        )
    except AgentError as e:
        refused(e)
    if done.left_lot:
        console.print(
            "sheet %d left the open lot %s: it is not sent electronically"
            % (sheet_id, done.left_lot)
        )
    console.print("wrote %s (sheet %d, order no %d)" % (path, sheet_id, done.row["order_no"]))


def export_sheet(
    sheet_id: SheetId,
    db: DbOption = DEFAULT_DB,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Where to write (default: copie-ID.pdf or sheet-ID.tla here)."
        ),
    ] = None,
    signed: Annotated[
        bool,
        typer.Option(
            "--signed",
            help="Write the sheet's exact signed bytes (bundle) instead of a readable PDF.",
        ),
    ] = False,
):
    """Give the patient a copy of a transmitted sheet (R161-47 I).

    A PDF marked COPIE, or with --signed the sheet's exact signed bytes as transmitted."""
    from host_agent import paper

    try:
        row, data = paper.patient_copy(
            open_store(db), sheet_id, db.parent / "funds.toml", signed, current_settings()
        )
    except AgentError as e:
        refused(e)
    path = output or Path(("sheet-%d.tla" if signed else "copie-%d.pdf") % sheet_id)
    write(path, data)
    console.print("wrote %s (sheet %d, order no %d)" % (path, sheet_id, row["order_no"]))
