"""Deterministic CBOR (RFC 8949 section 4.2.1) for the values tla exchanges and signs.

Types: int (64-bit range, negative too), bytes, text, list, map, bool, None. The encoder
writes the one deterministic form (shortest heads, definite lengths, map keys sorted
bytewise); the decoder refuses anything else, so bytes that decode are exactly the bytes
the encoder would produce, and a signature over them means one thing only.

Text is UTF-8 checked here, byte by byte, not by the interpreter: CPython's decoder refuses
surrogates, overlong forms and code points above U+10FFFF, MicroPython's takes them, and
one decoder must give one answer (docs/protocol.md "Text"). The encoder refuses a text
that is not valid UTF-8 once encoded (a lone surrogate: MicroPython encodes it as bytes).
"""

import struct

from protocol._compat import const, is_bytes_like

MAX_DEPTH = const(16)
MAX_ITEMS = const(65536)
MAX_TOTAL = const(1 << 30)  # items in the whole value: unbounded unless the caller says

# Limits for a value that comes off the link (frames and sealed plaintexts), set from the
# terminal's heap (docs/protocol.md "Decoder limits"): a body is at most 2 KiB, and its
# decoded value must stay small next to the heap the App has left once booted. The largest
# legitimate message, a full ACK (64 + 64 runs and 64 certificate ids), holds about 460
# items and nests 3 deep.
LINK_TOTAL = const(512)  # items in one frame's body, every level counted
LINK_DEPTH = const(6)
LINK_STRING = const(2048)  # bytes of one byte or text string (a frame body is <= 2 KiB)

_UINT64_MAX = 0xFFFFFFFFFFFFFFFF
_FALSE = const(0xF4)
_TRUE = const(0xF5)
_NULL = const(0xF6)


class CBORError(ValueError):
    """A value the encoder cannot write, or bytes the deterministic decoder refuses.

    `offset` is the position in the input where the problem was found (-1 when encoding).
    """

    def __init__(self, message, offset=-1):
        if offset >= 0:
            message = "%s (at byte %d)" % (message, offset)
        super().__init__(message)
        self.offset = offset


def _head(out, major, n):
    mt = major << 5
    if n < 24:
        out.append(mt | n)
    elif n < 0x100:
        out.append(mt | 24)
        out.append(n)
    elif n < 0x10000:
        out.append(mt | 25)
        out.extend(struct.pack(">H", n))
    elif n < 0x100000000:
        out.append(mt | 26)
        out.extend(struct.pack(">I", n))
    elif n <= _UINT64_MAX:
        out.append(mt | 27)
        out.extend(struct.pack(">II", n >> 32, n & 0xFFFFFFFF))
    else:
        raise CBORError("integer does not fit in 64 bits")


def _encode(out, value, depth):
    if depth > MAX_DEPTH:
        raise CBORError("value nested deeper than %d levels" % MAX_DEPTH)
    if value is None:
        out.append(_NULL)
    elif value is True:
        out.append(_TRUE)
    elif value is False:
        out.append(_FALSE)
    elif isinstance(value, int):
        if value >= 0:
            _head(out, 0, value)
        else:
            _head(out, 1, -1 - value)
    elif isinstance(value, str):
        try:
            data = value.encode("utf-8")
        except UnicodeError:  # CPython: a lone surrogate
            data = None
        if data is None or utf8_error(data) >= 0:
            raise CBORError("text holds a character UTF-8 cannot carry (a surrogate)")
        _head(out, 3, len(data))
        out.extend(data)
    elif is_bytes_like(value):
        _head(out, 2, len(value))
        out.extend(value)
    elif isinstance(value, (list, tuple)):
        _head(out, 4, len(value))
        for item in value:
            _encode(out, item, depth + 1)
    elif isinstance(value, dict):
        entries = []
        for key, item in value.items():
            if key is True or key is False or not isinstance(key, (int, str, bytes)):
                raise CBORError(
                    "map key must be an int, text or bytes, not %s" % type(key).__name__
                )
            kb = bytearray()
            _encode(kb, key, depth + 1)
            entries.append((bytes(kb), item))
        # RFC 8949 4.2.1: keys sorted in bytewise lexicographic order of their encodings.
        entries.sort(key=lambda entry: entry[0])
        _head(out, 5, len(entries))
        for kb, item in entries:
            out.extend(kb)
            _encode(out, item, depth + 1)
    else:
        raise CBORError("cannot encode a value of type %s" % type(value).__name__)


def utf8_error(data) -> int:
    """The offset of the first byte of `data` that breaks strict UTF-8 (RFC 3629: the
    shortest form only, no surrogates U+D800-DFFF, nothing above U+10FFFF, no sequence cut
    short), or -1 when all of it is valid. Pure ASCII costs one pass in C."""
    n = len(data)
    if not n or max(data) < 0x80:
        return -1
    i = 0
    while i < n:
        b = data[i]
        if b < 0x80:
            i += 1
            continue
        if 0xC2 <= b <= 0xDF:
            size, low, high = 2, 0x80, 0xBF
        elif 0xE0 <= b <= 0xEF:
            # E0: at least U+0800 (no overlong form); ED: below U+D800 (no surrogate)
            size = 3
            low = 0xA0 if b == 0xE0 else 0x80
            high = 0x9F if b == 0xED else 0xBF
        elif 0xF0 <= b <= 0xF4:
            # F0: at least U+10000; F4: at most U+10FFFF
            size = 4
            low = 0x90 if b == 0xF0 else 0x80
            high = 0x8F if b == 0xF4 else 0xBF
        else:  # a continuation byte first, C0-C1 (overlong), F5-FF (beyond U+10FFFF)
            return i
        if i + size > n:
            return i
        c = data[i + 1]
        if not low <= c <= high:
            return i
        for k in range(i + 2, i + size):
            if not 0x80 <= data[k] <= 0xBF:
                return i
        i += size
    return -1


def encode(value) -> bytes:
    """The deterministic CBOR encoding of `value`."""
    out = bytearray()
    _encode(out, value, 0)
    return bytes(out)


class _Reader:
    def __init__(self, data, max_depth, max_items, max_total=MAX_TOTAL, max_string=0):
        self.data = data
        self.pos = 0
        self.end = len(data)
        self.max_depth = max_depth
        self.max_items = max_items
        self.left = max_total  # items the whole value may still hold
        self.max_string = max_string or self.end

    def take(self, n):
        start = self.pos
        if n > self.end - start:
            raise CBORError("input ends in the middle of an item", start)
        self.pos = start + n
        return self.data[start : start + n]

    def argument(self, ai, start):
        if ai < 24:
            return ai
        if ai == 24:
            n = self.take(1)[0]
            minimum = 24
        elif ai == 25:
            n = struct.unpack(">H", self.take(2))[0]
            minimum = 0x100
        elif ai == 26:
            n = struct.unpack(">I", self.take(4))[0]
            minimum = 0x10000
        elif ai == 27:
            hi, lo = struct.unpack(">II", self.take(8))
            n = (hi << 32) | lo
            minimum = 0x100000000
        elif ai == 31:
            raise CBORError("indefinite-length item (not deterministic)", start)
        else:
            raise CBORError("reserved additional information %d" % ai, start)
        if n < minimum:
            raise CBORError("integer or length not in its shortest form", start)
        return n

    def item(self, depth):
        start = self.pos
        if start >= self.end:
            raise CBORError("input ends where an item was expected", start)
        initial = self.data[start]
        self.pos = start + 1
        major = initial >> 5
        ai = initial & 0x1F
        if major == 7:
            if initial == _FALSE:
                return False
            if initial == _TRUE:
                return True
            if initial == _NULL:
                return None
            raise CBORError("unsupported simple value or float 0x%02x" % initial, start)
        if major == 6:
            raise CBORError("tags are not supported", start)
        n = self.argument(ai, start)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3) and n > self.max_string:
            raise CBORError(
                "string of %d bytes is over the limit of %d" % (n, self.max_string), start
            )
        if major == 2:
            return bytes(self.take(n))
        if major == 3:
            raw = bytes(self.take(n))
            bad = utf8_error(raw)
            if bad >= 0:
                # the offset of the offending byte itself
                raise CBORError("text is not valid UTF-8", self.pos - n + bad)
            return str(raw, "utf-8")
        if depth >= self.max_depth:
            raise CBORError("items nested deeper than %d levels" % self.max_depth, start)
        if n > self.max_items:
            raise CBORError(
                "container of %d items is over the limit of %d" % (n, self.max_items), start
            )
        self.left -= n if major == 4 else 2 * n
        if self.left < 0:
            raise CBORError("more items than the limit of the whole value", start)
        if major == 4:
            # Every item takes at least one byte: refuse before allocating anything.
            if n > self.end - self.pos:
                raise CBORError("array longer than the remaining input", start)
            # One allocation of the final size: a list grown item by item doubles its
            # storage as it goes, and needs the old and new copies at once.
            out = [None] * n
            for i in range(n):
                out[i] = self.item(depth + 1)
            return out
        # major == 5: a map
        if 2 * n > self.end - self.pos:
            raise CBORError("map longer than the remaining input", start)
        result = {}
        previous = None
        for _ in range(n):
            kstart = self.pos
            key = self.item(depth + 1)
            kbytes = bytes(self.data[kstart : self.pos])
            if key is True or key is False or not isinstance(key, (int, str, bytes)):
                raise CBORError("map key must be an int, text or bytes", kstart)
            if previous is not None and kbytes <= previous:
                if kbytes == previous:
                    raise CBORError("duplicate map key", kstart)
                raise CBORError("map keys not in deterministic (bytewise) order", kstart)
            previous = kbytes
            result[key] = self.item(depth + 1)
        return result


def decode(data, max_depth=MAX_DEPTH, max_items=MAX_ITEMS, max_total=MAX_TOTAL, max_string=0):
    """Decode exactly one deterministic CBOR item filling all of `data`. Raises CBORError.
    `max_items`: items of one array or map; `max_total`: items of the whole value, every
    level counted; `max_string`: bytes of one string (0: no limit but the input)."""
    reader = _Reader(data, max_depth, max_items, max_total, max_string)
    value = reader.item(0)
    if reader.pos != reader.end:
        raise CBORError("trailing bytes after the CBOR item", reader.pos)
    return value


def decode_link(data):
    """decode() with the limits of a value that came off the link (LINK_*): what a frame
    body or a sealed plaintext may hold."""
    return decode(data, LINK_DEPTH, LINK_TOTAL, LINK_TOTAL, LINK_STRING)


def decode_prefix(data, offset=0, max_depth=MAX_DEPTH, max_items=MAX_ITEMS):
    """Decode one item starting at `offset`; returns (value, offset just past it)."""
    reader = _Reader(data, max_depth, max_items)
    reader.pos = offset
    value = reader.item(0)
    return value, reader.pos
