"""Making signed updates (docs/board.md "Updates"): a manifest, the release signatures, the
bundle file. The tests, the vectors (tools/update_vectors.py) and the benches sign with the
TEST keys (emulator/release_test_keys.py), which only the emulator's boards take.

Real releases are signed by their key holders offline, each on a machine that never holds
another's key (docs/board.md "Signing a release"): `signature` is what each of them runs
over the manifest with their own key; `um.signed_bytes` and `um.bundle_bytes` join m
signatures, the manifest and the image.
"""

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from emulator.release_test_keys import TEST_PRIVATE
from firmware.journal_format import FORMAT_VERSION
from protocol import update_manifest as um


def private_key(value):
    return ec.derive_private_key(value, ec.SECP256R1())


def public_bytes(key) -> bytes:
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def test_key(index):
    """TEST release key `index` (0, 1, 2), a cryptography private key."""
    return private_key(TEST_PRIVATE[index])


def signature(key, manifest) -> tuple:
    """(key id, r | s): `key` (a private key) signs the manifest bytes."""
    der = key.sign(um.DOMAIN + manifest, ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return um.key_id(public_bytes(key)), r.to_bytes(32, "big") + s.to_bytes(32, "big")


def make_bundle(board, version, counter, image, keys=None, reads=(FORMAT_VERSION,)):
    """A bundle file's bytes, signed by `keys` (private keys; default TEST keys 1 and 2)."""
    manifest = um.manifest_bytes(board, version, counter, image, reads)
    keys = [test_key(0), test_key(1)] if keys is None else keys
    signed = um.signed_bytes(manifest, [signature(k, manifest) for k in keys])
    return um.bundle_bytes(signed, image)
