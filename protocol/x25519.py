"""X25519 Diffie-Hellman (RFC 7748): a pure-Python Montgomery ladder for MicroPython, the
platform's own (via protocol._compat) where there is one.

Pairing and every AUTH use it, with fresh single-use keys on both sides (AUTH's ephemeral
exchange gives forward secrecy); see docs/protocol.md.
"""

from protocol._compat import x25519_native

KEY_SIZE = 32
BASE_POINT = b"\x09" + bytes(31)

_P = 2**255 - 19
_A24 = 121665  # (486662 - 2) / 4, RFC 7748 section 5

_native = x25519_native()


def _decode_scalar(k) -> int:
    # RFC 7748 section 5: clear the 3 low bits and the top bit, set bit 254
    b = bytearray(k)
    b[0] &= 248
    b[31] &= 127
    b[31] |= 64
    return int.from_bytes(b, "little")


def _decode_u(u) -> int:
    # RFC 7748 section 5: mask the unused top bit; non-canonical values are taken mod p
    b = bytearray(u)
    b[31] &= 127
    return int.from_bytes(b, "little") % _P


def scalarmult_pure(k, u) -> bytes:
    """X25519(k, u) by the Montgomery ladder of RFC 7748 section 5, in Python integers.

    Not constant-time (Python integers are not): acceptable here because each scalar is
    used once, for one pairing, so timing never gets repeated measurements of one key.
    """
    if len(k) != KEY_SIZE or len(u) != KEY_SIZE:
        raise ValueError("X25519 keys and points are 32 bytes")
    scalar = _decode_scalar(k)
    x1 = _decode_u(u)
    x2, z2, x3, z3 = 1, 0, x1, 1
    swap = 0
    p = _P
    for t in range(254, -1, -1):
        bit = (scalar >> t) & 1
        if swap ^ bit:
            x2, x3 = x3, x2
            z2, z3 = z3, z2
        swap = bit
        a = x2 + z2
        aa = a * a % p
        b = x2 - z2
        bb = b * b % p
        e = aa - bb
        c = x3 + z3
        d = x3 - z3
        da = d * a % p
        cb = c * b % p
        s = da + cb
        x3 = s * s % p
        s = da - cb
        z3 = x1 * (s * s % p) % p
        x2 = aa * bb % p
        z2 = e * (aa + _A24 * e) % p
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, p - 2, p) % p).to_bytes(KEY_SIZE, "little")


def scalarmult(k, u) -> bytes:
    """X25519(k, u): the platform's implementation when there is one, else the ladder."""
    if len(k) != KEY_SIZE or len(u) != KEY_SIZE:
        raise ValueError("X25519 keys and points are 32 bytes")
    if _native is not None:
        return _native(k, u)
    return scalarmult_pure(k, u)


def public_key(private) -> bytes:
    """The public key X25519(private, 9) of a 32-byte private key."""
    return scalarmult(private, BASE_POINT)


def is_zero(secret) -> bool:
    """True for the all-zero output a low-order peer point gives (RFC 7748 section 6.1):
    such a "shared" secret is known to anyone and must be refused."""
    acc = 0
    for b in secret:
        acc |= b
    return acc == 0


def exchange(private, peer_public):
    """The shared secret X25519(private, peer_public), or None when it is all zeros (a
    low-order peer point: a secret anyone knows, to be refused by the caller)."""
    secret = scalarmult(private, peer_public)
    return None if is_zero(secret) else secret
