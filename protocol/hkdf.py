"""HKDF-SHA256 (RFC 5869): extract a pseudorandom key, expand it into labelled keys.

Every key of pairing and sessions comes from here (see protocol/keyschedule.py).
"""

from protocol.hmac_sha256 import DIGEST_SIZE, HmacSha256


def extract(salt, ikm) -> bytes:
    """HKDF-Extract: PRK = HMAC(salt, IKM); an empty salt means 32 zero bytes (RFC 5869 2.2)."""
    if not salt:
        salt = bytes(DIGEST_SIZE)
    return HmacSha256(salt).digest(ikm)


def expand(prk, info, length) -> bytes:
    """HKDF-Expand: `length` bytes (at most 255 * 32) of output keyed by PRK for `info`."""
    if length < 0 or length > 255 * DIGEST_SIZE:
        raise ValueError("HKDF output length must be 0 to 8160 bytes")
    mac = HmacSha256(prk)
    out = bytearray()
    block = b""
    counter = 1
    while len(out) < length:
        block = mac.digest(block, info, bytes((counter,)))
        out.extend(block)
        counter += 1
    mac.wipe()
    return bytes(out[:length])


def hkdf(salt, ikm, info, length) -> bytes:
    """HKDF-Extract then HKDF-Expand, as one call."""
    return expand(extract(salt, ikm), info, length)
