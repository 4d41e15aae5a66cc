"""ECDSA verification on NIST P-256 (FIPS 186-5 6.4.2, SEC 1 4.1.4) in Python integers.

The terminal checks the release keys' signatures of an update with it (docs/architecture.md
"Decisions": MicroPython has SHA-256 and big integers but no Ed25519, no P-256 and, in
jonnor's build, no SHA-512, so Ed25519 would need a pure-Python SHA-512 as well). Only
verification is here: it handles public values (keys, signatures, a digest), so it needs
no constant time. Points are in Jacobian coordinates (one inversion at the end); u1 * G +
u2 * Q is one double-and-add loop over both scalars (Shamir's trick). Checked against
`cryptography` by tests/test_p256_against_cryptography.py and by the committed vectors of
protocol/vectors/p256.json under both interpreters.

A public key is SEC 1's uncompressed point, 65 bytes `04 | x | y`; a signature is `r | s`,
64 bytes, as the cards' (docs/architecture.md "Conventions").
"""

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B
GX = 0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296
GY = 0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5
KEY_SIZE = 65
SIGNATURE_SIZE = 64


def _inverse(x, m):
    return pow(x, m - 2, m)  # m is prime (Fermat)


def on_curve(x, y) -> bool:
    """y^2 = x^3 - 3x + b (mod p), both coordinates reduced."""
    if not (0 <= x < P and 0 <= y < P):
        return False
    return (y * y - (x * x * x - 3 * x + B)) % P == 0


def public_point(key):
    """(x, y) of a 65-byte uncompressed public key, or None when it is not a point of the
    curve (the point at infinity has no such encoding)."""
    if len(key) != KEY_SIZE or key[0] != 4:
        return None
    x = int.from_bytes(bytes(key[1:33]), "big")
    y = int.from_bytes(bytes(key[33:65]), "big")
    return (x, y) if on_curve(x, y) else None


def _double(pt):
    x, y, z = pt
    if z == 0 or y == 0:
        return (1, 1, 0)
    delta = z * z % P
    gamma = y * y % P
    beta = x * gamma % P
    alpha = 3 * (x - delta) * (x + delta) % P  # a = -3
    x3 = (alpha * alpha - 8 * beta) % P
    z3 = ((y + z) * (y + z) - gamma - delta) % P
    y3 = (alpha * (4 * beta - x3) - 8 * gamma * gamma) % P
    return (x3, y3, z3)


def _add_affine(pt, qx, qy):
    """Jacobian `pt` plus the affine point (qx, qy)."""
    x1, y1, z1 = pt
    if z1 == 0:
        return (qx, qy, 1)
    z1z1 = z1 * z1 % P
    u2 = qx * z1z1 % P
    s2 = qy * z1 * z1z1 % P
    h = (u2 - x1) % P
    r = 2 * (s2 - y1) % P
    if h == 0:
        return _double(pt) if r == 0 else (1, 1, 0)
    hh = h * h % P
    i = 4 * hh % P
    j = h * i % P
    v = x1 * i % P
    x3 = (r * r - j - 2 * v) % P
    y3 = (r * (v - x3) - 2 * y1 * j) % P
    z3 = ((z1 + h) * (z1 + h) - z1z1 - hh) % P
    return (x3, y3, z3)


def _affine(pt):
    x, y, z = pt
    if z == 0:
        return None
    zi = _inverse(z, P)
    zi2 = zi * zi % P
    return (x * zi2 % P, y * zi2 * zi % P)


def _twin(u1, u2, qx, qy):
    """u1 * G + u2 * Q, affine, or None for the point at infinity."""
    gq = _affine(_add_affine((GX, GY, 1), qx, qy))
    acc = (1, 1, 0)  # the point at infinity: leading zero bits double it for nothing
    for i in range(255, -1, -1):  # (MicroPython's int has no bit_length; both are < n)
        acc = _double(acc)
        a, b = (u1 >> i) & 1, (u2 >> i) & 1
        if a and b:
            if gq is None:  # Q = -G: G + Q is the point at infinity, adds nothing
                continue
            acc = _add_affine(acc, gq[0], gq[1])
        elif a:
            acc = _add_affine(acc, GX, GY)
        elif b:
            acc = _add_affine(acc, qx, qy)
    return _affine(acc)


def verify(key, digest, signature) -> bool:
    """True when `signature` (r | s) is a valid ECDSA signature by the public `key` over the
    32-byte SHA-256 `digest` of the message. Anything malformed is False, never an error."""
    if len(signature) != SIGNATURE_SIZE or len(digest) != 32:
        return False
    q = public_point(key)
    if q is None:
        return False
    r = int.from_bytes(bytes(signature[:32]), "big")
    s = int.from_bytes(bytes(signature[32:]), "big")
    if not (0 < r < N and 0 < s < N):
        return False
    e = int.from_bytes(bytes(digest), "big") % N  # 256-bit digest: its leftmost bits are all
    w = _inverse(s, N)
    point = _twin(e * w % N, r * w % N, q[0], q[1])
    return point is not None and point[0] % N == r
