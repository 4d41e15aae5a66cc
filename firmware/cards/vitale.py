"""The Vitale card application (R161-33-1): identity, beneficiaries and their rights, and the
restricted data (exemptions, sheet copies) that only a verified CPS may open (R161-33-2).

`VitaleApp` speaks to the card in one slot and returns plain objects (no dataclasses). It
refuses restricted reads itself, before any APDU, unless a CpsApp with a verified PIN sits
in the other slot; it then proves that CPS's presence to the card (docs/cards.md).
"""

from firmware.cards import fields, profile, tlv
from firmware.cards.apdu import Channel
from firmware.cards.errors import (
    CardExpired,
    CardOpposed,
    CopiesRefused,
    CpsNotVerified,
    FileNotFound,
    MalformedCardData,
    NotAVitaleCard,
    RightsExpired,
    WrongSlot,
)


class Cover:
    """Complementary cover of a beneficiary, kept only with the holder's consent."""

    def __init__(self, organisation, valid_from, valid_until):
        self.organisation = organisation
        self.valid_from = valid_from
        self.valid_until = valid_until


class Beneficiary:
    """A person the card covers: the holder (rank 1) or a dependant; twins share a birth date
    and differ by rank."""

    def __init__(self, f):
        self.rank = f.get(profile.TAG_RANK)
        self.quality = f.get(profile.TAG_QUALITY)
        self.nir = f.get(profile.TAG_NIR, False) or ""
        self.birth_name = f.get(profile.TAG_BIRTH_NAME, False) or ""
        self.usage_name = f.get(profile.TAG_USAGE_NAME)
        self.first_names = f.all(profile.TAG_FIRST_NAME)
        if not self.first_names or not 1 <= self.rank <= profile.MAX_BENEFICIARIES:
            raise MalformedCardData("beneficiaire")
        self.birth_date = f.get(profile.TAG_BIRTH_DATE)
        self.fund = f.get(profile.TAG_FUND)
        self.rights_from = f.get(profile.TAG_FROM)
        self.rights_until = f.get(profile.TAG_UNTIL)
        self.cover = None
        self.cover_consent = False
        cover = f.get(profile.TAG_COVER, False)
        if cover is not None:
            c = fields.Fields(tlv.parse(cover))
            self.cover_consent = c.get(profile.TAG_CONSENT)
            if self.cover_consent:
                self.cover = Cover(
                    c.get(profile.TAG_ORGANISATION),
                    c.get(profile.TAG_FROM),
                    c.get(profile.TAG_UNTIL),
                )

    def name(self):
        return "%s %s" % (self.usage_name, self.first_names[0])

    def rights_valid(self, today):
        """Rights to the basic scheme at the date `today` (YYYYMMDD)."""
        return self.rights_from <= today <= self.rights_until


class Exemption:
    """A co-payment exemption of one beneficiary (restricted data, R161-33-2)."""

    def __init__(self, f):
        self.rank = f.get(profile.TAG_RANK)
        self.code = f.get(profile.TAG_EXEMPTION_CODE)
        self.legal_ref = f.get(profile.TAG_LEGAL_REF)
        self.valid_from = f.get(profile.TAG_FROM)
        self.valid_until = f.get(profile.TAG_UNTIL)

    def active(self, today):
        return self.valid_from <= today <= self.valid_until


class VitaleCard:
    """What was read from a Vitale card. `exemptions` stays None until read with a CPS."""

    signs_by_reading = False  # a Vitale 2 does (vitale2.py)
    writes_copies = True  # the copy file of tla's profile (2005)

    def __init__(self, f):
        self.issuer = f.get(profile.TAG_ISSUER)
        self.serial = f.get(profile.TAG_SERIAL)
        self.valid_from = f.get(profile.TAG_CARD_FROM)
        self.valid_until = f.get(profile.TAG_CARD_UNTIL)
        self.nir = f.get(profile.TAG_NIR)
        self.birth_name = f.get(profile.TAG_BIRTH_NAME, False) or ""
        self.usage_name = f.get(profile.TAG_USAGE_NAME)
        self.first_names = f.all(profile.TAG_FIRST_NAME)
        if not self.first_names:
            raise MalformedCardData("prenom")
        self.birth_date = f.get(profile.TAG_BIRTH_DATE)
        self.objects_to_copies = f.get(profile.TAG_OBJECTS_COPIES)
        self.beneficiaries = []
        self.cert_id = None  # None: the card has no signature key (like a Vitale 1)
        self.exemptions = None

    def beneficiary(self, rank):
        for b in self.beneficiaries:
            if b.rank == rank:
                return b
        return None

    def check_rights(self, rank, today):
        """The beneficiary `rank` if its rights are open at `today`, else RightsExpired."""
        b = self.beneficiary(rank)
        if b is None or not b.rights_valid(today):
            raise RightsExpired(rank)
        return b

    def summary(self):
        """What the terminal may report to a bench: no NIR, no exemption details."""
        return {
            "card": "vitale",
            "serial": self.serial,
            "ranks": [b.rank for b in self.beneficiaries],
            "signature_key": self.cert_id is not None,
            "exemptions": None if self.exemptions is None else len(self.exemptions),
            "cover": [b.rank for b in self.beneficiaries if b.cover is not None],
        }


def check_validity(valid_from, valid_until, today):
    """CardExpired unless `today` lies in the card's validity period."""
    if not valid_from <= today <= valid_until:
        raise CardExpired(valid_from, valid_until, today)


class VitaleApp:
    """The Vitale application of the card in `slot`."""

    kind = "vitale"

    def __init__(self, slot):
        self.slot = slot
        self.channel = Channel(slot)
        self.cps_proven = None  # the CpsApp whose presence the card accepted

    def open(self, atr=None):
        """Power the card (unless `atr` says it is powered) and select the Vitale
        application; WrongSlot for a CPS card, NotAVitaleCard for anything else. Returns
        the ATR."""
        self.cps_proven = None
        if atr is None:
            atr = self.slot.power_on()
        if self.channel.select_aid(profile.VITALE_AID) == profile.SW_OK:
            return atr
        if self.channel.select_aid(profile.CPS_AID) == profile.SW_OK:
            raise WrongSlot("cps", "Vitale")
        raise NotAVitaleCard()

    def read(self, today, opposition):
        """Identity, checks (validity, opposition list R161-33-7), beneficiaries and the
        certificate id. Refusals raise before the beneficiaries are read."""
        card = VitaleCard(
            fields.template(
                self.channel.read_tlv_file(profile.EF_VITALE_IDENTITY, profile.MAX_IDENTITY_BYTES),
                profile.TAG_VITALE_IDENTITY,
                profile.MAX_IDENTITY_BYTES,
            )
        )
        if opposition.contains(card.serial):
            raise CardOpposed()
        check_validity(card.valid_from, card.valid_until, today)
        for record in self.channel.read_records(
            profile.EF_VITALE_BENEFICIARIES, profile.MAX_BENEFICIARIES, 200
        ):
            b = Beneficiary(fields.template(record, profile.TAG_BENEFICIARY, 200))
            if card.beneficiary(b.rank) is not None:
                raise MalformedCardData("rang")
            card.beneficiaries.append(b)
        if card.beneficiary(1) is None:
            raise MalformedCardData("beneficiaires")
        card.cert_id = self.read_cert_id()
        return card

    def read_cert_id(self):
        """The certificate id (8 bytes), or None when the card has no signature key."""
        try:
            return self.channel.read_fixed_file(profile.EF_CERT_ID, profile.CERT_ID_LENGTH)
        except FileNotFound:
            return None

    def read_certificate(self):
        return self.channel.read_tlv_file(profile.EF_CERTIFICATE, profile.MAX_CERT_BYTES)

    # ------------------------------------------------------------ restricted (R161-33-2)

    def prove_cps(self, cps):
        """Prove to the card that `cps` (PIN verified, in its slot) is present: the card's
        challenge is signed by the CPS, whose certificate the card checks against the root.
        CpsNotVerified, before any APDU, when the CPS cannot do it."""
        if cps is None or not cps.ready():
            self.cps_proven = None
            raise CpsNotVerified()
        if self.cps_proven is cps:
            return
        ch = self.channel
        challenge = ch.command(
            profile.CLA, profile.INS_GET_CHALLENGE, 0, 0, None, profile.CHALLENGE_LENGTH
        )
        if len(challenge) != profile.CHALLENGE_LENGTH:
            raise MalformedCardData("defi")
        signature = cps.authenticate(challenge)
        ch.chained(
            profile.INS_PSO, profile.PSO_VERIFY_CERT[0], profile.PSO_VERIFY_CERT[1], cps.cert
        )
        ch.command(profile.CLA, profile.INS_EXTERNAL_AUTHENTICATE, 0, profile.KEY_CPS, signature)
        self.cps_proven = cps

    def read_exemptions(self, card, cps):
        """The co-payment exemptions, into `card.exemptions` (and returned)."""
        self.prove_cps(cps)
        out = []
        for record in self.channel.read_records(
            profile.EF_VITALE_EXEMPTIONS, profile.MAX_EXEMPTIONS, 64
        ):
            out.append(Exemption(fields.template(record, profile.TAG_EXEMPTION, 64)))
        card.exemptions = out
        return out

    def read_copies(self, cps):
        """The sheet copies on the card, most recent first (opaque bytes)."""
        self.prove_cps(cps)
        return self.channel.read_records(
            profile.EF_VITALE_COPIES, profile.COPY_RECORDS, profile.MAX_COPY_BYTES
        )

    def write_copy(self, card, sheet, cps):
        """Append a copy of a new sheet to the card's cyclic file, unless the holder objects
        (R161-33-1 2° d); the oldest copy leaves the card."""
        if card.objects_to_copies:
            raise CopiesRefused()
        if len(sheet) > profile.MAX_COPY_BYTES:
            raise ValueError("a sheet copy is at most %d bytes" % profile.MAX_COPY_BYTES)
        self.prove_cps(cps)
        self.channel.select_file(profile.EF_VITALE_COPIES)
        # A sheet longer than a short APDU's 255 bytes goes in blocks (command chaining).
        self.channel.chained(profile.INS_APPEND_RECORD, 0, 0, sheet)

    def sign(self, digest, cps):
        """The card's signature (64 bytes r||s) of a SHA-256 digest, with both cards present
        (R161-43). KeyNotFound for a card without a signature key."""
        self.prove_cps(cps)
        return self.channel.sign(digest)
