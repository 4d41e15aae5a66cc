"""The release ceremony's commands (docs/board.md "Signing a release"): each step on its own
machine, by its own person; no command ever holds two holders' keys.

    keygen KEYFILE            a P-256 key pair into KEYFILE (0600, never overwritten); prints
                              its id and the line to add to firmware/release_keys.py
    trial IMAGE -o FILE       the RP2350 update image of a built image (tla-t1.bin): the same
                              bytes with the boot ROM's try-before-you-buy flag set
                              (tools/picobin.py); `manifest --board rp2350` wants it
    manifest IMAGE -o FILE    the manifest of IMAGE (--board, --version, --counter, --reads);
                              prints the digest every holder compares before signing
    sign MANIFEST KEYFILE -o SIG
                              one holder's signature of MANIFEST (the SIG file); prints what
                              the holder signs (board, version, counter, digests)
    join MANIFEST IMAGE SIG... -o BUNDLE.tlaup
                              m signatures and the image into the bundle, refused unless
                              m distinct keys the terminals of that board hold signed this
                              very manifest (each signature verified, none forged) and the
                              image is the one it names

A signature file: CBOR {"sig": 1, "manifest": SHA-256 of the manifest, "key": key id,
"rs": r | s}. The TEST keys (emulator/release_test_keys.py) sign for the emulator's boards
only; tla's release keys are made offline by their holders, not here.

Run: .venv/bin/python tools/release.py COMMAND ... (--help: each command's options).
Errors: one line on stderr, exit 1.
"""

import argparse
import hashlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from emulator import releases  # noqa: E402
from firmware import release_keys  # noqa: E402
from firmware.journal_format import FORMAT_VERSION  # noqa: E402
from host_agent import updates  # noqa: E402
from protocol import cbor  # noqa: E402
from protocol import update_manifest as um  # noqa: E402
from protocol.security_errors import SecurityError  # noqa: E402
from tools import picobin  # noqa: E402

MAX_FILE = um.MAX_IMAGE + um.MAX_SIGNED  # no input of the ceremony is larger


class ReleaseError(Exception):
    """A step refused: one line saying why; nothing was written."""


def _read(path, what, limit=MAX_FILE) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise ReleaseError("cannot read %s %s: %s" % (what, path, e.strerror or e)) from None
    if len(data) > limit:
        raise ReleaseError("%s %s is larger than %d bytes" % (what, path, limit))
    return data


def _write_new(path, data: bytes, mode=0o644):
    """Write `path` afresh (never over a file: a key or a signature is not replaced)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise ReleaseError("%s exists already: nothing was written" % path) from None
    except OSError as e:
        raise ReleaseError("cannot write %s: %s" % (path, e.strerror or e)) from None
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, mode)  # whatever the umask


def _key(path):
    try:
        key = serialization.load_pem_private_key(_read(path, "the key file", 4096), None)
    except (ValueError, TypeError) as e:
        raise ReleaseError("%s is not an unencrypted P-256 key file: %s" % (path, e)) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ReleaseError("%s is not a P-256 key" % path)
    return key


def _manifest(path):
    raw = _read(path, "the manifest", um.MAX_MANIFEST)
    try:
        return raw, um.read_manifest(raw)
    except SecurityError as e:
        raise ReleaseError("%s is not a release manifest: %s" % (path, e)) from None


def _describe(m, raw) -> str:
    return "board %s, version %s, counter %d, %d bytes, image SHA-256 %s, manifest %s" % (
        m.board,
        m.version,
        m.counter,
        m.size,
        m.sha.hex(),
        hashlib.sha256(raw).hexdigest(),
    )


def key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def keygen(args):
    key = ec.generate_private_key(ec.SECP256R1())
    public = releases.public_bytes(key)
    _write_new(args.keyfile, key_pem(key), 0o600)
    print("key %s written to %s (0600): keep it offline" % (um.key_id(public).hex(), args.keyfile))
    print("its public half, for firmware/release_keys.RELEASE_KEYS:")
    print('    ("%s", unhexlify(b"%s")),' % (args.name, public.hex()))


def trial(args):
    try:
        image = picobin.for_trial(_read(args.image, "the image"))
    except picobin.PicobinError as e:
        raise ReleaseError(str(e)) from None
    _write_new(args.output, image)
    print("%s: %d bytes flagged for a try before you buy" % (args.output, len(image)))


def manifest(args):
    image = _read(args.image, "the image")
    if not 0 < len(image) <= um.MAX_IMAGE:
        raise ReleaseError("an image is 1 to %d bytes, not %d" % (um.MAX_IMAGE, len(image)))
    if args.board == "rp2350":  # the boot ROM must boot it on trial (tools/picobin.py)
        try:
            flagged = picobin.flagged_for_trial(image)
        except picobin.PicobinError as e:
            raise ReleaseError(str(e)) from None
        if not flagged:
            raise ReleaseError(
                "an RP2350 update must carry the try-before-you-buy flag: "
                "`tools/release.py trial IMAGE -o FILE` makes it"
            )
    try:
        raw = um.manifest_bytes(args.board, args.version, args.counter, image, args.reads)
        m = um.read_manifest(raw)  # the terminal's own checks of every field
    except SecurityError as e:
        raise ReleaseError("no manifest: %s" % e) from None
    _write_new(args.output, raw)
    print("manifest %s: %s" % (args.output, _describe(m, raw)))


def sign(args):
    raw, m = _manifest(args.manifest)
    kid, rs = releases.signature(_key(args.keyfile), raw)
    body = {"sig": 1, "manifest": hashlib.sha256(raw).digest(), "key": kid, "rs": rs}
    _write_new(args.output, cbor.encode(body))
    print("key %s signed %s" % (kid.hex(), _describe(m, raw)))


def read_signature(path, raw) -> tuple:
    """(key id, r | s) of a signature file over the manifest bytes `raw`."""
    try:
        body = cbor.decode(_read(path, "the signature", 256))
    except ValueError as e:
        raise ReleaseError("%s is not a signature file: %s" % (path, e)) from None
    shape = {"sig": int, "manifest": bytes, "key": bytes, "rs": bytes}
    if not isinstance(body, dict) or set(body) != set(shape) or body.get("sig") != 1:
        raise ReleaseError("%s is not a signature file (format 1)" % path)
    if any(type(body[k]) is not t for k, t in shape.items()):
        raise ReleaseError("%s is not a signature file (format 1)" % path)
    if body["manifest"] != hashlib.sha256(raw).digest():
        raise ReleaseError("%s signs another manifest" % path)
    if len(body["key"]) != um.KEY_ID or len(body["rs"]) != 64:
        raise ReleaseError("%s is not a signature file (its sizes)" % path)
    return body["key"], body["rs"]


def join(args):
    raw, m = _manifest(args.manifest)
    image = _read(args.image, "the image")
    if len(image) != m.size or hashlib.sha256(image).digest() != m.sha:
        raise ReleaseError("%s is not the image the manifest names" % args.image)
    sigs = [read_signature(p, raw) for p in args.signatures]
    ids = [kid for kid, _ in sigs]
    if len(set(ids)) != len(ids):
        raise ReleaseError("a key signed twice: each signature must be another holder's")
    keys, threshold = release_keys.for_board(m.board)
    known = {bytes(kid): key for kid, key in keys}
    digest = um.signing_digest(raw)
    for path, (kid, rs) in zip(args.signatures, sigs, strict=True):
        if kid not in known:
            raise ReleaseError(
                "%s is signed by key %s, not a release key of board %s" % (path, kid.hex(), m.board)
            )
        # Each one verified, not only the first m: the terminal stops at m good ones, and a
        # bundle must not carry a forged signature the ceremony counted ("signed by 3 keys")
        if not updates.verify_signature(known[kid], digest, rs):
            raise ReleaseError(
                "%s: its signature does not verify with release key %s (forged, or of another"
                " manifest)" % (path, kid.hex())
            )
    if len(sigs) < threshold:
        raise ReleaseError("%d signatures: board %s needs %d" % (len(sigs), m.board, threshold))
    bundle = um.bundle_bytes(um.signed_bytes(raw, sigs), image)
    try:
        updates.check(bundle)  # as the practice's agent and the terminal will
    except updates.UpdateError as e:
        raise ReleaseError(str(e)) from None
    _write_new(args.output, bundle)
    print("bundle %s: %s, signed by %d keys" % (args.output, _describe(m, raw), len(sigs)))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tools/release.py",
        description="Sign a tla firmware release, m of n holders, each on their own machine "
        '(docs/board.md "Signing a release").',
    )
    sub = p.add_subparsers(dest="command", required=True)
    k = sub.add_parser("keygen", help="make a holder's P-256 key pair (0600 file)")
    k.add_argument("keyfile", help="the new key file (never overwritten)")
    k.add_argument("--name", default="holder", help="the key's name in release_keys.py")
    k.set_defaults(run=keygen)
    t = sub.add_parser("trial", help="an RP2350 image flagged for a try before you buy")
    t.add_argument("image", help="the built image (build/firmware/out/tla-t1.bin)")
    t.add_argument("-o", "--output", required=True, help="the update image to write")
    t.set_defaults(run=trial)
    m = sub.add_parser("manifest", help="the manifest of an image")
    m.add_argument("image", help="the firmware image")
    m.add_argument("--board", required=True, help="the board it runs on: unix, rp2350...")
    m.add_argument("--version", required=True, help="its version, e.g. 0.2.0")
    m.add_argument("--counter", required=True, type=int, help="one above the last release's")
    m.add_argument(
        "--reads",
        type=int,
        action="append",
        help="a journal format it reads (repeatable; default: %d)" % FORMAT_VERSION,
    )
    m.add_argument("-o", "--output", required=True, help="the manifest file to write")
    m.set_defaults(run=manifest)
    s = sub.add_parser("sign", help="one holder signs a manifest")
    s.add_argument("manifest")
    s.add_argument("keyfile", help="this holder's key file")
    s.add_argument("-o", "--output", required=True, help="the signature file to write")
    s.set_defaults(run=sign)
    j = sub.add_parser("join", help="m signatures and the image into the bundle")
    j.add_argument("manifest")
    j.add_argument("image")
    j.add_argument("signatures", nargs="+", help="the holders' signature files")
    j.add_argument("-o", "--output", required=True, help="the .tlaup bundle to write")
    j.set_defaults(run=join)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "reads", None) is None and args.command == "manifest":
        args.reads = [FORMAT_VERSION]
    try:
        args.run(args)
    except ReleaseError as e:
        sys.stderr.write("error: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
