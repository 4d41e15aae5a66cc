"""HMAC-SHA256 (RFC 4231), HKDF-SHA256 (RFC 5869), AES-256-CTR (SP 800-38A F.5.5/F.5.6) and
the constant-time comparison, on their vectors (both interpreters)."""

import hashlib

from _kit import Rng, load_vectors, raises

from protocol import aes_ctr, hkdf
from protocol.hmac_sha256 import HmacSha256, compare_digest, hmac_sha256

H = bytes.fromhex


def test_hmac_rfc4231_vectors():
    cases = load_vectors("hmac_sha256")["cases"]
    for c in cases:
        mac = hmac_sha256(H(c["key"]), H(c["data"]))
        assert mac[: len(H(c["mac"]))] == H(c["mac"]), c["name"]
    print("HMAC-SHA256: %d RFC 4231 cases" % len(cases))


def test_hmac_parts_are_concatenated_and_the_key_reused():
    rng = Rng(1)
    key = rng.bytes(32)
    mac = HmacSha256(key)
    data = rng.bytes(300)
    whole = hmac_sha256(key, data)
    for cut in (0, 1, 63, 64, 65, 299, 300):
        assert mac.digest(data[:cut], data[cut:]) == whole
        assert mac.digest(bytearray(data[:cut]), memoryview(data)[cut:]) == whole
    print(whole.hex())


def test_hmac_wipe_leaves_a_useless_object():
    mac = HmacSha256(b"k" * 32)
    before = mac.digest(b"m")
    mac.wipe()
    assert mac.digest(b"m") != before
    assert mac.digest(b"m") != hmac_sha256(b"k" * 32, b"m")


def test_compare_digest():
    a = hashlib.sha256(b"a").digest()
    assert compare_digest(a, a)
    assert compare_digest(a, bytearray(a))
    for i in range(len(a)):
        for bit in (0, 7):
            b = bytearray(a)
            b[i] ^= 1 << bit
            assert not compare_digest(a, b)
    assert not compare_digest(a, a[:-1])
    assert not compare_digest(b"", a)
    assert compare_digest(b"", b"")


def test_hkdf_rfc5869_vectors():
    cases = load_vectors("hkdf")["cases"]
    for c in cases:
        prk = hkdf.extract(H(c["salt"]), H(c["ikm"]))
        assert prk == H(c["prk"]), c["name"]
        okm = hkdf.expand(prk, H(c["info"]), c["length"])
        assert okm == H(c["okm"]), c["name"]
        assert hkdf.hkdf(H(c["salt"]), H(c["ikm"]), H(c["info"]), c["length"]) == okm
    print("HKDF-SHA256: %d RFC 5869 cases" % len(cases))


def test_hkdf_lengths():
    prk = hkdf.extract(b"salt", b"ikm")
    long = hkdf.expand(prk, b"info", 255 * 32)
    assert len(long) == 8160
    for n in (0, 1, 31, 32, 33, 100):
        assert hkdf.expand(prk, b"info", n) == long[:n]
    raises(ValueError, hkdf.expand, prk, b"info", 255 * 32 + 1)
    raises(ValueError, hkdf.expand, prk, b"info", -1)


def test_aes_ctr_sp800_38a_vectors():
    cases = load_vectors("aes_ctr")["cases"]
    for c in cases:
        ctr = aes_ctr.AesCtr(H(c["key"]))
        assert ctr.xor(H(c["counter"]), H(c["input"])) == H(c["output"]), c["name"]
    print("AES-256-CTR: %d SP 800-38A cases" % len(cases))


def test_aes_ctr_any_length_and_split_streams_agree():
    c = load_vectors("aes_ctr")["cases"][0]
    ctr = aes_ctr.AesCtr(H(c["key"]))
    plain, cipher = H(c["input"]), H(c["output"])
    for n in range(len(plain) + 1):
        assert ctr.xor(H(c["counter"]), plain[:n]) == cipher[:n]
    # the second half of the stream starts two blocks later
    later = (int.from_bytes(H(c["counter"]), "big") + 2).to_bytes(16, "big")
    assert ctr.xor(later, plain[32:]) == cipher[32:]


def test_aes_ctr_counter_wraps_at_128_bits():
    ctr = aes_ctr.AesCtr(bytes(32))
    top = b"\xff" * 16
    stream = ctr.keystream(top, 32)
    assert stream[16:] == ctr.keystream(bytes(16), 16)
    print(stream.hex())


def test_aes_ctr_refuses_bad_sizes():
    raises(ValueError, aes_ctr.AesCtr, bytes(24))
    raises(ValueError, aes_ctr.AesCtr(bytes(32)).xor, bytes(15), b"x")
    assert aes_ctr.AesCtr(bytes(16)).xor(bytes(16), b"") == b""


def test_key_material_stays_out_of_reprs():
    key = bytes(range(32))
    for obj in (HmacSha256(key), aes_ctr.AesCtr(key)):
        text = repr(obj) + str(obj)
        assert key.hex() not in text and repr(key) not in text
        print(repr(obj))
