"""The few things the terminal reads from a CPS3's X.509 certificate (DER, RFC 5280): the
subject's attributes and the validity, by walking the DER with the card layer's BER-TLV
parser (firmware/cards/tlv.py). Nothing is verified here: the practice PC verifies the
certificate and its chain (host_agent/signers.py); the terminal only needs to show who the
card is and when it is valid. Anything else than a certificate's shape: MalformedCardData.
"""

from firmware.cards import tlv
from firmware.cards.errors import MalformedCardData

# Attribute types (RFC 5280 / X.520), as their DER OID bytes.
CN = b"\x55\x04\x03"
SURNAME = b"\x55\x04\x04"
SERIAL_NUMBER = b"\x55\x04\x05"
GIVEN_NAME = b"\x55\x04\x2a"
TITLE = b"\x55\x04\x0c"
_STRINGS = (0x0C, 0x13, 0x14, 0x16)  # UTF8String, PrintableString, T61String, IA5String
# Latin letters with accents, and the plain letter each is shown as (4 x 20 ASCII screen).
_ACCENTED = "ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸàâäçéèêëîïôöùûüÿ"
_PLAIN = "AAACEEEEIIOOUUUYaaaceeeeiioouuuy"


def _template(data, tag):
    items = tlv.parse(data)
    if len(items) != 1 or items[0][0] != tag:
        raise MalformedCardData("certificat")
    return items[0][1]


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


def _time(tag, value):
    """A UTCTime or GeneralizedTime as a date YYYYMMDD (UTC)."""
    try:
        text = bytes(value).decode()
    except UnicodeError:
        raise MalformedCardData("certificat") from None
    if tag == 0x17 and len(text) == 13 and text[:12].isdigit():
        yy = int(text[:2])
        return (1900 + yy if yy >= 50 else 2000 + yy) * 10000 + int(text[2:6])
    if tag == 0x18 and len(text) == 15 and text[:14].isdigit():
        return int(text[:8])
    raise MalformedCardData("certificat")


class Certificate:
    """`subject`: {attribute OID bytes: [values, text]}; `valid_from`, `valid_until`:
    YYYYMMDD (the UTC dates of notBefore and notAfter)."""

    def __init__(self, der):
        items = tlv.parse(_template(der, 0x30))
        if len(items) != 3 or items[0][0] != 0x30:  # tbsCertificate, algorithm, signature
            raise MalformedCardData("certificat")
        fields = tlv.parse(items[0][1])
        i = 1 if fields and fields[0][0] == 0xA0 else 0
        # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo...
        if len(fields) < i + 6:
            raise MalformedCardData("certificat")
        validity = tlv.parse(fields[i + 3][1])
        if len(validity) != 2:
            raise MalformedCardData("certificat")
        self.valid_from = _time(*validity[0])
        self.valid_until = _time(*validity[1])
        self.subject = {}
        for rdn_tag, rdn in tlv.parse(fields[i + 4][1]):
            if rdn_tag != 0x31:
                raise MalformedCardData("certificat")
            for atv_tag, atv in tlv.parse(rdn):
                parts = tlv.parse(atv)
                if atv_tag != 0x30 or len(parts) != 2 or parts[0][0] != 0x06:
                    raise MalformedCardData("certificat")
                kind, value = parts[1]
                if kind not in _STRINGS:
                    continue
                try:
                    text = bytes(value).decode("latin-1" if kind == 0x14 else "utf-8")
                except UnicodeError:
                    raise MalformedCardData("certificat") from None
                self.subject.setdefault(parts[0][1], []).append(text)

    def get(self, oid):
        """The one value of attribute `oid`, or None."""
        values = self.subject.get(oid)
        return values[0] if values and len(values) == 1 else None
