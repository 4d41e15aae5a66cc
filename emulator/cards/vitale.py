"""The virtual Vitale card: tla's Vitale profile (firmware/cards/profile.py) over the ISO
7816-4 card of iso7816.py, built from a fixture's data.

Restricted files (exemptions, sheet copies) and signing open only after a CPS proved its
presence: GET CHALLENGE, PSO VERIFY CERTIFICATE (a CPS certificate of the test root), then
EXTERNAL AUTHENTICATE with that CPS's signature of the challenge (docs/cards.md).
"""

import hashlib

from emulator.cards import pki
from emulator.cards.iso7816 import CardStatus, SigningCard
from firmware.cards import fields, profile, tlv

F = fields.encode


def _person(d) -> bytes:
    """NIR (when the person has one), names and birth date of a holder or beneficiary."""
    body = F(profile.TAG_NIR, d["nir"]) if d.get("nir") else b""
    if d.get("birth_name"):
        body += F(profile.TAG_BIRTH_NAME, d["birth_name"])
    body += F(profile.TAG_USAGE_NAME, d["usage_name"])
    for name in d["first_names"]:
        body += F(profile.TAG_FIRST_NAME, name)
    return body + F(profile.TAG_BIRTH_DATE, d["birth_date"])


def identity_bytes(d) -> bytes:
    """The identity file of a Vitale fixture `d` (a dict, see fixtures.py)."""
    body = F(profile.TAG_ISSUER, d["issuer"]) + F(profile.TAG_SERIAL, d["serial"])
    body += F(profile.TAG_CARD_FROM, d["valid_from"]) + F(profile.TAG_CARD_UNTIL, d["valid_until"])
    body += _person(d) + F(profile.TAG_OBJECTS_COPIES, d.get("objects_to_copies", False))
    return tlv.encode(profile.TAG_VITALE_IDENTITY, body)


def beneficiary_bytes(b) -> bytes:
    body = F(profile.TAG_RANK, b["rank"]) + F(profile.TAG_QUALITY, b["quality"]) + _person(b)
    body += F(profile.TAG_FUND, b["fund"])
    body += F(profile.TAG_FROM, b["rights"][0]) + F(profile.TAG_UNTIL, b["rights"][1])
    cover = b.get("cover")
    if cover:
        inner = F(profile.TAG_ORGANISATION, cover["organisation"])
        inner += F(profile.TAG_FROM, cover["valid"][0]) + F(profile.TAG_UNTIL, cover["valid"][1])
        inner += F(profile.TAG_CONSENT, cover["consent"])
        body += tlv.encode(profile.TAG_COVER, inner)
    return tlv.encode(profile.TAG_BENEFICIARY, body)


def exemption_bytes(e) -> bytes:
    body = F(profile.TAG_RANK, e["rank"]) + F(profile.TAG_EXEMPTION_CODE, e["code"])
    body += F(profile.TAG_LEGAL_REF, e["legal_ref"])
    body += F(profile.TAG_FROM, e["valid"][0]) + F(profile.TAG_UNTIL, e["valid"][1])
    return tlv.encode(profile.TAG_EXEMPTION, body)


class VirtualVitale(SigningCard):
    kind = "vitale"
    aid = profile.VITALE_AID
    historical = profile.VITALE_HISTORICAL

    def __init__(self, data, pki_: pki.TestPki, t0=False, seed=0):
        """`data`: a fixture dict (fixtures.py); `pki_`: the root that issued the CPS
        certificates this card accepts, and its own certificate when `data["key"]`."""
        super().__init__(t0=t0, seed=seed)
        self.data = data
        self.pki = pki_
        self.objects_to_copies = bool(data.get("objects_to_copies"))
        contents = {
            profile.EF_VITALE_IDENTITY: identity_bytes(data),
            profile.EF_VITALE_BENEFICIARIES: [beneficiary_bytes(b) for b in data["beneficiaries"]],
            profile.EF_VITALE_EXEMPTIONS: [exemption_bytes(e) for e in data.get("exemptions", ())],
            profile.EF_VITALE_COPIES: list(data.get("copies", ())),
        }
        if data.get("key", True):
            contents.update(
                self.issue_key(
                    pki_,
                    "Vitale",
                    "vitale/" + data["serial"],
                    data.get("certificate_name")
                    or "%s %s" % (data["usage_name"], data["first_names"][0]),
                    data["serial"],
                    (data["valid_from"], data["valid_until"]),
                    data["nir"],
                )
            )
        self.add_files("vitale", contents)

    @property
    def serial(self):
        return self.data["serial"]

    def copies(self):
        """The sheet copies on the card, most recent first (tests)."""
        return list(self.files[profile.EF_VITALE_COPIES].records)

    # ------------------------------------------------------------ security

    def reset_security(self):
        super().reset_security()
        self.cps_key = None  # public key from a verified CPS certificate
        self.cps_present = False

    def may_sign(self):
        return self.cps_present  # both cards present at signing (R161-43)

    def allowed(self, condition):
        if condition == profile.AC_CPS:
            return self.cps_present
        return super().allowed(condition)

    def check_write(self, ef, data):
        if ef.fid == profile.EF_VITALE_COPIES and self.objects_to_copies:
            raise CardStatus(profile.SW_CONDITIONS)  # the holder objects (R161-33-1 2° d)

    def handlers(self):
        h = super().handlers()
        h[profile.INS_PSO] = self.pso
        h[profile.INS_EXTERNAL_AUTHENTICATE] = self.external_authenticate
        return h

    def get_challenge(self, cmd):
        self.cps_key = None
        return super().get_challenge(cmd)

    def pso(self, cmd):
        if (cmd.p1, cmd.p2) == profile.PSO_VERIFY_CERT:
            if self.challenge is None:
                raise CardStatus(profile.SW_CONDITIONS)
            key = self.pki.verify_issued(cmd.data, "CPS")
            if key is None:
                raise CardStatus(profile.SW_WRONG_DATA)
            self.cps_key = key
            return b""
        if (cmd.p1, cmd.p2) == profile.PSO_SIGN:
            return self.compute_signature(cmd)
        raise CardStatus(profile.SW_WRONG_P1P2)

    def external_authenticate(self, cmd):
        if cmd.p1 != 0 or cmd.p2 != profile.KEY_CPS:
            raise CardStatus(profile.SW_WRONG_P1P2)
        challenge, key = self.challenge, self.cps_key
        self.challenge = None  # one try per challenge
        self.cps_key = None
        if challenge is None or key is None:
            raise CardStatus(profile.SW_CONDITIONS)
        digest = hashlib.sha256(profile.AUTH_PREFIX + challenge).digest()
        if not pki.verify_digest(key, digest, cmd.data):
            self.cps_present = False
            raise CardStatus(profile.SW_AUTH_FAILED)
        self.cps_present = True
