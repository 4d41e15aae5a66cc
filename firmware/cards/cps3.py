"""The real CPS3 (IAS-ECC), spoken to as the ANS's open PKCS#11 library does (ansforge/
dops-cryptolib, Sources_PKCS11_Cryptolib_CPS_v5.2, libopensc/card-cps3.c and the files
beside it; docs/cards.md "Real cards" cites each line): its contact application, EF SN.ICC
for the card's serial, the situation files under 3F00/0001, the PIN counter by GET DATA,
VERIFY, and the signature: MSE SET (RSA PKCS#1 v1.5 over SHA-256, the signature key) then
PSO COMPUTE DIGITAL SIGNATURE over the 32-byte SHA-256 hash, the card adding the DigestInfo
and the padding, and answering 256 bytes (RSA 2048). The card answers at most 0xE7 bytes at
a time, under T=0 (its ATR): longer answers come by GET RESPONSE.

Who the card is (RPPS, names, validity) is read from its signature certificate, as the
IGC-Santé profile puts it there (x509name.py); the situation files' layout is not public,
so tla's virtual CPS3 holds tla's own situation template there (docs/cards.md).
"""

from firmware.cards import fields, profile, tlv
from firmware.cards.apdu import Channel
from firmware.cards.cps import CpsApp, CpsCard, Situation
from firmware.cards.errors import (
    CpsNotVerified,
    FileNotFound,
    MalformedCardData,
    NotACpsCard,
    NotSupported,
    PinBlocked,
    WrongSlot,
)
from firmware.cards.x509name import CN, GIVEN_NAME, SURNAME, Certificate, plain
from protocol import bundle
from protocol.ascii import is_digits

AID = b"\xe8\x28\xbd\x08\x0f\x80\x25\x00\x00\x01\xff\x00\x10"  # card-cps3.c:43 (contact)
MAX_LE = 0xE7  # card-cps3.c:116: max_recv_size
SELECT_PATH = 0x09  # P1: by path (card-cps3.c:710-713, a CPS3 path keeps its 3F00)
PATH_SN_ICC = b"\x3f\x00\xd0\x03"  # card-cps.h:47: EF SN.ICC, 12 bytes
SN_PREFIX = b"\x80\x25\x00\x00\x01"  # card-cps.c:36, 189: the ANS's serial prefix
PATH_MF = b"\x3f\x00"
# Situation files 3F00/0001/D120 to D12F (card-cps3.c:50); their layout is not public.
SITUATION_DIR = b"\x3f\x00\x00\x01"
SITUATION_FIRST = 0xD120
SITUATION_FILES = 16
# tla's assumptions, not in the sources (the Cryptolib finds them in the card's PKCS#15
# files): the signature certificate's file, the PIN and the signature key references.
PATH_CERT = b"\x3f\x00\x00\x01\xc0\x00"
PIN_REF = 0x01
KEY_REF = 0x82
ALG_SHA256_PKCS1 = 0x42  # MSE SET tag 80 for SHA-256 PKCS#1 v1.5 (pkcs15-sec.c:320-323)
INS_GET_DATA = 0xCB
# GET DATA 3F FF: the PIN's security data object, BF 81 <PIN ref> (card-cps3.c:619-639).
PIN_QUERY = bytes((0x4D, 0x08, 0x70, 0x06, 0xBF, 0x81, PIN_REF, 0x02, 0xA0, 0x80))
TAG_TRIES_MAX, TAG_TRIES_LEFT = 0x9A, 0x9B  # card-cps.c:808-815
SIGNATURE_LENGTH = 256  # RSA 2048
MAX_CERT_BYTES = 2048  # an IGC-Santé certificate with its extensions
ALG = bundle.RS256


class Cps3Card(CpsCard):
    """What was read from a CPS3: serial from EF SN.ICC, the holder from the certificate
    (its CN is the PS_IdNat, 8 then the RPPS number), situations from the card."""

    def __init__(self, serial, cert):
        c = Certificate(cert)
        self.serial = serial
        self.valid_from = c.valid_from
        self.valid_until = c.valid_until
        idnat = (c.get(CN) or "").split("/")[0]
        # PS_IdNat: identifier type 8 (RPPS) then the 11-digit RPPS (docs/cards.md).
        if len(idnat) != 12 or idnat[0] != "8" or not is_digits(idnat):
            raise MalformedCardData("identifiant")
        self.holder_id = idnat[1:]
        if not fields.luhn_valid(self.holder_id):
            raise MalformedCardData("identifiant")
        self.usage_name = plain(c.get(SURNAME) or "")[:32] or "?"
        self.first_names = [plain(c.get(GIVEN_NAME) or "")[:24] or "?"]
        self.profession = "00"
        self.specialty = "00"
        self.situations = []
        self.cert_id = bundle.cert_id(cert)


class Cps3App(CpsApp):
    """The CPS3 in `slot` (chosen by its ATR: firmware/cards/choose.py)."""

    alg = ALG
    pin_ref = PIN_REF  # VERIFY 00 20 00 <PIN ref> (iso7816.c:850-920)
    proves_presence = False  # no public way to prove it to a Vitale card

    def __init__(self, slot):
        super().__init__(slot)
        self.channel = Channel(slot, max_le=MAX_LE)

    def _select_app(self):
        return self.channel.select_aid(AID) == profile.SW_OK

    def open(self, atr=None):
        if atr is None:
            self.forget()
            atr = self.slot.power_on()
        else:
            self.verified, self.card, self.cert = False, None, b""
        if self._select_app():
            return atr
        if self.channel.select_aid(profile.VITALE_AID) == profile.SW_OK:
            raise WrongSlot("vitale", "CPS")
        raise NotACpsCard()

    def _select_path(self, path):
        self.channel.command(
            profile.CLA, profile.INS_SELECT, SELECT_PATH, profile.SELECT_NO_RESPONSE, path
        )

    def _read(self, path, max_bytes):
        """The TLV file at `path`, in blocks of at most MAX_LE bytes (card.c:321-345), into
        one buffer of its length (no list of blocks, no second copy: docs/board.md "Heap")."""
        self._select_path(path)
        data = self.channel.read_binary(0, MAX_LE)
        total = tlv.total_length(data)
        if total > max_bytes or len(data) > total:
            raise MalformedCardData("fichier")
        if total == len(data):
            return data
        out = bytearray(total)
        out[: len(data)] = data
        got = len(data)
        del data
        while got < total:
            want = min(MAX_LE, total - got)
            block = self.channel.read_binary(got, want)
            if not block or len(block) > want:
                raise MalformedCardData("fichier")
            out[got : got + len(block)] = block
            got += len(block)
        return out

    def _serial(self):
        """EF SN.ICC: 5A 0A then the PAN, ANS's prefix 80 25 00 00 01 at bytes 2-6; the
        serial is the PAN's hex digits after it, without the last byte (Luhn digit and
        padding): card-cps.c:168-209, pkcs15.c:202-233."""
        self._select_path(PATH_SN_ICC)
        data = self.channel.read_binary(0, 12)
        if len(data) != 12 or data[0] != 0x5A or data[1] != 10 or data[2:7] != SN_PREFIX:
            raise MalformedCardData("numero de carte")
        serial = "".join("%02X" % b for b in data[7:11])
        if not is_digits(serial):
            raise MalformedCardData("numero de carte")
        return serial

    def read(self):
        """Serial, certificate (and who it names), situations."""
        serial = self._serial()
        cert = self._read(PATH_CERT, MAX_CERT_BYTES)
        card = Cps3Card(serial, cert)
        for i in range(SITUATION_FILES):
            try:
                record = self._read(SITUATION_DIR + _fid(SITUATION_FIRST + i), 120)
            except FileNotFound:
                break
            f = fields.template(record, profile.TAG_SITUATION, 120)
            card.situations.append(Situation(f))
            if i == 0:
                card.profession = str(f.get(profile.TAG_PROFESSION))  # digits: a str
                card.specialty = str(f.get(profile.TAG_SPECIALTY))
        if not card.situations:
            raise MalformedCardData("situations")
        self.cert = cert  # until the certificate store holds it (certificate_stored)
        self.card = card
        return card

    def certificate(self):
        """The signature certificate: the copy read with the card, or read again from the
        card (its id checked by the caller) when the store lost it since (a sync pruned
        it): between visits a CPS3 keeps none of its 1-2 KiB (docs/board.md "Heap")."""
        return self.cert or self._read(PATH_CERT, MAX_CERT_BYTES)

    def certificate_stored(self):
        self.cert = b""

    def tries_left(self):
        """GET DATA of the PIN's counter (card-cps3.c:615-655): tries left (0 when the PIN
        is verified); PinBlocked when none are left."""
        if self.verified:
            return 0
        self._select_path(PATH_MF)
        answer = self.channel.command(profile.CLA, INS_GET_DATA, 0x3F, 0xFF, PIN_QUERY, 0)
        left = _find(tlv.parse(answer), TAG_TRIES_LEFT, 0)
        if left is None or len(left) != 1 or left[0] > profile.PIN_TRIES:
            raise MalformedCardData("compteur PIN")
        if not self._select_app():
            raise MalformedCardData("application")
        if left[0] == 0:
            raise PinBlocked()
        return left[0]

    def authenticate(self, challenge):
        raise NotSupported()  # tla's own Vitale presence protocol needs tla's CPS

    def sign(self, digest):
        """MSE SET 00 22 41 B6 {80 01 42, 84 01 key} (card-cps3.c:253-293) then PSO CDS
        00 2A 9E 9A with the 32-byte hash (pkcs15-sec.c:256-276, card-cps3.c:353): 256
        bytes. MalformedCardData for another length."""
        if not self.ready():
            raise CpsNotVerified()
        if len(digest) != profile.DIGEST_LENGTH:
            raise ValueError("a digest is %d bytes" % profile.DIGEST_LENGTH)
        mse = tlv.encode(profile.MSE_TAG_ALG, bytes([ALG_SHA256_PKCS1]))
        mse += tlv.encode(profile.MSE_TAG_KEY, bytes([KEY_REF]))
        self.channel.command(profile.CLA, profile.INS_MSE, 0x41, 0xB6, mse)
        signature = self.channel.command(profile.CLA, profile.INS_PSO, 0x9E, 0x9A, digest, 0)
        if len(signature) != SIGNATURE_LENGTH:
            raise MalformedCardData("signature")
        return signature


def _fid(n):
    return bytes((n >> 8, n & 0xFF))


def _find(items, tag, depth):
    """The value of the first `tag` in `items` or in the templates inside (3 deep)."""
    for t, v in items:
        if t == tag:
            return v
        first = t
        while first > 0xFF:
            first >>= 8
        if depth < 3 and first & 0x20:  # a constructed object: look inside
            try:
                found = _find(tlv.parse(v), tag, depth + 1)
            except MalformedCardData:
                continue
            if found is not None:
                return found
    return None
