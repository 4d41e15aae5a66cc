"""A Carte Vitale 2's certificate as read: a card-verifiable certificate (ISO 7816-8 style),
tag 7F21 holding 5F37, the issuing authority's signature, and 5F38, the remainder of the
public key (cardpeek's vitale_2.lua:43-45). Its content is recovered with the issuer's
public key, which is not public: tla keeps it as read, checked only for its shape.
"""

from firmware.cards import tlv
from firmware.cards.errors import MalformedCardData

TAG_CERTIFICATE = 0x7F21
TAG_SIGNATURE = 0x5F37
TAG_REMAINDER = 0x5F38
MAX_BYTES = 512


def check(data) -> bytes:
    """`data` (the whole 7F21 object) when it is one certificate with one signature and one
    key remainder; MalformedCardData("certificat") otherwise."""
    data = bytes(data)
    try:
        items = tlv.parse_template(data, TAG_CERTIFICATE, MAX_BYTES)
    except MalformedCardData:
        raise MalformedCardData("certificat") from None
    signatures = tlv.every(items, TAG_SIGNATURE)
    remainders = tlv.every(items, TAG_REMAINDER)
    if len(signatures) != 1 or len(remainders) != 1 or len(signatures[0]) < 64:
        raise MalformedCardData("certificat")
    return data
