"""Making signed updates (docs/board.md "Updates"): the unix board's image of this tree with
a version and a counter of its own, its manifest, the release signatures, the bundle file.
The release tool (tools/release.py) is a command line over these; the emulator, the tests
and the benches sign with the TEST keys (emulator/release_test_keys.py), which only the
emulator's boards take.

Real releases are signed by their key holders offline, each on a machine that never holds
another's key: `tools/release.py sign` takes the manifest and one private key file and
writes one signature; `bundle` joins the manifest, m signatures and the image.
"""

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from emulator import unix_image
from emulator.interpreters import code_root
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


def unix_image_of(version, counter, patch=None, root=None) -> bytes:
    """The unix board's image of this tree, its firmware/version.py saying `version` and
    `counter`; `patch`: {path: bytes} to replace or add (None as a value: left out)."""
    files = unix_image.tree_files(root or code_root())
    files["firmware/version.py"] = (
        '"""Firmware identity (a release build, emulator/releases.py)."""\n\n'
        "FIRMWARE_VERSION = %r\nRELEASE_COUNTER = %d\n" % (version, counter)
    ).encode()
    for path, data in (patch or {}).items():
        if data is None:
            files.pop(path, None)
        else:
            files[path] = data
    return unix_image.pack(files)


def make_bundle(board, version, counter, image, keys=None, reads=(FORMAT_VERSION,)):
    """A bundle file's bytes, signed by `keys` (private keys; default TEST keys 1 and 2)."""
    manifest = um.manifest_bytes(board, version, counter, image, reads)
    keys = [test_key(0), test_key(1)] if keys is None else keys
    signed = um.signed_bytes(manifest, [signature(k, manifest) for k in keys])
    return um.bundle_bytes(signed, image)
