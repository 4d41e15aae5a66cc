"""A signed update (docs/board.md "Updates"): the manifest of a firmware image, signed by m
of the n release keys, and the bundle file that carries both to the practice PC. Builders
for the release tools and the agent, checked readers for the terminal, which treats every
byte as hostile: a reader raises MalformedMessage (ERROR 3) on a wrong type or size,
UpdateRefused (ERROR 12) on an update it must not take, with `reason` naming why.

    manifest = deterministic CBOR map, text keys:
      "fmt"      1, this format
      "board"    the board the image runs on (hal.Board.name: "unix", "rp2350")
      "version"  1-16 printable ASCII characters, shown on screens and in HELLO
      "counter"  1 to 2^31: a terminal never takes a counter at or below its own
      "size"     the image's bytes, 1 to MAX_IMAGE
      "sha"      SHA-256 of the image
      "hashes"   SHA-256 of each CHUNK bytes of the image (the last may be shorter), joined
      "reads"    the journal formats the image reads (firmware/journal_format.FORMAT_VERSION)
    signed   = CBOR [manifest bytes, [[key id, r | s], ...]]  what the terminal takes, keeps
    key id   = SHA-256(the 65-byte public key)[0:8]
    a signature is ECDSA P-256 over SHA-256(DOMAIN | manifest bytes)
    bundle   = CBOR {"bundle": 1, "signed": signed, "image": image bytes}   the published file
"""

import hashlib

from protocol import cbor, messages
from protocol._compat import const
from protocol.security_errors import MalformedMessage, SecurityError

FORMAT = const(1)
DOMAIN = b"tla release manifest v1\x00"
CHUNK = const(1024)  # one chunk a frame: checked whole before it is written
MAX_CHUNKS = const(352)
MAX_IMAGE = MAX_CHUNKS * CHUNK  # 352 KiB
MAX_MANIFEST = const(11520)  # the hashes (11,264 bytes at most) and the fields
MAX_SIGS = const(8)
MAX_SIGNED = const(12288)
MAX_VERSION = const(16)
MAX_BOARD = const(16)
MAX_COUNTER = 1 << 31
KEY_ID = const(8)
SHA = const(32)


class UpdateRefused(SecurityError):
    """A well-formed update this terminal must not take; `reason` is one of REASONS."""

    code = messages.E_UPDATE

    def __init__(self, reason, text):
        super().__init__(text)
        self.reason = reason


# Why an update is refused (firmware/update_screens.py gives each its French line).
REASONS = (
    "signature",  # a signature that does not verify, or none
    "threshold",  # fewer valid signatures than the terminal needs
    "key",  # signed by a key the terminal does not hold
    "board",  # for another board
    "counter",  # a counter at or below the terminal's
    "format",  # the image does not read this terminal's journal
    "size",  # larger than the terminal's slot
    "chunk",  # a chunk that does not match the manifest, or out of order
    "image",  # the whole image does not match its digest
    "failed",  # this very image failed its trial here before
    "boot",  # the new version did not confirm itself: the old one runs again
    "busy",  # another update is being taken
    "storage",  # no slot to take it into
)


def key_id(key) -> bytes:
    return hashlib.sha256(bytes(key)).digest()[:KEY_ID]


def signing_digest(manifest) -> bytes:
    """What each release key signs: SHA-256(DOMAIN | manifest bytes)."""
    h = hashlib.sha256(DOMAIN)
    h.update(manifest)
    return h.digest()


def chunk_count(size) -> int:
    return (size + CHUNK - 1) // CHUNK


def chunk_hashes(image) -> bytes:
    out = bytearray()
    view = memoryview(image)
    for at in range(0, len(image), CHUNK):
        out += hashlib.sha256(view[at : at + CHUNK]).digest()
    return bytes(out)


def manifest_bytes(board, version, counter, image, reads) -> bytes:
    """The manifest of `image` (the release tools' side)."""
    return cbor.encode(
        {
            "fmt": FORMAT,
            "board": board,
            "version": version,
            "counter": counter,
            "size": len(image),
            "sha": hashlib.sha256(image).digest(),
            "hashes": chunk_hashes(image),
            "reads": list(reads),
        }
    )


def signed_bytes(manifest, signatures) -> bytes:
    """`signatures`: [(key id, r | s)], one per key that signed."""
    return cbor.encode([manifest, [[k, s] for k, s in signatures]])


def bundle_bytes(signed, image) -> bytes:
    return cbor.encode({"bundle": 1, "signed": signed, "image": image})


def read_bundle(data):
    """(signed bytes, image bytes) of a bundle file; MalformedMessage when it is not one."""
    try:
        value = cbor.decode(data, 3, 8, 16, max(len(data), 1))
    except ValueError as e:
        raise MalformedMessage("not a tla update bundle (%s)" % e) from None
    if not isinstance(value, dict) or value.get("bundle") != 1 or len(value) != 3:
        raise MalformedMessage("not a tla update bundle (format 1)")
    signed, image = value.get("signed"), value.get("image")
    if not isinstance(signed, bytes) or not isinstance(image, bytes):
        raise MalformedMessage("a bundle holds the signed manifest and the image as bytes")
    return signed, image


def read_signed(signed):
    """(manifest bytes, [(key id, signature)]) of a signed manifest, shapes checked."""
    if len(signed) > MAX_SIGNED:
        raise MalformedMessage("a signed manifest is at most %d bytes" % MAX_SIGNED)
    try:
        value = cbor.decode(signed, 4, MAX_SIGS + 2, 4 * MAX_SIGS + 8, MAX_MANIFEST)
    except ValueError as e:
        raise MalformedMessage("the signed manifest is not CBOR (%s)" % e) from None
    if not isinstance(value, list) or len(value) != 2 or not isinstance(value[0], bytes):
        raise MalformedMessage("a signed manifest is [manifest, signatures]")
    sigs = value[1]
    if not isinstance(sigs, list) or len(sigs) > MAX_SIGS:
        raise MalformedMessage("at most %d signatures" % MAX_SIGS)
    out = []
    for s in sigs:
        if (
            not isinstance(s, list)
            or len(s) != 2
            or not isinstance(s[0], bytes)
            or len(s[0]) != KEY_ID
            or not isinstance(s[1], bytes)
            or len(s[1]) != 64
        ):
            raise MalformedMessage("a signature is [key id (8 bytes), r | s (64 bytes)]")
        out.append((s[0], s[1]))
    return value[0], out


def check_signatures(manifest, signatures, keys, threshold, verify):
    """Refuse (UpdateRefused) unless `threshold` distinct keys of `keys` ([(id, 65-byte
    public key)]) signed `manifest`; `verify(key, digest, signature)` is ECDSA's (the
    terminal's protocol.p256.verify, the PC's cryptography). Only known keys' signatures
    are computed, each key once; it stops at the threshold."""
    known = {}
    for kid, key in keys:
        known[bytes(kid)] = key
    if not known or threshold < 1:
        raise UpdateRefused("key", "this terminal holds no release key: it takes no update")
    digest = signing_digest(manifest)
    good, bad, unknown, seen = 0, 0, 0, []
    for kid, sig in signatures:
        if kid in seen:
            continue
        seen.append(kid)
        key = known.get(bytes(kid))
        if key is None:
            unknown += 1
        elif verify(key, digest, sig):
            good += 1
            if good >= threshold:
                return good
        else:
            bad += 1
    if bad:
        raise UpdateRefused("signature", "a release signature does not verify")
    if unknown:
        raise UpdateRefused("key", "signed by a key this terminal does not hold")
    if not good:
        raise UpdateRefused("signature", "the manifest is not signed")
    raise UpdateRefused("threshold", "signed by %d release keys, %d needed" % (good, threshold))


class Manifest:
    """A manifest's fields, each checked (read_manifest)."""

    def __init__(self, raw, value):
        self.raw = raw
        self.board = value["board"]
        self.version = value["version"]
        self.counter = value["counter"]
        self.size = value["size"]
        self.sha = value["sha"]
        self.hashes = value["hashes"]
        self.reads = value["reads"]
        self.chunks = chunk_count(self.size)

    def chunk_hash(self, index):
        return self.hashes[index * SHA : (index + 1) * SHA]

    def chunk_size(self, index):
        return min(CHUNK, self.size - index * CHUNK)


def _text(value, longest, what, allowed=None):
    """Text of 1 to `longest` printable ASCII characters without spaces (`allowed`: only
    those characters: a board's name names the agent's files)."""
    if not isinstance(value, str) or not 0 < len(value) <= longest:
        raise MalformedMessage("%s must be text of 1 to %d characters" % (what, longest))
    for c in value:
        if not 32 < ord(c) < 127 or (allowed is not None and c not in allowed):
            raise MalformedMessage("%s must be printable ASCII without spaces" % what)
    return value


BOARD_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_-"


def _int(value, low, high, what):
    if type(value) is not int or not low <= value <= high:
        raise MalformedMessage("%s must be an integer from %d to %d" % (what, low, high))
    return value


def read_manifest(raw) -> Manifest:
    """The manifest bytes `raw`, every field checked; MalformedMessage otherwise."""
    try:
        value = cbor.decode(raw, 3, 16, 32, MAX_MANIFEST)
    except ValueError as e:
        raise MalformedMessage("the manifest is not CBOR (%s)" % e) from None
    if not isinstance(value, dict) or value.get("fmt") != FORMAT:
        raise MalformedMessage("not a manifest of format %d" % FORMAT)
    want = ("board", "counter", "fmt", "hashes", "reads", "sha", "size", "version")
    if sorted(value) != list(want):
        raise MalformedMessage("a manifest has exactly the fields %s" % ", ".join(want))
    _text(value["board"], MAX_BOARD, "the board", BOARD_CHARACTERS)
    _text(value["version"], MAX_VERSION, "the version")
    _int(value["counter"], 1, MAX_COUNTER, "the counter")
    size = _int(value["size"], 1, MAX_IMAGE, "the size")
    sha, hashes, reads = value["sha"], value["hashes"], value["reads"]
    if not isinstance(sha, bytes) or len(sha) != SHA:
        raise MalformedMessage("the image digest must be %d bytes" % SHA)
    if not isinstance(hashes, bytes) or len(hashes) != SHA * chunk_count(size):
        raise MalformedMessage("the manifest must hash each chunk of the image")
    if not isinstance(reads, list) or not 0 < len(reads) <= 8:
        raise MalformedMessage("the formats read must be a list of 1 to 8")
    for r in reads:
        _int(r, 1, 255, "a format read")
    return Manifest(raw, value)
