"""What the syncs filed, for the CLI and the web app alike: the sheets and the quarantine,
one sheet's items and signatures, the sheets per fund with their nearest deadline, the
access log, and the opposition list pushed to the terminals (docs/agent.md). Nothing here
prints; each refusal is an AgentError.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from host_agent import files, status, user_files
from host_agent.errors import EXIT_DATABASE, AgentError
from host_agent.store import Store
from protocol import bundle, opposition_entries, sheet, sheet_fields

# An opposition list file: 11 bytes a serial, a million cards is 11 MB; never /dev/zero.
MAX_LIST_BYTES = 16 * 1024 * 1024

# Why a degraded sheet was made without the Vitale card (R161-43, sheet key 21).
ABSENT_REASONS = {
    sheet_fields.CARD_FORGOTTEN: "the patient did not have the card",
    sheet_fields.CARD_UNREADABLE: "the card could not be read",
    sheet_fields.NO_CARD_YET: "the patient has no card yet",
}


def filed(store: Store, terminal: str | None = None, limit: int = 0) -> list:
    """Filed sheets (rows with their terminal's serial as `terminal`), newest first."""
    return store.sheets(terminal, limit)


def quarantined(store: Store, terminal: str | None = None, limit: int = 0) -> list:
    """Sheets that failed verification, with their `reason`, newest first."""
    return store.quarantined(terminal, limit)


def access_log(store: Store, terminal: str | None = None, limit: int = 0) -> list:
    """The access-log entries, per terminal, newest first; `chain_ok` 0 marks a broken link."""
    return store.access_log(terminal, limit)


@dataclass
class SheetView:
    """One sheet as stored: its row, its signatures [(who, certificate id hex or None)],
    its items [(name, article, value)], or why its bytes do not decode."""

    row: Any
    signatures: list = field(default_factory=list)
    items: list = field(default_factory=list)
    problem: str = ""


def show(store: Store, sheet_id: int, in_quarantine: bool = False) -> SheetView:
    row = store.sheet_row(sheet_id, in_quarantine)
    if row is None:
        what = "sheet in quarantine" if in_quarantine else "sheet"
        raise AgentError(
            "no %s with id %d" % (what, sheet_id),
            french="Aucune feuille n° %d." % sheet_id,
        )
    view = SheetView(row)
    data = bytes(row["bundle"])
    try:
        b = bundle.decode(data)
        for who, sig, cid in (
            ("CPS", b.cps_signature, b.cps_cert),
            ("Vitale", b.vitale_signature, b.vitale_cert),
        ):
            view.signatures.append((who, cid.hex() if sig and cid else None))
        s = sheet.decode(b.sheet)
        for f in sheet_fields.SHEET:
            value = getattr(s, f[sheet_fields.NAME], None)
            if value is not None:
                if f[sheet_fields.NAME] == "absent_reason":
                    value = "%d, %s" % (value, ABSENT_REASONS.get(value, "not a known reason"))
                view.items.append((f[sheet_fields.NAME], f[sheet_fields.ARTICLE], value))
    except (bundle.BundleFormatError, sheet.SheetFormatError) as e:
        view.problem = "cannot be decoded: %s (%d bytes)" % (e, len(data))
    return view


@dataclass
class FundLine:
    """One fund's sheets: how many, fees, what the fund pays (third-party payment), and the
    nearest deadline of those not transmitted: (YYYYMMDD, working days left) or None."""

    fund: str
    sheets: int = 0
    fees: int = 0
    third_party: int = 0
    next_deadline: tuple | None = None

    @property
    def patients(self) -> int:
        return self.fees - self.third_party


def per_fund(store: Store, today: int, terminal: str | None = None) -> list:
    """[FundLine] per fund code, ascending, of the sheets whose double is still here."""
    funds: dict = {}
    for r in store.sheets(terminal):
        if r["purged"] is not None:
            continue
        f = funds.setdefault(r["fund"], FundLine(r["fund"]))
        f.sheets += 1
        f.fees += r["fees"]
        f.third_party += r["third_party"]
    for w in status.waiting(store, today):
        f = funds.get(w.row["fund"])
        if f is not None and (terminal is None or w.row["terminal"] == terminal):
            if f.next_deadline is None or (w.deadline, w.left) < f.next_deadline:
                f.next_deadline = (w.deadline, w.left)
    return [funds[k] for k in sorted(funds)]


def read_serials(path: Path) -> list[bytes]:
    """The sorted, distinct entries of a list file: one 10-digit card serial a line,
    blank lines and #-comments ignored."""
    try:
        data = files.read_small(path, MAX_LIST_BYTES, "an opposition list")
    except OSError as e:
        raise AgentError("cannot read %s: %s" % (path, e.strerror)) from None
    except ValueError as e:  # too large: /dev/zero would fill the memory
        raise AgentError(str(e)) from None
    try:
        lines = user_files.text(data).splitlines()  # a BOM dropped; CRLF lines too
    except ValueError as e:
        raise AgentError("%s is not a text file of card serials: %s" % (path, e)) from None
    found = set()
    for number, raw in enumerate(lines, 1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            found.add(opposition_entries.encode(text))
        except ValueError:
            raise AgentError(
                "%s line %d: %r is not a 10-digit Vitale card serial" % (path, number, text)
            ) from None
    return sorted(found)


@dataclass
class Opposition:
    """A list pushed: its version, card count, and what changed from the one before."""

    version: int
    cards: int
    added: int
    removed: int


def push_opposition(store_of, path: Path) -> Opposition:
    """Make the list file at `path` the opposition list every terminal gets at its next
    sync. `store_of()` opens the store, once the file was read whole."""
    entries = read_serials(path)
    store = store_of()
    try:
        version, added, removed = store.replace_opposition(entries, path.name)
    except Exception as e:  # sqlite3.Error: a full disk, a damaged file
        raise AgentError(
            "cannot write the database %s: %s" % (store.path, e), EXIT_DATABASE
        ) from None
    return Opposition(version, len(entries), added, removed)
