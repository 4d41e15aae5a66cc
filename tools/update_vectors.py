"""Write protocol/vectors/p256.json and protocol/vectors/update.json: ECDSA P-256 cases
(valid and invalid) made with `cryptography`, and signed update manifests for the test
board (the TEST release keys, docs/board.md "Updates") with what a terminal must answer to
each. tests/portable/test_p256_vectors.py and test_update_take.py replay them under every
interpreter; tests/test_update_vectors.py checks them again with `cryptography`.

ECDSA signatures are drawn at random: running this again writes other bytes, as valid.

Run: .venv/bin/python tools/update_vectors.py
"""

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from emulator.releases import public_bytes, signature, test_key  # noqa: E402
from emulator.updatecut import vector_image  # noqa: E402
from protocol import p256  # noqa: E402
from protocol import update_manifest as um  # noqa: E402

BOARD = "fake"  # tests/portable/_update_kit.UpdateBoard's name (a TEST board)
IMAGE_SIZE = 5000  # five chunks, the last short
POWERCUT_SIZE = 19999  # twenty chunks over five flash blocks, the last chunk short


def image(seed, size=IMAGE_SIZE):
    """Deterministic bytes standing for an image (the test boards boot none)."""
    return vector_image(seed, size)


def _p256_cases():
    cases = []
    for i in range(12):
        key = ec.derive_private_key(1000003 + i * 7919, ec.SECP256R1())
        msg = b"tla p256 vector %d" % i
        _, sig = signature(key, msg)
        digest = hashlib.sha256(um.DOMAIN + msg).digest()
        cases.append((public_bytes(key), digest, sig, True, "valid"))
    key, digest, sig = cases[0][0], cases[0][1], cases[0][2]
    r, s = sig[:32], sig[32:]
    n = p256.N.to_bytes(32, "big")
    high_s = (p256.N - int.from_bytes(s, "big")).to_bytes(32, "big")
    other = cases[1][0]
    bad_point = key[:64] + bytes(((key[64] + 1) & 0xFF,))
    flipped = bytearray(sig)
    flipped[40] ^= 0x10
    cases += [
        (key, digest, r + high_s, True, "s replaced by n - s (ECDSA takes both)"),
        (key, digest, bytes(flipped), False, "a bit of s flipped"),
        (key, hashlib.sha256(b"another message").digest(), sig, False, "another digest"),
        (other, digest, sig, False, "another key"),
        (key, digest, bytes(32) + s, False, "r = 0"),
        (key, digest, r + bytes(32), False, "s = 0"),
        (key, digest, n + s, False, "r = n"),
        (key, digest, r + n, False, "s = n"),
        (key, digest, s + r, False, "r and s swapped"),
        (bad_point, digest, sig, False, "a key off the curve"),
        (b"\x02" + key[1:33], digest, sig, False, "a compressed key (not taken)"),
        (key, digest, sig[:63], False, "a signature one byte short"),
    ]
    return [
        {"key": k.hex(), "digest": d.hex(), "sig": g.hex(), "valid": v, "what": w}
        for k, d, g, v, w in cases
    ]


def _signed(manifest, keys):
    return um.signed_bytes(manifest, [signature(k, manifest) for k in keys])


def _update_cases():
    good = image(1)
    k1, k2, k3 = test_key(0), test_key(1), test_key(2)
    outsider = ec.derive_private_key(777777777, ec.SECP256R1())

    def manifest(board=BOARD, version="0.2.0", counter=2, img=good, reads=(1,)):
        return um.manifest_bytes(board, version, counter, img, reads)

    m = manifest()
    lying_chunk = bytearray(um.read_manifest(m).hashes)
    lying_chunk[2 * 32] ^= 1  # chunk 2's hash lies
    value = {
        "fmt": 1,
        "board": BOARD,
        "version": "0.2.0",
        "counter": 2,
        "size": len(good),
        "sha": hashlib.sha256(good).digest(),
        "hashes": bytes(lying_chunk),
        "reads": [1],
    }
    from protocol import cbor

    m_chunk = cbor.encode(value)
    value["hashes"] = um.chunk_hashes(good)
    value["sha"] = hashlib.sha256(b"not the image").digest()
    m_sha = cbor.encode(value)
    bad = bytearray(_signed(m, [k1, k2]))
    bad[-5] ^= 0x40  # inside the second signature's s
    cases = [
        ("ok", _signed(m, [k1, k2]), "ok", "2 of the 3 TEST keys"),
        ("all three", _signed(m, [k3, k1, k2]), "ok", "3 of 3"),
        ("one signature", _signed(m, [k1]), "threshold", "1 of the 2 needed"),
        ("same key twice", _signed(m, [k1, k1]), "threshold", "one key counts once"),
        ("no signature", _signed(m, []), "signature", "none"),
        ("a bad signature", bytes(bad), "signature", "a byte of key 2's signature flipped"),
        ("an unknown key", _signed(m, [k1, outsider]), "key", "key 1 and a key not in the list"),
        ("another board", _signed(manifest(board="rp2350"), [k1, k2]), "board", "for rp2350"),
        ("an older counter", _signed(manifest(counter=1), [k1, k2]), "counter", "counter 1"),
        ("another format", _signed(manifest(reads=(2,)), [k1, k2]), "format", "reads 2 only"),
        ("too large", _signed(manifest(img=image(2, 40000)), [k1, k2]), "size", "40,000 bytes"),
        ("a chunk hash that lies", _signed(m_chunk, [k1, k2]), "ok", "chunk 2 refused"),
        ("an image digest that lies", _signed(m_sha, [k1, k2]), "ok", "refused at the end"),
        ("newer", _signed(manifest(version="0.3.0", counter=3, img=image(3)), [k2, k3]), "ok", ""),
        (
            "powercut",
            _signed(manifest("powercut", img=image(4, POWERCUT_SIZE)), [k1, k3]),
            "ok",
            "the power-cut bench's update (emulator/updatecut.py): 20 chunks, 5 flash blocks",
        ),
    ]
    return {
        "board": BOARD,
        "image": good.hex(),
        "newer image": image(3).hex(),
        "cases": [{"name": n, "signed": s.hex(), "expect": e, "what": w} for n, s, e, w in cases],
    }


def main():
    out = ROOT / "protocol" / "vectors"
    (out / "p256.json").write_text(json.dumps(_p256_cases(), indent=1) + "\n")
    (out / "update.json").write_text(json.dumps(_update_cases(), indent=1) + "\n")
    print("wrote", out / "p256.json", "and", out / "update.json")


if __name__ == "__main__":
    main()
