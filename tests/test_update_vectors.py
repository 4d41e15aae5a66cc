"""The committed update vectors checked with `cryptography` (not our verifier): every P-256
case of protocol/vectors/p256.json verifies or not as it says, the release signatures of
protocol/vectors/update.json are by the TEST keys that firmware/release_keys.py lists, and
those keys are the public halves of emulator/release_test_keys.py."""

import json
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    encode_dss_signature,
)

from emulator import releases
from firmware import release_keys
from protocol import update_manifest as um

VECTORS = Path(__file__).resolve().parent.parent / "protocol" / "vectors"


def _verifies(key, digest, sig):
    if len(sig) != 64:
        return False
    try:
        pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key)
        r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
        pub.verify(encode_dss_signature(r, s), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
        return True
    except (InvalidSignature, ValueError):
        return False


def test_p256_vectors_agree_with_cryptography():
    for case in json.loads((VECTORS / "p256.json").read_text()):
        key, digest, sig = (bytes.fromhex(case[k]) for k in ("key", "digest", "sig"))
        assert _verifies(key, digest, sig) is case["valid"], case["what"]


def test_the_test_keys_are_the_published_private_halves():
    listed = [key for _, key in release_keys.TEST_KEYS]
    assert listed == [releases.public_bytes(releases.test_key(i)) for i in range(3)]
    assert release_keys.RELEASE_KEYS == ()  # no production key in the repository
    # Only the emulator's boards take what the TEST keys sign.
    assert release_keys.for_board("rp2350") == ([], release_keys.RELEASE_THRESHOLD)


def test_update_vector_signatures_are_by_the_test_keys():
    known = {um.key_id(key): key for _, key in release_keys.TEST_KEYS}
    data = json.loads((VECTORS / "update.json").read_text())
    for case in data["cases"]:
        manifest, sigs = um.read_signed(bytes.fromhex(case["signed"]))
        digest = um.signing_digest(manifest)
        good = {kid for kid, sig in sigs if kid in known and _verifies(known[kid], digest, sig)}
        if case["expect"] == "ok":
            assert len(good) >= release_keys.TEST_THRESHOLD, case["name"]
        if case["expect"] in ("threshold", "signature", "key"):
            assert len(good) < release_keys.TEST_THRESHOLD, case["name"]
