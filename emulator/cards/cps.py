"""The virtual CPS card: tla's CPS profile over the ISO 7816-4 card of iso7816.py. A 4-digit
PIN with 3 tries (the counter survives power cycles of the card object, as on a real card),
then blocked; signing and INTERNAL AUTHENTICATE only after a correct VERIFY.
"""

import hashlib

from emulator.cards import pki
from emulator.cards.iso7816 import CardStatus, SigningCard
from firmware.cards import fields, profile, tlv

F = fields.encode


def identity_bytes(d) -> bytes:
    body = F(profile.TAG_SERIAL, d["serial"])
    body += F(profile.TAG_CARD_FROM, d["valid_from"]) + F(profile.TAG_CARD_UNTIL, d["valid_until"])
    body += F(profile.TAG_HOLDER_ID, d["holder_id"]) + F(profile.TAG_USAGE_NAME, d["usage_name"])
    for name in d["first_names"]:
        body += F(profile.TAG_FIRST_NAME, name)
    body += F(profile.TAG_PROFESSION, d["profession"]) + F(profile.TAG_SPECIALTY, d["specialty"])
    return tlv.encode(profile.TAG_CPS_IDENTITY, body)


def situation_bytes(rank, s) -> bytes:
    body = F(profile.TAG_RANK, rank) + F(profile.TAG_BILLING, s["billing"])
    body += F(profile.TAG_PLACE, s["place"])
    return tlv.encode(profile.TAG_SITUATION, body)


class VirtualCps(SigningCard):
    kind = "cps"
    aid = profile.CPS_AID
    historical = profile.CPS_HISTORICAL

    def __init__(self, data, pki_: pki.TestPki, t0=False, seed=0):
        super().__init__(t0=t0, seed=seed)
        self.data = data
        self._pin = data["pin"].encode()
        self.tries_left = data.get("tries_left", profile.PIN_TRIES)
        contents = self.issue_key(
            pki_,
            "CPS",
            "cps/" + data["serial"],
            "%s %s" % (data["usage_name"], data["first_names"][0]),
            data["holder_id"],
            (data["valid_from"], data["valid_until"]),
        )
        contents[profile.EF_CPS_IDENTITY] = identity_bytes(data)
        contents[profile.EF_CPS_SITUATIONS] = [
            situation_bytes(i + 1, s) for i, s in enumerate(data["situations"])
        ]
        self.add_files("cps", contents)

    def __repr__(self):
        return "VirtualCps(%s, tries_left=%d)" % (self.data["serial"], self.tries_left)

    @property
    def serial(self):
        return self.data["serial"]

    def reset_security(self):
        super().reset_security()
        self.verified = False

    def may_sign(self):
        return self.verified

    def allowed(self, condition):
        if condition == profile.AC_PIN:
            return self.verified
        return super().allowed(condition)

    def handlers(self):
        h = super().handlers()
        h[profile.INS_VERIFY] = self.verify
        h[profile.INS_PSO] = self.pso
        h[profile.INS_INTERNAL_AUTHENTICATE] = self.internal_authenticate
        return h

    def verify(self, cmd):
        return check_pin(self, cmd, profile.PIN_REF)

    def pso(self, cmd):
        if (cmd.p1, cmd.p2) != profile.PSO_SIGN:
            raise CardStatus(profile.SW_WRONG_P1P2)
        return self.compute_signature(cmd)

    def internal_authenticate(self, cmd):
        if cmd.p1 != 0 or cmd.p2 != profile.KEY_SIGN:
            raise CardStatus(profile.SW_WRONG_P1P2)
        if not self.verified:
            raise CardStatus(profile.SW_SECURITY)
        if not 1 <= len(cmd.data) <= 64:
            raise CardStatus(profile.SW_WRONG_LENGTH)
        return self.sign(hashlib.sha256(profile.AUTH_PREFIX + cmd.data).digest())


def check_pin(card, cmd, pin_ref):
    """VERIFY on a virtual CPS (tla's or a CPS3): the PIN state without data, 63Cx a wrong
    PIN, 6983 once blocked; the counter (`tries_left`) lives in the card object."""
    if cmd.p1 != 0 or cmd.p2 != pin_ref:
        raise CardStatus(profile.SW_WRONG_P1P2)
    if card.tries_left == 0:
        raise CardStatus(profile.SW_PIN_BLOCKED)
    if not cmd.data:
        # No PIN sent: tell the state (verified, or tries left).
        if card.verified:
            return b""
        raise CardStatus(0x63C0 | card.tries_left)
    if len(cmd.data) != profile.PIN_LENGTH or not cmd.data.isdigit():
        raise CardStatus(profile.SW_WRONG_DATA)
    if cmd.data != card._pin:
        card.verified = False
        card.tries_left -= 1
        if card.tries_left == 0:
            raise CardStatus(profile.SW_PIN_BLOCKED)
        raise CardStatus(0x63C0 | card.tries_left)
    card.tries_left = profile.PIN_TRIES
    card.verified = True
    return b""
