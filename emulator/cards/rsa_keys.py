"""RSA 2048 keys derived from a public seed, so that the test PKI's look-alike IGC-Santé
certificates and the virtual CPS3's signatures (RSA PKCS#1 v1.5, deterministic) are the
same on every run, as its ECDSA keys are (pki.py). Not real keys: the seed is public."""

import hashlib
from functools import lru_cache

from cryptography.hazmat.primitives.asymmetric import rsa

_SMALL = [p for p in range(3, 2000, 2) if all(p % q for q in range(3, int(p**0.5) + 1, 2))]


def _stream(seed: bytes, label: str):
    counter = 0
    while True:
        yield hashlib.sha256(b"%s/%s/%d" % (seed, label.encode(), counter)).digest()
        counter += 1


def _probably_prime(n: int, witnesses) -> bool:
    for p in _SMALL:
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for a in witnesses:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(stream, bits: int) -> int:
    while True:
        raw = b"".join(next(stream) for _ in range(bits // 256))
        n = int.from_bytes(raw, "big") | (3 << (bits - 2)) | 1  # top two bits: n*n is 2*bits
        witnesses = [int.from_bytes(next(stream), "big") % (n - 3) + 2 for _ in range(8)]
        if (n - 1) % 65537 and _probably_prime(n, witnesses):
            return n


@lru_cache(maxsize=64)
def derive(seed: bytes, label: str, bits: int = 2048) -> rsa.RSAPrivateKey:
    """The RSA key named `label` under `seed`: always the same one (e = 65537)."""
    stream = _stream(seed, label)
    p = _prime(stream, bits // 2)
    q = _prime(stream, bits // 2)
    while q == p:
        q = _prime(stream, bits // 2)
    e = 65537
    d = pow(e, -1, (p - 1) * (q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p), rsa.RSAPublicNumbers(e, p * q)
    )
    return numbers.private_key()
