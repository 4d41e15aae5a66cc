"""HMAC-SHA256 (RFC 2104, vectors RFC 4231) and a constant-time comparison of MACs.

Written on `hashlib.sha256` alone because MicroPython has no `hmac` module.
"""

import hashlib

from protocol._compat import const

BLOCK_SIZE = const(64)
DIGEST_SIZE = const(32)


class HmacSha256:
    """HMAC-SHA256 under one key, for many messages: the key is padded once.

    The padded key is kept in bytearrays so `wipe()` can overwrite it; no repr shows it.
    """

    def __init__(self, key):
        key = bytes(key)
        if len(key) > BLOCK_SIZE:
            key = hashlib.sha256(key).digest()
        self._ipad = bytearray(BLOCK_SIZE)
        self._opad = bytearray(BLOCK_SIZE)
        for i in range(BLOCK_SIZE):
            b = key[i] if i < len(key) else 0
            self._ipad[i] = b ^ 0x36
            self._opad[i] = b ^ 0x5C

    def digest(self, *parts) -> bytes:
        """HMAC of the concatenation of `parts` (bytes-like), without concatenating them."""
        inner = hashlib.sha256(self._ipad)
        for part in parts:
            inner.update(part)
        outer = hashlib.sha256(self._opad)
        outer.update(inner.digest())
        return outer.digest()

    def wipe(self):
        """Overwrite the padded key; the object is useless afterwards."""
        for i in range(BLOCK_SIZE):
            self._ipad[i] = 0
            self._opad[i] = 0

    def __repr__(self):
        return "HmacSha256(<key hidden>)"


def hmac_sha256(key, *parts) -> bytes:
    """HMAC-SHA256 of the concatenation of `parts` under `key` (32 bytes)."""
    return HmacSha256(key).digest(*parts)


def compare_digest(a, b) -> bool:
    """True when the two MACs are equal, in a time that does not depend on where they
    differ (no early exit), so a forger cannot learn a correct tag byte by byte."""
    if len(a) != len(b):
        return False  # lengths are public: both are fixed by the format
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0
