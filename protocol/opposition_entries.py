"""Entries of the opposition list (R161-33-7) as the agent sends them and the terminal keeps
them: a Vitale card serial (10 digits) as a 5-byte big-endian integer, so that the bytes
sort like the numbers and a list is a sorted array of fixed-size entries.

The digest of a list is SHA-256 of its entries in ascending order, concatenated: both sides
compute it to check that an update gave the same list.
"""

import hashlib

from protocol._compat import const
from protocol.ascii import is_digits

SIZE = const(5)
DIGITS = const(10)
# Entries of one OPPOSITION chunk: 180 x 5 bytes, with the chunk's other fields, fits a
# sealed frame's 1001 plaintext bytes.
PER_CHUNK = const(180)


def encode(serial) -> bytes:
    """The entry of a card serial; ValueError unless it is 10 digits."""
    if not is_digits(serial, (DIGITS,)):
        raise ValueError("a Vitale card serial is %d digits: %r" % (DIGITS, serial))
    return int(serial).to_bytes(SIZE, "big")


def decode(entry) -> str:
    s = str(int.from_bytes(entry, "big"))
    return "0" * (DIGITS - len(s)) + s


def check_sorted(data, previous=None):
    """Raise ValueError unless `data` is whole entries in strictly ascending order, all
    above `previous` (an entry or None); returns the last entry (or `previous`)."""
    if len(data) % SIZE:
        raise ValueError("opposition entries come in %d-byte units" % SIZE)
    last = previous
    for i in range(0, len(data), SIZE):
        e = bytes(data[i : i + SIZE])
        if last is not None and e <= last:
            raise ValueError("opposition entries must be in ascending order, without repeats")
        last = e
    return last


def digest(entries) -> bytes:
    """SHA-256 of sorted entries (an iterable of 5-byte entries or of byte blocks of them)."""
    h = hashlib.sha256()
    for e in entries:
        h.update(e)
    return h.digest()
