"""X25519 (RFC 7748 sections 5.2 and 6.1, with the 1 and 1,000 iteration test): the
pure-Python ladder on both interpreters, and the platform's one where there is one."""

from _kit import Rng, load_vectors, raises

from protocol import x25519

V = load_vectors("x25519")
H = bytes.fromhex


def test_scalarmult_rfc7748_5_2():
    for c in V["scalarmult"]:
        assert x25519.scalarmult_pure(H(c["k"]), H(c["u"])) == H(c["out"]), c["name"]
        assert x25519.scalarmult(H(c["k"]), H(c["u"])) == H(c["out"]), c["name"]


def test_iterated_1_and_1000_times_pure_ladder():
    k = u = H(V["iterated"]["start"])
    expected = dict((a["iterations"], H(a["k"])) for a in V["iterated"]["after"])
    for i in range(1, 1001):
        k, u = x25519.scalarmult_pure(k, u), k
        if i in expected:
            assert k == expected[i], i
            print("after %d: %s" % (i, k.hex()))


def test_diffie_hellman_rfc7748_6_1():
    d = V["dh"]
    for mult in (x25519.scalarmult_pure, x25519.scalarmult):
        assert mult(H(d["alice_private"]), x25519.BASE_POINT) == H(d["alice_public"])
        assert mult(H(d["bob_private"]), x25519.BASE_POINT) == H(d["bob_public"])
        assert mult(H(d["alice_private"]), H(d["bob_public"])) == H(d["shared"])
        assert mult(H(d["bob_private"]), H(d["alice_public"])) == H(d["shared"])
    assert x25519.public_key(H(d["alice_private"])) == H(d["alice_public"])


def test_low_order_points_give_zero_which_is_detected():
    k = H(V["dh"]["alice_private"])
    for u in V["zero_output"]:
        assert x25519.scalarmult_pure(k, H(u)) == bytes(32)
        assert x25519.scalarmult(k, H(u)) == bytes(32)
        assert x25519.is_zero(x25519.scalarmult(k, H(u)))
    assert not x25519.is_zero(x25519.public_key(k))


def test_pure_and_platform_agree_on_random_keys():
    rng = Rng(7)
    for _ in range(8):
        a, b = rng.bytes(32), rng.bytes(32)
        pa = x25519.scalarmult_pure(a, x25519.BASE_POINT)
        assert pa == x25519.public_key(a)
        assert x25519.scalarmult_pure(b, pa) == x25519.scalarmult(b, pa)
        assert x25519.scalarmult(b, pa) == x25519.scalarmult(a, x25519.public_key(b))
        print(pa.hex())


def test_top_bit_of_u_is_ignored():
    c = V["scalarmult"][0]
    u = bytearray(H(c["u"]))
    u[31] |= 0x80
    assert x25519.scalarmult_pure(H(c["k"]), bytes(u)) == H(c["out"])


def test_wrong_sizes_are_refused():
    raises(ValueError, x25519.scalarmult, bytes(31), x25519.BASE_POINT)
    raises(ValueError, x25519.scalarmult_pure, bytes(32), bytes(33))
