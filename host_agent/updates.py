"""The signed updates the practice PC keeps and offers its terminals (docs/agent.md
"Updates"). `tla-agent update add FILE` checks a bundle whole, as a terminal will (its
manifest, m of n release signatures by the keys the terminals of its board hold, the image
against its digest and each chunk against its hash), then keeps it, 0600, in the folder
`updates` beside the database; a sync offers the newest one of a terminal's board whose
counter is above the terminal's (host_agent/sync_update.py). A kept file is checked again
each time it is read: a file changed on the disk is never offered."""

import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

from firmware import release_keys
from host_agent import files
from host_agent.errors import AgentError
from host_agent.store import location
from protocol import update_manifest as um
from protocol.security_errors import SecurityError

FOLDER = "updates"
SUFFIX = ".tlaup"
MAX_BUNDLE = um.MAX_IMAGE + um.MAX_SIGNED + 64  # the image, its signed manifest, the map
MAX_KEPT = 64  # bundles read when looking for one to offer


class UpdateError(AgentError):
    """A bundle refused: one line saying why; nothing was kept."""

    french_default = "La mise à jour a été refusée ; rien n'a été gardé."


class Bundle:
    """A checked bundle: its manifest (protocol/update_manifest.Manifest), the signed
    manifest the terminal takes, the image and where it is kept."""

    def __init__(self, manifest, signed, image, path=None):
        self.manifest = manifest
        self.signed = signed
        self.image = image
        self.path = path

    @property
    def name(self) -> str:
        m = self.manifest
        return "%s-%010d-%s%s" % (m.board, m.counter, m.sha[:4].hex(), SUFFIX)

    def chunk(self, index) -> bytes:
        return self.image[index * um.CHUNK : (index + 1) * um.CHUNK]


def verify_signature(key, digest, sig) -> bool:
    """ECDSA P-256 by `cryptography` (the terminal's is protocol/p256.py)."""
    try:
        pub = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), bytes(key))
        r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
        pub.verify(encode_dss_signature(r, s), digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except (InvalidSignature, ValueError):
        return False
    return True


def _every_signature_good(raw, signatures, keys):
    """The PC refuses a bundle that carries any signature besides m good ones: a terminal
    stops at m (its heap and time), which would let a forged one travel unseen beside them
    (tools/release.py join refuses them the same way)."""
    known = {bytes(kid): key for kid, key in keys}
    digest = um.signing_digest(raw)
    for kid, sig in signatures:
        key = known.get(bytes(kid))
        if key is None or not verify_signature(key, digest, sig):
            raise um.UpdateRefused(
                "signature",
                "it carries a signature that is not a good release signature (key %s)"
                % bytes(kid).hex(),
            )


def check(data: bytes, where="the bundle") -> Bundle:
    """The Bundle of the bytes `data`, every part checked; UpdateError saying why not."""
    try:
        signed, image = um.read_bundle(data)
        raw, signatures = um.read_signed(signed)
        manifest = um.read_manifest(raw)
        keys, threshold = release_keys.for_board(manifest.board)
        if not keys:
            raise UpdateError(
                "%s is for board %s, whose release keys this agent does not hold"
                % (where, manifest.board)
            )
        um.check_signatures(raw, signatures, keys, threshold, verify_signature)
        _every_signature_good(raw, signatures, keys)
    except SecurityError as e:
        raise UpdateError("%s is refused: %s" % (where, e)) from None
    if len(image) != manifest.size or hashlib.sha256(image).digest() != manifest.sha:
        raise UpdateError("%s is refused: its image does not match its signed digest" % where)
    if um.chunk_hashes(image) != manifest.hashes:
        raise UpdateError("%s is refused: its image does not match its chunk hashes" % where)
    return Bundle(manifest, signed, image)


def folder_of(db) -> Path:
    """Where the kept bundles live: beside a database file, or in the agent's data folder
    when the database is a PostgreSQL server (host_agent/store/location.py)."""
    return location.parse(db).parent / FOLDER


def read(path: Path) -> Bundle:
    try:
        data = files.read_small(path, MAX_BUNDLE, "a tla update bundle")
    except OSError as e:
        raise UpdateError("cannot read %s: %s" % (path, e.strerror or e)) from None
    except ValueError as e:
        raise UpdateError(str(e)) from None
    bundle = check(data, str(path))
    bundle.path = path
    return bundle


def add(db: Path, path: Path) -> tuple:
    """Check the bundle file `path` and keep it beside the database `db`: (Bundle, True
    when it was new). A bundle of the same board and counter but other bytes is refused:
    a counter names one release."""
    bundle = read(path)
    m = bundle.manifest
    for other in kept(db):
        o = other.manifest
        if o.board == m.board and o.counter == m.counter:
            if other.signed == bundle.signed and other.image == bundle.image:
                return other, False
            raise UpdateError(
                "another bundle of counter %d for board %s is kept already (%s): a "
                "counter names one release" % (m.counter, m.board, other.path.name)
            )
    target = folder_of(db) / bundle.name
    try:
        files.write_private(target, path.read_bytes())
    except OSError as e:
        raise UpdateError("cannot write %s: %s" % (target, e.strerror or e)) from None
    bundle.path = target
    return bundle, True


def kept(db: Path, problems=None) -> list:
    """The bundles kept, sorted by board and counter; one that no longer checks is left
    out (its line appended to `problems`)."""
    folder = folder_of(db)
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*" + SUFFIX))[:MAX_KEPT]:
        try:
            out.append(read(path))
        except UpdateError as e:
            if problems is not None:
                problems.append(str(e))
    out.sort(key=lambda b: (b.manifest.board, b.manifest.counter))
    return out


def offer(db: Path, board: str, counter: int, rolled_back=None):
    """The newest kept Bundle for `board` above `counter`, or None; not the one of counter
    `rolled_back` (the terminal tried it and went back: it would refuse it again)."""
    best = None
    for bundle in kept(db):
        m = bundle.manifest
        if m.board != board or m.counter <= counter:
            continue
        if m.counter == rolled_back:
            continue
        if best is None or m.counter > best.manifest.counter:
            best = bundle
    return best


def summary_lines(s) -> list:
    """What a sync says of updates (a host_agent/sync_parts.Summary): one line each."""
    out = []
    if s.update_back:
        out.append("update %s rolled back by the terminal: %s" % s.update_back)
    if s.update_confirmed and s.update_running:
        out.append("the terminal runs %s (counter %d)" % s.update_running)
    if s.update_sent:
        out.append("update %s taken: the terminal switches to it once idle" % s.update_sent)
    if s.update_refused:
        out.append("update %s not taken: %s" % s.update_refused)
    return out
