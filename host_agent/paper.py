"""Paper for a sheet, for the CLI and the web app alike: the paper duplicate (a PDF marked
DUPLICATA, when the electronic transmission failed: R161-47 I) and the patient's copy (a PDF
marked COPIE, or the exact signed bytes), rendered by host_agent/duplicate.py from the
stored sheet and what the database knows around it (docs/lots.md).
"""

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from host_agent import duplicate, lots, sending
from host_agent.errors import AgentError
from host_agent.store import Store
from protocol import bundle

MAX_REASON = 300  # characters of a duplicate's reason, printed and kept: one or two lines


def sheet_row(store: Store, sheet_id: int):
    """The sheet's row; AgentError when there is none or its double was purged."""
    row = store.sheet_row(sheet_id)
    if row is None:
        raise AgentError(
            "there is no sheet %d (see tla-agent status)" % sheet_id,
            french="Aucune feuille n° %d." % sheet_id,
        )
    if row["purged"]:
        day = time.strftime("%Y-%m-%d %H:%M", time.localtime(row["purged"]))
        raise AgentError(
            "the electronic double of sheet %d was purged on %s (90 days after transmission)"
            % (sheet_id, day),
            french="Le double électronique de la feuille n° %d a été effacé le %s."
            % (sheet_id, day),
        )
    return row


def facts(store: Store, row, funds: Path, reason: str = "", practice=None) -> duplicate.Facts:
    """What the PDF says beyond the signed sheet: names from the certificates, the fund's
    name from the settings (`practice`: host_agent/settings.Settings) or the funds
    settings (`funds`, a TOML file), the sheet's lot, the practice's name and address
    when the settings give those of the sheet's practice situation."""
    signed = bundle.decode(row["bundle"])
    certs = store.certificates()
    lot = store.lot_of_sheet(row["id"])
    named = practice.funds.get(row["fund"], {}).get("name", "") if practice else ""
    try:
        fund_name = named or sending.load_settings(funds).fund_name(row["fund"])
    except sending.SendError:
        fund_name = ""
    return duplicate.Facts(
        professional_name=duplicate.holder_name(certs.get(bytes(signed.cps_cert))),
        insured_name=duplicate.holder_name(certs.get(bytes(signed.vitale_cert or b""))),
        fund_name=fund_name,
        lot=lots.name(lot) if lot else "",
        reason=reason,
        transmitted=lots.transmitted(store, row["id"]),
        practice=practice.practice_address(row["situation"]) if practice else (),
    )


@dataclass
class Printed:
    """A duplicate made: the sheet's row, and the open lot it left ("" if none)."""

    row: Any
    left_lot: str


def print_duplicate(
    store, sheet_id, reason, funds: Path, deliver, now: int, practice=None
) -> Printed:
    """Make the sheet's paper duplicate, hand its PDF to `deliver(pdf)` (which writes or
    serves it), then note it: the sheet stays out of electronic lots (R161-47 I: billed
    once). Refused before any PDF exists when the sheet is on its way electronically. The
    reason (typed in the CLI or the page) is kept on one line, MAX_REASON characters at most."""
    reason = " ".join(str(reason).split())[:MAX_REASON].rstrip()
    row = sheet_row(store, sheet_id)
    refused = lots.duplicate_refusal(store, sheet_id)
    if refused:  # a duplicate of a sheet on its way would bill it twice
        raise lots.LotError(
            refused,
            french="Pas de duplicata : la feuille n° %d part à sa caisse par voie électronique "
            "(dans un lot scellé ou transmis) ; un duplicata la facturerait deux fois "
            "(art. R161-47 I). Il se fait si la caisse rejette le lot." % sheet_id,
        )
    pdf = duplicate.render(
        row["bundle"], facts(store, row, funds, reason, practice), duplicate.DUPLICATE
    )
    deliver(pdf)
    return Printed(row, lots.record_duplicate(store, sheet_id, now, reason))


def patient_copy(store, sheet_id, funds: Path, signed=False, practice=None) -> tuple[Any, bytes]:
    """(the sheet's row, the patient's copy): a PDF marked COPIE, or with `signed` the
    sheet's exact signed bytes as transmitted."""
    row = sheet_row(store, sheet_id)
    if signed:
        return row, bytes(row["bundle"])
    return row, duplicate.render(
        row["bundle"], facts(store, row, funds, "", practice), duplicate.COPY
    )
