"""The CPS card application: the professional's identity, practice situations, PIN (4 digits,
3 tries then blocked) and signature key, usable only once the PIN is verified.

`CpsApp` speaks to the card in one slot; `CpsCard` is what it read. The PIN is never kept:
`verify` takes it in a bytearray and wipes it, whatever the card answers.
"""

from firmware.cards import fields, profile
from firmware.cards.apdu import Channel
from firmware.cards.errors import (
    CpsNotVerified,
    MalformedCardData,
    NotACpsCard,
    PinBlocked,
    PinWrong,
    WrongSlot,
)


class Situation:
    """A practice situation (situation d'exercice, R161-42 2°): billing number and place."""

    def __init__(self, f):
        self.rank = f.get(profile.TAG_RANK)
        self.billing = f.get(profile.TAG_BILLING)
        self.place = f.get(profile.TAG_PLACE)


class CpsCard:
    """What was read from a CPS card."""

    def __init__(self, f):
        self.serial = f.get(profile.TAG_SERIAL)
        self.valid_from = f.get(profile.TAG_CARD_FROM)
        self.valid_until = f.get(profile.TAG_CARD_UNTIL)
        self.holder_id = f.get(profile.TAG_HOLDER_ID)
        if not fields.luhn_valid(self.holder_id):
            raise MalformedCardData("identifiant")
        self.usage_name = f.get(profile.TAG_USAGE_NAME)
        self.first_names = f.all(profile.TAG_FIRST_NAME)
        if not self.first_names:
            raise MalformedCardData("prenom")
        self.profession = f.get(profile.TAG_PROFESSION)
        self.specialty = f.get(profile.TAG_SPECIALTY)
        self.situations = []
        self.cert_id = b""

    def name(self):
        return "%s %s" % (self.usage_name, self.first_names[0])

    def profession_name(self):
        return profile.PROFESSIONS.get(self.profession, "Profession " + self.profession)

    def summary(self):
        return {
            "card": "cps",
            "serial": self.serial,
            "holder": self.holder_id,
            "profession": self.profession,
            "situations": len(self.situations),
        }


def _wipe(buf):
    for i in range(len(buf)):
        buf[i] = 0


class CpsApp:
    """The CPS application of the card in `slot`. `verified` stays True until `forget()`
    (or a new `open()`): the card itself forgets when it loses power."""

    kind = "cps"
    alg = -7  # bundle.ES256: ECDSA P-256, 64 bytes r || s
    proves_presence = True  # INTERNAL AUTHENTICATE for a tla Vitale card (docs/cards.md)
    pin_ref = profile.PIN_REF

    def __init__(self, slot):
        self.slot = slot
        self.channel = Channel(slot)
        self.verified = False
        self.card = None
        self.cert = b""  # X.509 DER, read for proving the CPS's presence to a Vitale card

    def open(self, atr=None):
        """Power the card (unless `atr` says it is powered) and select the CPS
        application; WrongSlot for a Vitale card, NotACpsCard for anything else. Returns
        the ATR."""
        if atr is None:
            self.forget()
            atr = self.slot.power_on()
        else:
            self.verified = False
            self.card = None
            self.cert = b""
        if self.channel.select_aid(profile.CPS_AID) == profile.SW_OK:
            return atr
        if self.channel.select_aid(profile.VITALE_AID) == profile.SW_OK:
            raise WrongSlot("vitale", "CPS")
        raise NotACpsCard()

    def read(self):
        """Identity, practice situations, certificate id and certificate."""
        card = CpsCard(
            fields.template(
                self.channel.read_tlv_file(profile.EF_CPS_IDENTITY, profile.MAX_IDENTITY_BYTES),
                profile.TAG_CPS_IDENTITY,
                profile.MAX_IDENTITY_BYTES,
            )
        )
        for record in self.channel.read_records(
            profile.EF_CPS_SITUATIONS, profile.MAX_SITUATIONS, 120
        ):
            card.situations.append(Situation(fields.template(record, profile.TAG_SITUATION, 120)))
        if not card.situations:
            raise MalformedCardData("situations")
        card.cert_id = self.channel.read_fixed_file(profile.EF_CERT_ID, profile.CERT_ID_LENGTH)
        self.cert = self.channel.read_tlv_file(profile.EF_CERTIFICATE, profile.MAX_CERT_BYTES)
        self.card = card
        return card

    def tries_left(self):
        """PIN tries left before the card blocks (0 when already verified); PinBlocked."""
        _, sw = self.channel.exchange(profile.CLA, profile.INS_VERIFY, 0, self.pin_ref)
        if sw == profile.SW_OK:
            return 0
        if sw >> 8 == profile.SW1_PIN_WRONG and sw & 0xF0 == 0xC0 and sw & 0x0F:
            return sw & 0x0F
        if sw == profile.SW_PIN_BLOCKED or sw == 0x63C0:
            raise PinBlocked(sw)
        raise MalformedCardData("compteur PIN")

    def verify(self, pin):
        """Present the PIN (a bytearray of ASCII digits, wiped here in every case).
        PinWrong(tries_left) or PinBlocked when refused."""
        try:
            if len(pin) != profile.PIN_LENGTH:
                raise ValueError("the PIN has %d digits" % profile.PIN_LENGTH)
            self.channel.command(profile.CLA, profile.INS_VERIFY, 0, self.pin_ref, pin)
        except PinWrong:
            self.verified = False
            raise
        finally:
            _wipe(pin)
        self.verified = True

    def certificate(self):
        """The card's certificate (X.509 DER), read with the card."""
        return self.cert

    def certificate_stored(self):
        """The terminal's certificate store holds the certificate (tla's CPS keeps its
        copy: it proves its presence to tla's Vitale cards with it)."""

    def ready(self):
        """True while the PIN is verified and the card is still in its slot."""
        return self.verified and self.slot.present()

    def authenticate(self, challenge):
        """INTERNAL AUTHENTICATE: the card's signature of SHA-256(AUTH_PREFIX + challenge)."""
        if not self.ready():
            raise CpsNotVerified()
        signature = self.channel.command(
            profile.CLA, profile.INS_INTERNAL_AUTHENTICATE, 0, profile.KEY_SIGN, challenge, 0
        )
        if len(signature) != profile.SIGNATURE_LENGTH:
            raise MalformedCardData("signature")
        return signature

    def sign(self, digest):
        """The CPS's signature (64 bytes r||s) of a SHA-256 digest; only after the PIN."""
        if not self.ready():
            raise CpsNotVerified()
        return self.channel.sign(digest)

    def forget(self):
        """Drop the verification: the card is powered off, so it forgets too."""
        self.verified = False
        self.card = None
        self.cert = b""
        try:
            self.slot.power_off()
        except Exception:
            pass
