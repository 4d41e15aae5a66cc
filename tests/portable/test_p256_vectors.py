"""ECDSA P-256 verification (protocol/p256.py) against the committed vectors of
protocol/vectors/p256.json, made with `cryptography` (tools/update_vectors.py; checked again
by tests/test_update_vectors.py): every valid signature verifies, every altered one (a bit
flipped, r or s zero or n, swapped, another digest or key, a key off the curve, a
compressed key, a short signature) does not, and nothing raises."""

from _kit import load_vectors

from protocol import p256

CASES = load_vectors("p256")


def test_every_vector_verifies_as_cryptography_says():
    assert len(CASES) >= 20
    valid = 0
    for case in CASES:
        key = bytes.fromhex(case["key"])
        digest = bytes.fromhex(case["digest"])
        sig = bytes.fromhex(case["sig"])
        assert p256.verify(key, digest, sig) is case["valid"], case["what"]
        valid += case["valid"]
    assert 0 < valid < len(CASES)


def test_malformed_inputs_are_false_never_an_error():
    case = CASES[0]
    key, digest, sig = (bytes.fromhex(case[k]) for k in ("key", "digest", "sig"))
    assert p256.verify(key, digest, sig)
    for k, d, s in (
        (b"", digest, sig),
        (b"\x04" + bytes(64), digest, sig),  # (0, 0) is not on the curve
        (key, digest[:31], sig),
        (key, digest, b""),
        (key, digest, sig + b"\x00"),
        (b"\x04" + b"\xff" * 64, digest, sig),  # coordinates at or above p
    ):
        assert p256.verify(k, d, s) is False
