"""Typed errors of the card layer, each with a plain French sentence for the screen, and the
mapping of every status word a card can answer to one of them (`check_sw`).

All derive from hw.hal.CardError, like CardRemoved, CardAbsent and CardIOError (mute card),
which the card layer lets through unchanged: `except hal.CardError` catches every card fault.
"""

from firmware.cards import profile
from hw import hal
from protocol import dates


class CardLayerError(hal.CardError):
    """Base of the card layer's errors; `str()` is the French sentence shown to the user."""

    message = "Erreur de carte."

    def __init__(self, message=None):
        super().__init__(message or self.message)


# ---------------------------------------------------------------- answers of the card


class CardStatusError(CardLayerError):
    """The card refused a command with status word `sw` (shown only when it says more than
    the sentence: for an unexpected refusal)."""

    message = "La carte a refuse la commande"
    show_sw = True

    def __init__(self, sw, message=None):
        text = message or self.message
        super().__init__(("%s (%04X)." % (text, sw)) if self.show_sw else text + ".")
        self.sw = sw


class SecurityStatusNotSatisfied(CardStatusError):
    show_sw = False
    message = "Acces refuse par la carte"


class PinWrong(CardStatusError):
    show_sw = False

    def __init__(self, tries_left):
        super().__init__(0x63C0 | tries_left, "Code PIN faux, %d essai(s) restant(s)" % tries_left)
        self.tries_left = tries_left


class PinBlocked(CardStatusError):
    show_sw = False
    message = "Code PIN bloque"

    def __init__(self, sw=profile.SW_PIN_BLOCKED):
        super().__init__(sw)


class AuthenticationFailed(CardStatusError):
    show_sw = False
    message = "Authentification refusee par la carte"


class ConditionsNotSatisfied(CardStatusError):
    show_sw = False
    message = "Operation refusee par la carte"


class FileNotFound(CardStatusError):
    show_sw = False
    message = "Donnee absente de la carte"


class RecordNotFound(CardStatusError):
    show_sw = False
    message = "Enregistrement absent de la carte"


class KeyNotFound(CardStatusError):
    show_sw = False
    message = "Pas de cle de signature sur la carte"


class FileFull(CardStatusError):
    show_sw = False
    message = "Memoire de la carte pleine"


class WrongCommand(CardStatusError):
    """Wrong length, parameters, data, class or instruction: the card does not speak our
    profile (or the terminal has a bug)."""

    message = "Commande refusee par la carte"


# ---------------------------------------------------------------- what the card holds


class MalformedCardData(CardLayerError):
    """A response or a file the card layer refuses: bad TLV, bad field, too long."""

    def __init__(self, what="donnees"):
        super().__init__("Carte illisible (%s)." % what)
        self.what = what


class NotAVitaleCard(CardLayerError):
    message = "Ce n'est pas une carte Vitale."


class NotACpsCard(CardLayerError):
    message = "Ce n'est pas une carte CPS."


class WrongSlot(CardLayerError):
    """A Vitale card in the CPS slot, or a CPS in the Vitale slot."""

    def __init__(self, card, slot):
        super().__init__(
            "Carte %s dans le lecteur %s." % ("CPS" if card == "cps" else "Vitale", slot)
        )
        self.card = card
        self.slot = slot


class CardExpired(CardLayerError):
    """Outside the card's validity period (dates YYYYMMDD)."""

    def __init__(self, valid_from, valid_until, today):
        if today < valid_from:
            text = "Carte pas encore valide."
        else:
            text = "Carte expiree le %s." % dates.french(dates.ymd_tuple(valid_until))
        super().__init__(text)
        self.valid_from = valid_from
        self.valid_until = valid_until


class RightsExpired(CardLayerError):
    def __init__(self, rank=0):
        super().__init__(
            "Droits expires pour le beneficiaire %d." % rank if rank else "Droits expires."
        )
        self.rank = rank


class CardOpposed(CardLayerError):
    message = "Carte en opposition: refusee."  # R161-33-7


class CpsNotVerified(CardLayerError):
    """Restricted Vitale data asked without a CPS whose PIN is verified in the other slot:
    refused by the terminal before the card is even asked (R161-33-2)."""

    message = "Carte CPS non verifiee: lecture refusee."


class NotSupported(CardLayerError):
    """The card has no public function for what was asked (a real CPS3 or Vitale 2 card
    with one of tla's own test cards: docs/cards.md "Real cards")."""

    message = "Operation impossible avec cette carte."


class CopiesRefused(CardLayerError):
    """The holder objects to copies of sheets on the card (R161-33-1 2° d)."""

    message = "L'assure refuse les copies de feuilles."


# ---------------------------------------------------------------- status words


_BY_SW = {
    profile.SW_SECURITY: SecurityStatusNotSatisfied,
    profile.SW_PIN_BLOCKED: PinBlocked,
    profile.SW_AUTH_FAILED: AuthenticationFailed,
    profile.SW_CONDITIONS: ConditionsNotSatisfied,
    profile.SW_NO_CURRENT_EF: ConditionsNotSatisfied,
    profile.SW_LAST_EXPECTED: ConditionsNotSatisfied,
    profile.SW_FILE_NOT_FOUND: FileNotFound,
    profile.SW_RECORD_NOT_FOUND: RecordNotFound,
    profile.SW_REF_NOT_FOUND: KeyNotFound,
    profile.SW_FILE_FULL: FileFull,
    profile.SW_WRONG_LENGTH: WrongCommand,
    profile.SW_INCOMPATIBLE: WrongCommand,
    profile.SW_WRONG_DATA: WrongCommand,
    profile.SW_NOT_SUPPORTED: WrongCommand,
    profile.SW_WRONG_P1P2: WrongCommand,
    profile.SW_WRONG_OFFSET: WrongCommand,
    profile.SW_INS_NOT_SUPPORTED: WrongCommand,
    profile.SW_CLA_NOT_SUPPORTED: WrongCommand,
}


def error_for(sw):
    """The typed error for a status word that is not a success."""
    if sw >> 8 == profile.SW1_PIN_WRONG and sw & 0xF0 == 0xC0:
        tries = sw & 0x0F
        return PinBlocked(sw) if tries == 0 else PinWrong(tries)
    cls = _BY_SW.get(sw)
    if cls is None:
        return CardStatusError(sw)
    return cls(sw)


def check_sw(sw):
    """Raise the typed error of `sw` unless it is 9000 (or 6282, end of file, a short read)."""
    if sw != profile.SW_OK and sw != profile.SW_EOF:
        raise error_for(sw)
