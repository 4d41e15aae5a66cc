"""Sending the chosen sealed lots to their funds (docs/lots.md), for the CLI and the web app
alike: the route chosen (an outbox folder, or SMTP with the funds settings), every chosen
lot's file and CPS seal checked up to the trusted root first (a lot sealed by a
self-signed or expired certificate is never sent: the fund would reject it, and its sheets
would wait past their deadline unnoticed), then each lot handed over (host_agent/sending.py).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from host_agent import lotfile, lots, sending
from host_agent.errors import AgentError


def transport(
    via: str, db: Path, outbox: Path | None = None, funds: Path | None = None, agent_settings=None
):
    """The route: `outbox` (a folder per fund, default 'outbox' beside the database) or
    `smtp`: the [smtp] and [funds.CODE] of the agent's settings (host_agent/settings.py)
    when they have an [smtp], else the funds settings (`funds`, default 'funds.toml'
    beside the database)."""
    if via == "outbox":
        return sending.Outbox(outbox if outbox is not None else db.parent / "outbox")
    if via == "smtp":
        path = funds if funds is not None else db.parent / "funds.toml"
        s = agent_settings
        try:
            if funds is None and s is not None and s.smtp():
                return sending.Settings(s.smtp(), s.funds, str(s.path)).smtp_transport()
            return sending.load_settings(path).smtp_transport()
        except sending.SendError as e:  # the settings are wrong: nothing was tried
            raise AgentError(str(e), french=e.french) from None
    raise AgentError("--via is outbox or smtp, not %r" % via, french="Envoi inconnu : %s" % via)


def chosen_lots(store, refs) -> list:
    """The lots named in `refs` (each must be sendable now), or every sealed lot."""
    if not refs:
        return lots.all_lots(store, (lots.SEALED,))
    chosen = [lots.find(store, ref) for ref in refs]
    for row in chosen:
        reason = sending.refusal(row)
        if reason:
            raise sending.SendError(reason, 1)
    return chosen


def check_seals(store, chosen, root) -> None:
    """AgentError, nothing sent, when a chosen lot's file or seal does not verify."""
    certificates = store.certificates().values()
    for row in chosen:
        if row["file"] is None:
            continue  # sending.refusal() says why
        check = lotfile.verify_lot(bytes(row["file"]), root, certificates)
        if not check:
            raise AgentError(
                "lot %s is not sent: its file does not verify: %s (nothing was sent)"
                % (lots.name(row), check.reason),
                french="Le lot %s n'est pas envoyé : son fichier ne se vérifie pas."
                % lots.name(row),
            )


@dataclass
class Result:
    """One lot's sending: where it went, or the error (it stays sealed)."""

    lot: Any
    destination: str = ""
    error: sending.SendError | None = None
    meanwhile: str = ""  # sent by another PC since it was chosen: its sentence, not an error

    def french(self) -> str:
        """What the lots page says of it."""
        name = lots.name(self.lot)
        if self.meanwhile:
            return "Lot %s déjà envoyé par un autre poste." % name
        if self.error is None:
            return "Lot %s envoyé à la caisse %s." % (name, self.lot["fund"])
        return "Lot %s non envoyé, il reste scellé : %s" % (name, self.error.french)


def send_lots(store, refs, route, root, tries: int = 1, each=lambda result: None) -> list:
    """Send the chosen lots (`refs`, default every sealed lot) over `route` (transport()),
    once their seals verify; `each(result)` hears every lot as it goes. The results."""
    chosen = chosen_lots(store, refs)
    check_seals(store, chosen, root)
    out = []
    for row in chosen:
        try:
            result = Result(row, sending.send_with_retries(store, route, row, tries=tries))
        except sending.AlreadySent as e:  # another PC was quicker: it went once, there
            sendings = store.sendings(row["id"])
            result = Result(row, sendings[-1]["destination"] if sendings else "", None, str(e))
        except sending.SendError as e:
            result = Result(row, error=e)
        each(result)
        out.append(result)
    return out
