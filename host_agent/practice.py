"""The practice's actions as functions that return data: unload a terminal, seal the open lots
with the CPS in a PC/SC reader, send the sealed lots, import a fund's return, make a paper
duplicate. The web pages (host_agent/web/) parse a form, call one of these and render what
it returns; each refusal is a PracticeError with one English sentence (for the CLI and the
logs) and its French one (for the pages). Nothing is changed half-way.

The CPS's PIN arrives in a bytearray and is wiped here whatever happens; it is never put in
a message, a log or the store.
"""

import contextlib
import tempfile
import time
from pathlib import Path

from host_agent import (
    acks,
    duplicate,
    files,
    french,
    lotfile,
    lots,
    overview,
    sealing,
    sending,
    sync_parts,
)
from host_agent.client import LinkClient, LinkError
from host_agent.store import Store, StoreError
from host_agent.sync import Syncer, SyncError
from host_agent.transport import TransportError, open_port
from protocol import bundle

EXIT_CARD = 3  # as the CLI's (host_agent/cli_common.py)


class PracticeError(Exception):
    """Refused or failed; `str()` is English, `.french` the page's sentence."""

    def __init__(self, english: str, french: str, exit_code: int = 1):
        super().__init__(english)
        self.french = french
        self.exit_code = exit_code


def open_store(db: Path) -> Store:
    """The store at `db`; a missing database is never created here (a mistyped path)."""
    if not Path(db).is_file():
        raise PracticeError(
            "no database at %s" % db,
            "Aucune base de données à %s : vérifiez le chemin donné à tla-agent serve --db ; "
            "la première association d'un terminal (tla-agent pair) la crée." % db,
            6,
        )
    try:
        return Store(db)
    except StoreError as e:
        raise PracticeError(
            str(e), "La base de données %s ne peut pas être utilisée : %s" % (db, e), 6
        ) from None


@contextlib.contextmanager
def opened(db: Path):
    """open_store(db) for the length of a with-block."""
    store = open_store(db)
    try:
        yield store
    finally:
        store.close()


def load_root(path: Path):
    """The card PKI's root certificate every signature must chain to."""
    if not Path(path).is_file():
        raise PracticeError(
            "no root certificate at %s" % path,
            "Aucun certificat racine à %s : donnez-le à tla-agent serve --root (le certificat "
            "racine des cartes, PEM ou DER)." % path,
        )
    try:
        return sync_parts.load_root(path)
    except SyncError as e:
        raise PracticeError(
            str(e), "Le certificat racine %s est illisible : %s" % (path, e)
        ) from None


def wipe(secret: bytearray) -> None:
    for i in range(len(secret)):
        secret[i] = 0


# ---------------------------------------------------------------------- sync


def unload(db: Path, root, port: str, progress=None):
    """Sync the terminal on `port` into the store at `db` (its own connection: this runs in
    a thread of its own); the sync's Summary."""
    store = open_store(db)
    try:
        link = LinkClient(open_port(port))
    except TransportError as e:
        store.close()
        raise PracticeError(
            str(e), "Le port %s ne s'ouvre pas : %s. Le terminal est-il branché ?" % (port, e), 5
        ) from None
    try:
        return Syncer(store, root, link, progress=progress).run()
    except SyncError as e:
        raise PracticeError(str(e), "Déchargement arrêté : %s" % e, e.exit) from None
    except (LinkError, TransportError) as e:
        raise PracticeError(
            str(e),
            "Le terminal ne répond plus (%s). Il garde chaque feuille non accusée : "
            "déchargez-le à nouveau." % e,
            5,
        ) from None
    finally:
        link.port.close()
        store.close()


# ---------------------------------------------------------------------- seal


class Sealed:
    """What a seal did: the CPS holder, the lots sealed, how many open lots of others wait."""

    def __init__(self, holder, sealed, others):
        self.holder = holder
        self.sealed = sealed
        self.others = others


def _pcsc_slots():
    from hw.pcsc import PcscSlot, list_readers

    return list_readers(), lambda name: PcscSlot("cps", name)


def seal_open_lots(store, pin: bytearray, root, now=None, slots=_pcsc_slots) -> Sealed:
    """Seal every open lot of the CPS holder with the CPS found in a reader (`slots()`
    gives (reader names, make_slot)); `pin` is wiped."""
    from firmware.cards.errors import PinBlocked, PinWrong
    from hw import hal

    now = int(time.time()) if now is None else now
    try:
        try:
            readers, make_slot = slots()
            app = sealing.find_cps(readers, make_slot)
        except (sealing.SealError, hal.CardError) as e:
            raise PracticeError(
                str(e),
                "Aucune carte CPS dans un lecteur : insérez la carte CPS du professionnel "
                "puis recommencez (rien n'a été scellé).",
                EXIT_CARD,
            ) from None
        try:
            chosen, others = sealing.lots_to_seal(store, app, [])
            holder = sealing.holder(app)
            if not chosen:
                return Sealed(holder, [], len(others))
            if len(pin) != 4 or not pin.isdigit():
                raise PracticeError(
                    "a CPS PIN is 4 digits: nothing was sent to the card",
                    "Le code de la carte CPS a 4 chiffres : rien n'a été envoyé à la carte.",
                )
            try:
                app.verify(pin)
            except PinWrong as e:
                raise PracticeError(
                    "wrong PIN: %d tries left" % e.tries_left,
                    "Code faux : encore %d essai%s avant le blocage de la carte CPS (rien "
                    "n'a été scellé)." % (e.tries_left, "" if e.tries_left == 1 else "s"),
                    EXIT_CARD,
                ) from None
            except PinBlocked:
                raise PracticeError(
                    sealing.blocked_message(),
                    "Le code de la carte CPS est bloqué (3 codes faux) : débloquez-la avec son "
                    "code PUK, puis scellez à nouveau.",
                    EXIT_CARD,
                ) from None
            done = []
            for row in chosen:
                try:
                    sealing.seal(store, app, row, now, root)
                except (sealing.SealError, lots.LotError, hal.CardError) as e:
                    raise PracticeError(
                        "lot %s: %s" % (lots.name(row), e),
                        "Le lot %s n'a pas été scellé : %s (%s avant lui)."
                        % (
                            lots.name(row),
                            e,
                            french.plural(len(done), "lot scellé", "lots scellés"),
                        ),
                        EXIT_CARD,
                    ) from None
                done.append(lots.find(store, lots.name(row)))
            return Sealed(holder, done, len(others))
        finally:
            app.forget()
    finally:
        wipe(pin)


# ---------------------------------------------------------------------- send


def send_sealed(store, transport, root) -> list:
    """Send every sealed lot not sent yet, once each seal verifies up to `root` (else
    nothing is sent); [(lot row, where it went or None, the French error or "")]."""
    chosen = lots.all_lots(store, (lots.SEALED,))
    certificates = store.certificates().values()
    for row in chosen:
        check = lotfile.verify_lot(bytes(row["file"]), root, certificates)
        if not check:
            raise PracticeError(
                "lot %s does not verify: %s" % (lots.name(row), check.reason),
                "Rien n'a été envoyé : le fichier du lot %s ne se vérifie pas (%s)."
                % (lots.name(row), check.reason),
            )
    out = []
    for row in chosen:
        try:
            out.append((row, sending.send(store, transport, row, int(time.time())), ""))
        except sending.SendError as e:
            out.append((row, None, "non envoyé, il reste scellé : %s" % e))
    return out


# ---------------------------------------------------------------------- returns


def import_return(store, data: bytes, name: str, now=None) -> acks.Outcome:
    """Import a fund's return file given as bytes (an upload): all of it or nothing."""
    now = int(time.time()) if now is None else now
    with tempfile.TemporaryDirectory(prefix="tla-return-") as tmp:
        path = Path(tmp) / (Path(name).name or "retour.json")
        files.write_private(path, data)
        try:
            return acks.apply(store, path, now)
        except acks.AckError as e:
            raise PracticeError(
                str(e), "Le fichier de retour est refusé, rien n'a changé : %s" % e
            ) from None


# ---------------------------------------------------------------------- paper


def _facts(store, sheet_id, fund_name, reason="") -> duplicate.Facts:
    lot = overview.lot_of(store, sheet_id)
    certs = store.certificates()
    signed = bundle.decode(bytes(store.sheet_row(sheet_id)["bundle"]))
    return duplicate.Facts(
        professional_name=duplicate.holder_name(certs.get(bytes(signed.cps_cert))),
        insured_name=duplicate.holder_name(certs.get(bytes(signed.vitale_cert or b""))),
        fund_name=fund_name,
        lot=lots.name(lot) if lot is not None else "",
        reason=reason,
        transmitted=lots.transmitted(store, sheet_id),
    )


def _readable(store, sheet_id):
    row = store.sheet_row(sheet_id)
    if row is None:
        raise PracticeError("no sheet %d" % sheet_id, "Il n'y a pas de feuille n° %d." % sheet_id)
    if row["purged"]:
        raise PracticeError(
            "sheet %d was purged" % sheet_id,
            "Le double électronique de la feuille %d a été effacé (90 jours après sa "
            "transmission) : elle ne peut plus être imprimée." % sheet_id,
        )
    return row


def paper(store, sheet_id: int, mark: str, fund_name="", reason="", now=None) -> bytes:
    """The PDF of a sheet marked `mark` (duplicate.DUPLICATE or COPY). A duplicate is
    refused while the sheet is on its way electronically, and once made keeps the sheet
    out of electronic lots (R161-47 I: never billed twice)."""
    row = _readable(store, sheet_id)
    if mark == duplicate.DUPLICATE:
        refused = lots.duplicate_refusal(store, sheet_id)
        if refused:
            raise PracticeError(
                refused,
                "Pas de duplicata : la feuille %d part à sa caisse par voie électronique "
                "(dans un lot scellé ou transmis) ; un duplicata la facturerait deux fois "
                "(art. R161-47 I)." % sheet_id,
            )
    try:
        pdf = duplicate.render(
            bytes(row["bundle"]), _facts(store, sheet_id, fund_name, reason), mark
        )
    except duplicate.DuplicateError as e:
        raise PracticeError(str(e), "La feuille enregistrée est illisible : %s" % e) from None
    if mark == duplicate.DUPLICATE:
        lots.record_duplicate(store, sheet_id, int(time.time()) if now is None else now, reason)
    return pdf
