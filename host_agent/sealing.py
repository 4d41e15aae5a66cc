"""Sealing lots with the professional's CPS card on the practice PC: the same card application
as the terminal's (firmware.cards.cps.CpsApp) over a PC/SC reader (hw.pcsc.PcscSlot).

The PIN is asked by the caller, handed over in a bytearray that CpsApp.verify wipes, and is
never stored, logged or put in a message. A CPS of another professional than the lot's is
refused before the PIN is asked.
"""

import time
from dataclasses import dataclass
from typing import Any

from firmware.cards import choose
from firmware.cards.cps import CpsApp  # noqa: F401 - what a Card usually is
from firmware.cards.errors import NotACpsCard, PinBlocked, PinWrong, WrongSlot
from host_agent import lotfile, lots, verify
from host_agent.errors import EXIT_CARD, EXIT_REFUSED, AgentError
from hw import hal
from protocol import bundle, dates

# What sealing asks of a CPS: firmware.cards.cps.CpsApp, a CPS3's Cps3App, or a PKCS#11
# token's host_agent.pkcs11_seal.Pkcs11Cps (card, certificate(), verify, sign, forget).
Card = Any


class SealError(AgentError):
    """Sealing refused; one plain English sentence. No lot was sealed by the failing step."""

    exit_code = EXIT_CARD
    french_default = "La carte CPS a refusé la signature du lot ; aucun lot n'a été signé."


def find_cps(readers, make_slot) -> Card:
    """The CPS application of the first reader in `readers` holding a CPS card, opened and
    read (`make_slot(reader)` gives a hal.CardSlot). SealError when no reader has one."""
    seen = []
    for reader in readers:
        slot = make_slot(reader)
        if not slot.present():
            seen.append("%s: empty" % reader)
            continue
        app = None
        try:
            app = choose.cps_app(slot, None)  # tla's CPS or a CPS3, by its ATR
            app.read()
            return app
        except (NotACpsCard, WrongSlot):
            seen.append("%s: not a CPS" % reader)
        except hal.CardError as e:
            seen.append("%s: %s" % (reader, e))
        if app is not None:
            app.forget()
        else:
            slot.power_off()
    raise SealError(
        "no CPS card in a reader (%s): insert the professional's CPS"
        % ("; ".join(seen) or "no PC/SC reader found, is pcscd running?"),
        french="Aucune carte CPS dans un lecteur : insérez la carte CPS du professionnel, "
        "puis recommencez (rien n'a été scellé).",
    )


def holder(app: Card) -> str:
    """'PETIT LUC (10006543218)': who the CPS in `app` belongs to."""
    card = app.card
    assert card is not None
    return "%s (%s)" % (card.name(), card.holder_id)


def lots_to_seal(store, app: Card, refs) -> tuple[list, list]:
    """(the open lots to seal with this CPS, the open lots of other professionals left
    aside). With `refs`, exactly those lots: SealError if one is not open or is another
    professional's; without, every open lot of the CPS holder."""
    card = app.card
    assert card is not None
    if refs:
        chosen = [lots.find(store, ref) for ref in refs]
        for lot in chosen:
            if lot["status"] != lots.OPEN:
                raise SealError(
                    "lot %s is %s, not open: nothing to seal" % (lots.name(lot), lot["status"])
                )
            if lot["professional"] != card.holder_id:
                raise SealError(
                    "lot %s is %s's, and the CPS in the reader is %s's: insert the lot's "
                    "professional's CPS (nothing was sealed)"
                    % (lots.name(lot), lot["professional"], holder(app))
                )
        return chosen, []
    open_lots = lots.all_lots(store, (lots.OPEN,))
    mine = [lot for lot in open_lots if lot["professional"] == card.holder_id]
    return mine, [lot for lot in open_lots if lot["professional"] != card.holder_id]


PULLED_FRENCH = (
    "La carte CPS a été retirée du lecteur ou ne répond plus pendant la vérification du "
    "code : rien n'a été scellé. Remettez-la et recommencez."
)


def unlock(app: Card, pin: bytearray) -> None:
    """Verify the PIN (wiped here whatever happens). SealError with the tries left when it
    is wrong, or when the card is blocked."""
    try:
        app.verify(pin)
    except PinWrong as e:
        raise SealError(
            "wrong PIN: %d %s left before the CPS blocks (nothing was sealed)"
            % (e.tries_left, "try" if e.tries_left == 1 else "tries"),
            french="Code faux : encore %d essai%s avant le blocage de la carte CPS (rien n'a "
            "été scellé)." % (e.tries_left, "" if e.tries_left == 1 else "s"),
        ) from None
    except PinBlocked:
        raise SealError(blocked_message(), french=BLOCKED_FRENCH) from None
    except hal.CardError as e:  # pulled out or silent while its code went to it
        raise SealError(
            "the CPS left the reader or did not answer while its PIN was checked (%s): "
            "nothing was sealed" % e,
            french=PULLED_FRENCH,
        ) from None
    finally:
        wipe(pin)


def wipe(pin: bytearray) -> None:
    """Zeros over the PIN's bytes, in place: no copy of it is left to the caller."""
    for i in range(len(pin)):
        pin[i] = 0


BLOCKED_FRENCH = (
    "Le code de la carte CPS est bloqué (3 codes faux) : débloquez-la avec son code PUK, puis "
    "scellez à nouveau."
)


def blocked_message() -> str:
    return "the CPS's PIN is blocked (3 wrong PINs): unblock it with its PUK, then seal again"


def seal(store, app: Card, lot, now: int, root) -> bytes:
    """Seal one open lot with the CPS (its PIN verified): sign the lot, check the signature
    with the card's certificate, and the certificate up to the trusted `root` (through the
    stored certificates) on the sealing day, keep the sealed file. Returns the file.
    A self-signed or expired "CPS" is refused: no fund would accept its seal."""
    lot_body = lots.body(store, lot, now)
    day = dates.days_to_ymd(dates.paris_day(now))  # the day verify_lot checks the seal at
    digest = lotfile.seal_digest(lot_body)
    cert = bytes(app.certificate())  # a CPS3 reads it again: it keeps no copy
    signature = app.sign(digest)
    problem = verify.seal_problem(
        signature, digest, cert, lot["professional"], store.certificates(), root, day
    )
    if problem:
        raise SealError(
            "the CPS's seal of lot %s does not verify: %s (nothing was sealed)"
            % (lots.name(lot), problem)
        )
    file = lotfile.sealed(lot_body, cert, signature)
    lots.record_seal(store, lot["id"], file, bundle.cert_id(cert), now)
    return file


@dataclass
class Session:
    """A CPS found in a reader, ready to seal: its application, who holds it, the lots it
    is to seal, the open lots of other professionals left aside, the PIN tries left."""

    app: Card
    holder: str
    chosen: list
    others: list
    tries: int


def open_session(store, refs, reader: str = "", make_slot=None) -> Session:
    """The CPS in `reader` (default: the first PC/SC reader with one) and the lots it
    seals (`refs`, default every open lot of its holder). SealError (exit 3) when no CPS
    answers or its PIN is blocked; LotError or SealError when a lot is not its own. The
    caller asks the PIN (when `chosen` is not empty), then calls seal_lots(), and in any
    case `session.app.forget()`."""
    if make_slot is None:
        from hw.pcsc import PcscSlot, list_readers  # pcscd-only: PC/SC readers

        readers = [reader] if reader else list_readers()
        slot_of = lambda name: PcscSlot("cps", name)  # noqa: E731
    else:
        readers, slot_of = [reader], make_slot
    try:
        app = find_cps(readers, slot_of)
    except hal.CardError as e:
        raise SealError(str(e)) from None
    try:
        try:
            chosen, others = lots_to_seal(store, app, refs or [])
        except SealError as e:
            raise SealError(str(e), EXIT_REFUSED) from None
        tries = app.tries_left() if chosen else 0
    except PinBlocked:
        app.forget()
        raise SealError(blocked_message(), french=BLOCKED_FRENCH) from None
    except hal.CardError as e:  # pulled out while its tries left were asked
        app.forget()
        raise SealError("the CPS left the reader: %s" % e, french=PULLED_FRENCH) from None
    except BaseException:
        app.forget()
        raise
    return Session(app, holder(app), chosen, others, tries)


def seal_lots(store, session: Session, pin: bytearray, root, clock=time.time) -> list:
    """Verify the PIN (wiped whatever happens) and seal the session's lots, one by one; the
    lots sealed, as their rows now. SealError (exit 3) for a wrong PIN or a lot that could
    not be sealed (saying how many were sealed before it)."""
    if len(pin) != 4 or not pin.isdigit():
        wipe(pin)
        raise SealError(
            "a CPS PIN is 4 digits: nothing was sent to the card",
            EXIT_REFUSED,
            "Le code de la carte CPS a 4 chiffres : rien n'a été envoyé à la carte.",
        )
    unlock(session.app, pin)
    done = []
    for row in session.chosen:
        try:
            seal(store, session.app, row, int(clock()), root)
        except (SealError, lots.LotError, hal.CardError) as e:
            raise SealError(
                "lot %s: %s (%d lot%s sealed before it)"
                % (lots.name(row), e, len(done), "" if len(done) == 1 else "s")
            ) from None
        done.append(row)
    return [lots.find(store, lots.name(r)) for r in done]
