"""The portable primitives against independent implementations on random inputs (hypothesis):
HMAC against Python's `hmac`, HKDF, X25519 (the pure-Python ladder) and AES-CTR against
`cryptography`; and the transcribed RFC/NIST vector files against `cryptography` too."""

import hashlib
import hmac
import json
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import aes_ctr, hkdf, x25519
from protocol.hmac_sha256 import HmacSha256, compare_digest, hmac_sha256

VECTORS = Path(__file__).resolve().parent.parent / "protocol" / "vectors"


def reference_x25519(k, u):
    try:
        return X25519PrivateKey.from_private_bytes(k).exchange(X25519PublicKey.from_public_bytes(u))
    except ValueError:  # OpenSSL refuses the all-zero output of low-order points
        return bytes(32)


def reference_ctr(key, counter, data):
    return Cipher(algorithms.AES(key), modes.CTR(counter)).encryptor().update(data)


@settings(max_examples=300)
@given(key=st.binary(max_size=200), data=st.binary(max_size=2000), cut=st.integers(0, 2000))
def test_hmac_matches_python_hmac(key, data, cut):
    expected = hmac.new(key, data, hashlib.sha256).digest()
    assert hmac_sha256(key, data) == expected
    assert HmacSha256(key).digest(data[:cut], data[cut:]) == expected


@settings(max_examples=300)
@given(a=st.binary(max_size=40), b=st.binary(max_size=40))
def test_compare_digest_matches_python(a, b):
    assert compare_digest(a, b) == hmac.compare_digest(a, b)
    assert compare_digest(a, a)


@settings(max_examples=300)
@given(
    salt=st.binary(max_size=100),
    ikm=st.binary(max_size=200),
    info=st.binary(max_size=100),
    length=st.integers(1, 255 * 32),
)
def test_hkdf_matches_cryptography(salt, ikm, info, length):
    expected = HKDF(hashes.SHA256(), length, salt or None, info).derive(ikm)
    assert hkdf.hkdf(salt, ikm, info, length) == expected
    prk = hkdf.extract(salt, ikm)
    assert prk == hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()
    assert hkdf.expand(prk, info, length) == HKDFExpand(hashes.SHA256(), length, info).derive(prk)


@settings(max_examples=200, deadline=None)
@given(k=st.binary(min_size=32, max_size=32), u=st.binary(min_size=32, max_size=32))
def test_x25519_pure_ladder_matches_cryptography(k, u):
    expected = reference_x25519(k, u)
    assert x25519.scalarmult_pure(k, u) == expected
    assert x25519.scalarmult(k, u) == expected


@settings(max_examples=100, deadline=None)
@given(a=st.binary(min_size=32, max_size=32), b=st.binary(min_size=32, max_size=32))
def test_x25519_public_keys_and_agreement_match_cryptography(a, b):
    pa = X25519PrivateKey.from_private_bytes(a).public_key().public_bytes_raw()
    assert x25519.scalarmult_pure(a, x25519.BASE_POINT) == pa
    assert x25519.public_key(a) == pa
    pb = x25519.public_key(b)
    assert x25519.scalarmult_pure(a, pb) == x25519.scalarmult_pure(b, pa) == reference_x25519(a, pb)


@settings(max_examples=300)
@given(
    key=st.one_of(st.binary(min_size=32, max_size=32), st.binary(min_size=16, max_size=16)),
    counter=st.one_of(
        st.binary(min_size=16, max_size=16),
        st.integers(0, 200).map(lambda d: ((1 << 128) - d - 1).to_bytes(16, "big")),
    ),
    data=st.binary(max_size=2000),
)
def test_aes_ctr_matches_cryptography(key, counter, data):
    assert aes_ctr.AesCtr(key).xor(counter, data) == reference_ctr(key, counter, data)


def _load(name):
    return json.loads((VECTORS / (name + ".json")).read_text(encoding="utf-8"))


def test_vector_files_agree_with_independent_implementations():
    h = bytes.fromhex
    for c in _load("hmac_sha256")["cases"]:
        assert hmac.new(h(c["key"]), h(c["data"]), hashlib.sha256).hexdigest().startswith(c["mac"])
    for c in _load("hkdf")["cases"]:
        okm = HKDF(hashes.SHA256(), c["length"], h(c["salt"]) or None, h(c["info"]))
        assert okm.derive(h(c["ikm"])).hex() == c["okm"]
    x = _load("x25519")
    for c in x["scalarmult"]:
        assert reference_x25519(h(c["k"]), h(c["u"])).hex() == c["out"]
    k = u = h(x["iterated"]["start"])
    after = {a["iterations"]: a["k"] for a in x["iterated"]["after"]}
    for i in range(1, max(after) + 1):
        k, u = reference_x25519(k, u), k
        if i in after:
            assert k.hex() == after[i]
    d = x["dh"]
    assert reference_x25519(h(d["alice_private"]), h(d["bob_public"])).hex() == d["shared"]
    for z in x["zero_output"]:
        assert reference_x25519(h(d["alice_private"]), h(z)) == bytes(32)
    for c in _load("aes_ctr")["cases"]:
        assert reference_ctr(h(c["key"]), h(c["counter"]), h(c["input"])).hex() == c["output"]
