"""COBS: known encodings, round trips, refusals (both interpreters)."""

from _kit import Rng, load_vectors, raises

from protocol import cobs


def test_vectors():
    for v in load_vectors("cobs"):
        data = bytes.fromhex(v["data"])
        assert cobs.encode(data).hex() == v["cobs"], v
        assert cobs.decode(bytes.fromhex(v["cobs"])) == data, v


def test_round_trip_random_and_no_zero_in_output():
    rng = Rng(11)
    for _ in range(200):
        n = rng.below(700)
        # Bias towards zeros and long runs without zero.
        data = bytes((0 if rng.below(8) == 0 else rng.below(256)) for _ in range(n))
        enc = cobs.encode(data)
        assert 0 not in enc
        assert len(enc) <= n + n // 254 + 1
        assert cobs.decode(enc) == data


def test_refuses_zero_and_truncation():
    raises(cobs.CobsError, cobs.decode, b"\x03\x01\x00")
    raises(cobs.CobsError, cobs.decode, b"\x05\x01\x02")
    raises(cobs.CobsError, cobs.decode, b"\x00")
