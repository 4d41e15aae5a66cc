"""The few things the terminal reads from a CPS3's X.509 certificate (DER, RFC 5280): the
subject's attributes and the validity, by walking the DER in place with the card layer's
BER-TLV header reader (firmware/cards/tlv.py): positions, no copies of the certificate's
parts (docs/board.md "Heap"). Nothing is verified here: the practice PC verifies the
certificate and its chain (host_agent/signers.py); the terminal only needs who the card is
and when it is valid. Anything else than a certificate's shape: MalformedCardData.
"""

from firmware.cards import tlv
from firmware.cards.errors import MalformedCardData
from protocol.ascii import is_digits

# Attribute types (RFC 5280 / X.520), as their DER OID bytes.
CN = b"\x55\x04\x03"
SURNAME = b"\x55\x04\x04"
SERIAL_NUMBER = b"\x55\x04\x05"
GIVEN_NAME = b"\x55\x04\x2a"
TITLE = b"\x55\x04\x0c"
_WANTED = (CN, SURNAME, GIVEN_NAME)
_STRINGS = (0x0C, 0x13, 0x14, 0x16)  # UTF8String, PrintableString, T61String, IA5String
# Latin letters with accents, and the plain letter each is shown as (4 x 20 ASCII screen).
_ACCENTED = "ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸàâäçéèêëîïôöùûüÿ"
_PLAIN = "AAACEEEEIIOOUUUYaaaceeeeiioouuuy"
MAX_ITEMS = 64


def _items(buf, start, end):
    """[(tag, value start, value end)] of the objects between `start` and `end`."""
    out = []
    pos = start
    while pos < end:
        if len(out) >= MAX_ITEMS:
            raise MalformedCardData("certificat")
        tag, n, vstart = tlv.read_header(buf, pos, end)
        out.append((tag, vstart, vstart + n))
        pos = vstart + n
    return out


def _one(buf, start, end, tag):
    items = _items(buf, start, end)
    if len(items) != 1 or items[0][0] != tag:
        raise MalformedCardData("certificat")
    return items[0][1], items[0][2]


def plain(text) -> str:
    """`text` in printable ASCII: accented letters as their plain letter, others as '?'."""
    out = []
    for ch in text:
        if " " <= ch <= "~":
            out.append(ch)
            continue
        i = _ACCENTED.find(ch)
        out.append(_PLAIN[i] if i >= 0 else "?")
    return "".join(out)


def _time(buf, item):
    """A UTCTime or GeneralizedTime as a date YYYYMMDD (UTC)."""
    tag, start, end = item
    try:
        text = bytes(buf[start:end]).decode()
    except UnicodeError:
        raise MalformedCardData("certificat") from None
    if tag == 0x17 and len(text) == 13 and is_digits(text[:12]):
        yy = int(text[:2])
        return (1900 + yy if yy >= 50 else 2000 + yy) * 10000 + int(text[2:6])
    if tag == 0x18 and len(text) == 15 and is_digits(text[:14]):
        return int(text[:8])
    raise MalformedCardData("certificat")


class Certificate:
    """`subject`: {attribute OID bytes: [values, text]} of CN, surname and given name;
    `valid_from`, `valid_until`: YYYYMMDD (the UTC dates of notBefore and notAfter)."""

    def __init__(self, der):
        buf = memoryview(der)
        start, end = _one(buf, 0, len(buf), 0x30)
        parts = _items(buf, start, end)
        if len(parts) != 3 or parts[0][0] != 0x30:  # tbsCertificate, algorithm, signature
            raise MalformedCardData("certificat")
        fields = _items(buf, parts[0][1], parts[0][2])
        i = 1 if fields and fields[0][0] == 0xA0 else 0
        # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo...
        if len(fields) < i + 6 or fields[i + 3][0] != 0x30 or fields[i + 4][0] != 0x30:
            raise MalformedCardData("certificat")
        validity = _items(buf, fields[i + 3][1], fields[i + 3][2])
        if len(validity) != 2:
            raise MalformedCardData("certificat")
        self.valid_from = _time(buf, validity[0])
        self.valid_until = _time(buf, validity[1])
        self.subject = {}
        for rdn_tag, rstart, rend in _items(buf, fields[i + 4][1], fields[i + 4][2]):
            if rdn_tag != 0x31:
                raise MalformedCardData("certificat")
            for atv_tag, astart, aend in _items(buf, rstart, rend):
                pair = _items(buf, astart, aend)
                if atv_tag != 0x30 or len(pair) != 2 or pair[0][0] != 0x06:
                    raise MalformedCardData("certificat")
                oid = bytes(buf[pair[0][1] : pair[0][2]])
                kind, vstart, vend = pair[1]
                if kind not in _STRINGS or oid not in _WANTED:
                    continue
                try:
                    text = bytes(buf[vstart:vend]).decode()
                except UnicodeError:
                    raise MalformedCardData("certificat") from None
                self.subject.setdefault(oid, []).append(text)

    def get(self, oid):
        """The one value of attribute `oid`, or None."""
        values = self.subject.get(oid)
        return values[0] if values and len(values) == 1 else None
