"""Values inside tla's card records, checked as they are decoded: each format of the profile
(digits, text, BCD date, flag, NIR with its key) and the check keys of card identifiers.

A value that does not fit its tag's format raises MalformedCardData naming the field.
The encoders used by the virtual cards live here too, so both sides agree by construction.
"""

from firmware.cards import profile, tlv
from firmware.cards.errors import MalformedCardData
from protocol import dates
from protocol.ascii import is_digits, upper


def nir_key(nir13) -> int:
    """Key of a 13-character NIR: 97 - (number mod 97); Corsica's 2A and 2B count as 19
    and 18 (the rule of the INSEE registry)."""
    text = upper(nir13).replace("2A", "19").replace("2B", "18")
    return 97 - int(text) % 97


def nir_valid(nir) -> bool:
    """True for 15 characters: a 13-character NIR (digits, or 2A/2B as its department) and
    its 2-digit key."""
    if len(nir) != 15 or not is_digits(nir[13:]):
        return False
    body = nir[:13]
    dept = body[5:7]
    if not is_digits(body[:5] + body[7:]) or not (is_digits(dept) or dept in ("2A", "2B")):
        return False
    return nir_key(body) == int(nir[13:])


def luhn_valid(digits) -> bool:
    """The Luhn check of an RPPS number (the CPS holder id: 10 digits + 1 check digit)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_digit(digits) -> str:
    """The check digit that makes `digits` + it pass luhn_valid."""
    for d in "0123456789":
        if luhn_valid(digits + d):
            return d
    raise ValueError("not digits: %r" % digits)


def date_bcd(ymd) -> bytes:
    """4 BCD bytes of an int date YYYYMMDD."""
    text = "%08d" % ymd
    return bytes(int(text[i]) << 4 | int(text[i + 1]) for i in range(0, 8, 2))


def _ascii(value, name):
    for b in value:
        if b < 0x20 or b > 0x7E:
            raise MalformedCardData(name)
    return bytes(value).decode()


def real_date(n, name):
    """`n` (YYYYMMDD) when it is a real date, else MalformedCardData naming the field."""
    y, m, d = n // 10000, n // 100 % 100, n % 100
    if not 1 <= m <= 12 or not 1 <= d <= 31:
        raise MalformedCardData(name)
    if dates.civil_from_days(dates.days_from_civil(y, m, d)) != (y, m, d):
        raise MalformedCardData(name)
    return n


def decode(tag, value):
    """The Python value of `value` under `tag`'s format (profile.TAGS): str, int or bool."""
    spec = profile.tag_spec(tag)
    if spec is None:
        raise ValueError("tag %X is not in the profile" % tag)
    _, name, fmt, lo, hi, _ = spec
    if not lo <= len(value) <= hi:
        raise MalformedCardData(name)
    if fmt == "digits":
        text = _ascii(value, name)
        if not is_digits(text):
            raise MalformedCardData(name)
        return text
    if fmt == "text":
        text = _ascii(value, name)
        if text.strip() != text:
            raise MalformedCardData(name)
        return text
    if fmt == "nir":
        text = _ascii(value, name)
        if not nir_valid(text):
            raise MalformedCardData(name)
        return text
    if fmt == "date":
        n = 0
        for b in value:
            if b >> 4 > 9 or b & 0x0F > 9:
                raise MalformedCardData(name)
            n = n * 100 + (b >> 4) * 10 + (b & 0x0F)
        return real_date(n, name)
    if fmt == "flag":
        if value[0] > 1:
            raise MalformedCardData(name)
        return value[0] == 1
    if fmt == "u8":
        return value[0]
    raise ValueError("tag %X is a template" % tag)


def encode(tag, value) -> bytes:
    """One TLV object of the profile: the inverse of decode() (virtual cards, tests)."""
    fmt = profile.tag_spec(tag)[2]  # type: ignore[index]
    if fmt == "date":
        raw = date_bcd(value)
    elif fmt in ("flag", "u8"):
        raw = bytes([int(value)])
    elif fmt == "template":
        raw = bytes(value)
    else:
        raw = str(value).encode()
    return tlv.encode(tag, raw)


class Fields:
    """The objects of one template, decoded on demand; `get` is for tags that appear at
    most once, `all` for repeated ones (first names)."""

    def __init__(self, items):
        self.items = items

    def get(self, tag, required=True):
        found = None
        for t, v in self.items:
            if t == tag:
                if found is not None:
                    raise MalformedCardData(profile.tag_spec(tag)[1])  # type: ignore[index]
                found = v
        if found is None:
            if required:
                raise MalformedCardData(profile.tag_spec(tag)[1])  # type: ignore[index]
            return None
        if profile.tag_spec(tag)[2] == "template":  # type: ignore[index]
            return found
        return decode(tag, found)

    def all(self, tag):
        return [decode(tag, v) for v in tlv.every(self.items, tag)]


def template(data, tag, max_len):
    """Fields of the template `tag` that `data` must be exactly."""
    return Fields(tlv.parse_template(data, tag, max_len))
