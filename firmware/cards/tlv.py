"""BER-TLV (ISO 7816-4 annex D) as tla's cards use it: a strict parser that refuses
malformed or oversize input with MalformedCardData, and the small encoder both sides share.

Tags of 1 to 3 bytes; definite lengths only, in short form or 81 / 82 (at most 65535);
nothing may trail the last object. Values come back as bytes slices of the input.
"""

from firmware.cards.errors import MalformedCardData

MAX_ITEMS = 64  # objects in one template: more is a malicious card, not a patient


def _header(data, pos, end):
    """(tag, length, value start) of the object at `pos`; the value may lie beyond `end`."""
    if pos >= end:
        raise MalformedCardData("TLV tronque")
    first = data[pos]
    if first == 0x00 or first == 0xFF:
        raise MalformedCardData("TLV (octet de bourrage)")
    tag = first
    pos += 1
    if first & 0x1F == 0x1F:
        # Subsequent tag bytes: bit 8 set means one more follows; at most 3 bytes in all.
        for i in range(2):
            if pos >= end:
                raise MalformedCardData("TLV tronque")
            b = data[pos]
            pos += 1
            tag = (tag << 8) | b
            if not b & 0x80:
                break
            if i == 1:
                raise MalformedCardData("TLV (etiquette trop longue)")
    if pos >= end:
        raise MalformedCardData("TLV tronque")
    n = data[pos]
    pos += 1
    if n == 0x81 or n == 0x82:
        count = n & 0x7F
        if pos + count > end:
            raise MalformedCardData("TLV tronque")
        n = 0
        for i in range(count):
            n = (n << 8) | data[pos + i]
        pos += count
    elif n > 0x7F:
        raise MalformedCardData("TLV (longueur)")
    return tag, n, pos


def read_header(data, pos, end):
    """(tag, length, value start) of the object at `pos`; the value must fit before `end`."""
    tag, n, start = _header(data, pos, end)
    if start + n > end:
        raise MalformedCardData("TLV tronque")
    return tag, n, start


def parse(data, max_items=MAX_ITEMS):
    """The objects of `data` in order, as a list of (tag, value bytes); `data` must hold
    nothing else."""
    items = []
    pos = 0
    end = len(data)
    while pos < end:
        if len(items) >= max_items:
            raise MalformedCardData("TLV (trop d'objets)")
        tag, n, start = read_header(data, pos, end)
        items.append((tag, bytes(data[start : start + n])))
        pos = start + n
    return items


def parse_template(data, tag, max_len):
    """The objects inside the one constructed object `tag` that `data` must be exactly."""
    if len(data) > max_len:
        raise MalformedCardData("TLV (trop long)")
    found, n, start = read_header(data, 0, len(data))
    if found != tag:
        raise MalformedCardData("TLV (etiquette %X inattendue)" % found)
    if start + n != len(data):
        raise MalformedCardData("TLV (octets en trop)")
    return parse(memoryview(data)[start:])


def total_length(data):
    """Length of the whole object whose header starts `data` (its value may be missing):
    how many bytes of a file a reader must fetch after the first block."""
    _, n, start = _header(data, 0, len(data))
    return start + n


def encode(tag, value) -> bytes:
    """One object: tag (1 to 3 bytes), shortest definite length, value."""
    value = bytes(value)
    n = len(value)
    if n > 0xFFFF:
        raise ValueError("TLV value longer than 65535 bytes")
    if tag > 0xFFFF:
        head = bytes([tag >> 16, (tag >> 8) & 0xFF, tag & 0xFF])
    elif tag > 0xFF:
        head = bytes([tag >> 8, tag & 0xFF])
    else:
        head = bytes([tag])
    if n < 0x80:
        length = bytes([n])
    elif n < 0x100:
        length = bytes([0x81, n])
    else:
        length = bytes([0x82, n >> 8, n & 0xFF])
    return head + length + value


def first(items, tag):
    """Value of the first object `tag` in `items`, or None."""
    for t, v in items:
        if t == tag:
            return v
    return None


def every(items, tag):
    """Values of every object `tag` in `items`, in order."""
    return [v for t, v in items if t == tag]
