"""The real Carte Vitale 2, read as the public sources describe it (cardpeek's
dot_cardpeek_dir/scripts/vitale_2.lua, docs/cards.md "Real cards"): the application
"VITALE", its pointer file EF 2001 naming the data files, the beneficiaries (tag 65), the
card (tag 66) and its card-verifiable certificate (tag 7F21); the card's serial is the PAN
of the "MF_VITALE" application (EF 2F02).

What is not public is not read: rights, fund, exemptions, complementary cover and the copy
file; and the card has no public signing function, so it signs by being read (R161-43):
the sheet says so and names the card's serial and its certificate as read.
"""

from firmware.cards import cvc, fields, profile, tlv
from firmware.cards.apdu import Channel
from firmware.cards.errors import (
    CardExpired,
    CardOpposed,
    FileNotFound,
    MalformedCardData,
    NotAVitaleCard,
    NotSupported,
    WrongSlot,
    check_sw,
)
from firmware.cards.vitale import Beneficiary, VitaleCard
from protocol import bundle
from protocol.ascii import is_digits

MF_VITALE_AID = b"\xd2\x50\x00\x00\x02\x4d\x46\x5f\x56\x49\x54\x41\x4c\x45"  # vitale_2.lua:67
EF_POINTERS = 0x2001  # vitale_2.lua:80 (in the VITALE application)
EF_PAN = 0x2F02  # vitale_2.lua:112 (in MF_VITALE)
SELECT_FCI = 0x00  # P2 of cardpeek's SELECT: first occurrence, FCI (lib/apdu.lua:156)
TAG_POINTERS = 0xE0  # vitale_2.lua:88
TAG_APPLICATIONS = 0xA0  # vitale_2.lua:89
TAG_APPLICATION = 0x82  # entry number (2 bytes), 2 bytes, AID (vitale_2.lua:93-96)
TAG_FILE = 0x80  # name (8), entry number (2), file id (2) (vitale_2.lua:101-105)
TAG_BENEFICIARY = 0x65  # vitale_2.lua:35-40
TAG_CARD = 0x66  # vitale_2.lua:41-42
TAG_PAN = 0x5A  # the PAN's BER-TLV tag (ISO 7816-6), BCD digits padded with F
# Inside 65: 90 nationality, 93 NIR, 80 name, 81 first name, 82 birth date (ASCII
# YYYYMMDD); inside 66: 80 start of validity (vitale_2.lua:36-42).
B_NIR, B_NAME, B_FIRST, B_BIRTH, C_FROM = 0x93, 0x80, 0x81, 0x82, 0x80
MAX_APPLICATIONS = 4
MAX_FILES = 16
MAX_BENEFICIARIES = profile.MAX_BENEFICIARIES
MAX_FILE_BYTES = 1024  # a data file, read in 256-byte blocks
BLOCK = 256  # vitale_2.lua:56: READ BINARY until a block is shorter or refused


class Vitale2Beneficiary(Beneficiary):
    """A beneficiary of a Vitale 2 (tag 65), ranked in the order of the card. Its fund and
    rights are not on the public part of the card: `fund` is None until the professional
    types it, the rights are not checked (the fund checks them)."""

    def __init__(self, rank, nir, usage_name, first_name, birth_date):
        self.rank = rank
        self.quality = profile.QUALITY_HOLDER if rank == 1 else 9
        self.nir = nir
        self.birth_name = ""
        self.usage_name = usage_name
        self.first_names = [first_name]
        self.birth_date = birth_date
        self.fund = None
        self.rights_from = None
        self.rights_until = None
        self.cover = None
        self.cover_consent = False

    def rights_valid(self, today):
        return True  # not on the public part of the card: not checked offline


class Vitale2Card(VitaleCard):
    """What was read from a Vitale 2. It signs by being read: `cert` is its certificate as
    read (tag 7F21), `cert_id` that certificate's id."""

    signs_by_reading = True
    writes_copies = False

    def __init__(self, serial, valid_from, holder, cert):
        self.issuer = ""
        self.serial = serial
        self.valid_from = valid_from
        self.valid_until = None  # the card's end of validity is not public
        self.nir = holder.nir
        self.birth_name = ""
        self.usage_name = holder.usage_name
        self.first_names = holder.first_names
        self.birth_date = holder.birth_date
        self.objects_to_copies = False
        self.beneficiaries = [holder]
        self.cert = cert
        self.cert_id = bundle.cert_id(cert)
        self.exemptions = []  # not public: none read


def _text(value, what, lo=1, hi=40):
    if not lo <= len(value) <= hi:
        raise MalformedCardData(what)
    for b in value:
        if b < 0x20 or b > 0x7E:
            raise MalformedCardData(what)
    text = bytes(value).decode()
    if text.strip() != text:
        raise MalformedCardData(what)
    return text


def ascii_date(value, what):
    """An ASCII date YYYYMMDD (vitale_2.lua:24-32) as an int, a real date."""
    text = _text(value, what, 8, 8)
    if not is_digits(text):
        raise MalformedCardData(what)
    return fields.real_date(int(text), what)


def card_nir(value):
    """The NIR of tag 93: 15 characters with its key, or 13 (the key is then computed)."""
    text = _text(value, "nir", 13, 15)
    if len(text) == 13:
        dept = text[5:7]
        if not is_digits(text[:5] + text[7:]) or not (is_digits(dept) or dept in ("2A", "2B")):
            raise MalformedCardData("nir")
        text = "%s%02d" % (text, fields.nir_key(text))
    if not fields.nir_valid(text):
        raise MalformedCardData("nir")
    return text


def objects(data):
    """The BER-TLV objects of a data file, up to its padding (00 or FF bytes to the end,
    as a fixed-size file ends); a file that begins with padding holds none
    (vitale_2.lua:160)."""
    out = []
    pos, end = 0, len(data)
    while pos < end:
        if data[pos] in (0x00, 0xFF):
            for b in data[pos:]:
                if b not in (0x00, 0xFF):
                    raise MalformedCardData("TLV (octet de bourrage)")
            break
        if len(out) >= tlv.MAX_ITEMS:
            raise MalformedCardData("TLV (trop d'objets)")
        tag, n, start = tlv.read_header(data, pos, end)
        out.append((tag, bytes(data[start : start + n])))
        pos = start + n
    return out


def pointers(data):
    """({entry number: AID}, [(name, entry number, file id)]) of the pointer file EF 2001:
    E0 { A0 { 82 entries }, 80 entries } (vitale_2.lua:88-107)."""
    items = objects(data)
    if len(items) != 1 or items[0][0] != TAG_POINTERS:
        raise MalformedCardData("pointeurs")
    inner = tlv.parse(items[0][1])
    if not inner or inner[0][0] != TAG_APPLICATIONS:
        raise MalformedCardData("pointeurs")
    apps = {}
    for tag, value in tlv.parse(inner[0][1]):
        if tag != TAG_APPLICATION:
            continue
        if len(value) < 5 or len(value) > 20 or len(apps) >= MAX_APPLICATIONS:
            raise MalformedCardData("pointeurs")
        apps[(value[0] << 8) | value[1]] = bytes(value[4:])
    files = []
    for tag, value in inner[1:]:
        if tag != TAG_FILE:
            continue
        if len(value) != 12 or len(files) >= MAX_FILES:
            raise MalformedCardData("pointeurs")
        entry = (value[8] << 8) | value[9]
        if entry not in apps:
            raise MalformedCardData("pointeurs")
        name = _text(bytes(value[:8]).rstrip(b" \x00"), "pointeurs", 1, 8)  # 8, padded
        files.append((name, entry, (value[10] << 8) | value[11]))
    return apps, files


def pan_digits(data):
    """The card's serial: the BCD digits of the PAN (tag 5A) of EF 2F02, F-padded."""
    items = objects(data)
    if len(items) != 1 or items[0][0] != TAG_PAN or not 1 <= len(items[0][1]) <= 10:
        raise MalformedCardData("numero de carte")
    digits, padded = "", False
    for b in items[0][1]:
        for nibble in (b >> 4, b & 0x0F):
            if nibble == 0x0F:
                padded = True
                continue
            if nibble > 9 or padded:  # digits, then F to the end only
                raise MalformedCardData("numero de carte")
            digits += "0123456789"[nibble]
    if not digits or len(digits) > bundle.MAX_SERIAL:
        raise MalformedCardData("numero de carte")
    return digits


class Vitale2App:
    """The Vitale 2 in `slot` (chosen by its ATR: firmware/cards/choose.py)."""

    kind = "vitale"

    def __init__(self, slot):
        self.slot = slot
        self.channel = Channel(slot)
        self.cps_proven = None
        self.current = None  # the application selected last

    def _select_aid(self, aid):
        if self.current == aid:
            return True
        ok = self.channel.select_aid(aid, SELECT_FCI, 0) == profile.SW_OK
        self.current = aid if ok else None
        return ok

    def open(self, atr=None):
        """Select the VITALE application; WrongSlot for a CPS, NotAVitaleCard otherwise."""
        self.cps_proven = None
        self.current = None
        if atr is None:
            atr = self.slot.power_on()
        if self._select_aid(profile.VITALE_AID):
            return atr
        if self.channel.select_aid(profile.CPS_AID) == profile.SW_OK:
            raise WrongSlot("cps", "Vitale")
        raise NotAVitaleCard()

    def _read_file(self, fid, max_bytes):
        """The whole transparent file `fid`: 256-byte blocks until one is shorter, or the
        card says the end is passed (vitale_2.lua:48-63)."""
        self.channel.command(
            profile.CLA, profile.INS_SELECT, profile.SELECT_EF, SELECT_FCI,
            bytes((fid >> 8, fid & 0xFF)), 0,
        )  # fmt: skip
        blocks, got = [], 0
        while True:
            data, sw = self.channel.exchange(
                profile.CLA, profile.INS_READ_BINARY, got >> 8, got & 0xFF, None, 0
            )
            if sw != profile.SW_OK and sw != profile.SW_EOF:
                if got and sw == profile.SW_WRONG_OFFSET:
                    break  # the file ended on a block's end
                check_sw(sw)
            got += len(data)
            if got > max_bytes:
                raise MalformedCardData("fichier trop long")
            blocks.append(data)
            if len(data) != BLOCK or sw != profile.SW_OK:
                break
        return b"".join(blocks)

    def read(self, today, opposition):
        """Pointers, data files and serial; refusals (opposition, validity) before the
        beneficiaries are kept. MalformedCardData for a file that breaks the sources'
        layout, or that a pointer names but the card lacks."""
        apps, files = pointers(self._read_file(EF_POINTERS, 512))
        people, card_from, cert = [], None, None
        for entry in sorted(apps):
            for _name, at, fid in files:
                if at != entry:
                    continue
                if not self._select_aid(apps[entry]):
                    raise MalformedCardData("pointeur vers une application absente")
                try:
                    data = self._read_file(fid, MAX_FILE_BYTES)
                except FileNotFound:
                    raise MalformedCardData("pointeur vers un fichier absent") from None
                for tag, value in objects(data):
                    if tag == TAG_BENEFICIARY:
                        if len(people) >= MAX_BENEFICIARIES:
                            raise MalformedCardData("beneficiaires")
                        people.append(value)
                    elif tag == TAG_CARD and card_from is None:
                        card_from = ascii_date(_one(tlv.parse(value), C_FROM, "carte"), "carte")
                    elif tag == cvc.TAG_CERTIFICATE and cert is None:
                        cert = cvc.check(tlv.encode(tag, value))
        if not people or card_from is None or cert is None:
            raise MalformedCardData("beneficiaires" if not people else "carte")
        if not self._select_aid(MF_VITALE_AID):
            raise MalformedCardData("numero de carte")
        serial = pan_digits(self._read_file(EF_PAN, 64))
        if opposition.contains(serial):
            raise CardOpposed()
        if today < card_from:
            raise CardExpired(card_from, 99991231, today)
        holder = _person(1, people[0], None)
        card = Vitale2Card(serial, card_from, holder, cert)
        for value in people[1:]:
            card.beneficiaries.append(_person(len(card.beneficiaries) + 1, value, holder.nir))
        return card

    def read_certificate(self):
        raise NotSupported()  # the certificate came with read() (Vitale2Card.cert)

    def read_exemptions(self, card, cps):
        """Exemptions are not on the public part of the card: none, and no APDU."""
        card.exemptions = []
        return card.exemptions

    def read_copies(self, cps):
        raise NotSupported()

    def write_copy(self, card, sheet, cps):
        raise NotSupported()

    def sign(self, digest, cps):
        raise NotSupported()  # no public signing function: it signs by being read


def _one(items, tag, what):
    found = tlv.every(items, tag)
    if len(found) != 1:
        raise MalformedCardData(what)
    return found[0]


def _person(rank, value, holder_nir):
    """A beneficiary from the value of one tag 65; its own NIR only when it differs from
    the holder's (a dependant carries the holder's)."""
    items = tlv.parse(value)
    nir = card_nir(_one(items, B_NIR, "nir"))
    name = _text(_one(items, B_NAME, "nom"), "nom")
    first = _text(_one(items, B_FIRST, "prenom"), "prenom")
    birth = ascii_date(_one(items, B_BIRTH, "date de naissance"), "date de naissance")
    own = "" if holder_nir is not None and nir == holder_nir else nir
    return Vitale2Beneficiary(rank, own if holder_nir is not None else nir, name, first, birth)
