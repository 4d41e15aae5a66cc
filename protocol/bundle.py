"""The signed sheet bundle, the record the terminal stores and the practice PC verifies: the
exact sheet bytes, the CPS signature and, unless the sheet records why not, the Vitale one.

Both cards sign digest(sheet bytes), SHA-256 of the bytes as encoded (R161-43); each
signature names its certificate by cert_id (first 8 bytes of SHA-256 of the certificate as
the card gave it) and, since version 2, its algorithm by its COSE number: ES256 (ECDSA
P-256, 64 bytes r || s: tla's cards) or RS256 (RSA PKCS#1 v1.5, a CPS3's 2048-bit key: 256
bytes). A Carte Vitale 2 has no public signing function: it signs by being read (R161-43),
and the bundle then names the card's serial (`vitale_read`) and the certificate read from
it, with no Vitale signature. Version 1 bundles (both signatures ES256, no algorithm
named) stay readable. The bundle is deterministic CBOR (FIELDS).
"""

import hashlib

from protocol import cbor
from protocol._compat import const, is_bytes_like
from protocol.ascii import is_digits

FORMAT_VERSION = const(2)  # what encode() writes
READ_VERSIONS = (1, 2)  # what decode() reads: 1 named no algorithm (both ES256)
CERT_ID_BYTES = const(8)
ES256 = const(-7)  # COSE (RFC 9053): ECDSA P-256 with SHA-256, r || s
RS256 = const(-257)  # COSE (RFC 8812): RSASSA-PKCS1-v1_5 with SHA-256
# The signature length of each algorithm tla accepts: RSA keys are 2048 bits (the CPS3's).
SIGNATURE_LENGTHS = {ES256: 64, RS256: 256}
SIGNATURE_BYTES = const(64)  # an ES256 signature (tla's cards)
MAX_SERIAL = const(20)  # digits of a Vitale card serial named by `vitale_read`

# (key, name, kind, required, article): the shape of the sheet's layout (docs/care-sheet.md).
FIELDS = (
    (0, "version", "int", True, "tla"),
    (1, "sheet", "bytes", True, "R161-43"),
    (2, "cps_signature", "bytes", True, "R161-43"),
    (3, "cps_cert", "bytes", True, "R161-43"),
    (4, "vitale_signature", "bytes", False, "R161-43"),
    (5, "vitale_cert", "bytes", False, "R161-43"),
    (6, "cps_alg", "int", False, "tla"),
    (7, "vitale_alg", "int", False, "tla"),
    (8, "vitale_read", "text", False, "R161-43"),
)
_V2_ONLY = ("cps_alg", "vitale_alg", "vitale_read")


class BundleFormatError(ValueError):
    """Bytes that are not a signed bundle of this format (plain English)."""


def digest(sheet_bytes) -> bytes:
    """What both cards sign: SHA-256 of the exact encoded sheet."""
    return hashlib.sha256(sheet_bytes).digest()


def cert_id(der) -> bytes:
    """A certificate's id: the first 8 bytes of SHA-256 of its bytes (X.509 DER, or a
    Vitale 2's card-verifiable certificate as read)."""
    return hashlib.sha256(der).digest()[:CERT_ID_BYTES]


class Bundle:
    """A decoded bundle. `vitale_signature` and `vitale_cert` are None when the Vitale card
    did not sign; the sheet then says why (unsigned_reason, or degraded). `vitale_read` is
    the serial of a card that signed by being read (its certificate: `vitale_cert`)."""

    def __init__(
        self,
        sheet,
        cps_signature,
        cps_cert,
        vitale_signature=None,
        vitale_cert=None,
        cps_alg: "int | None" = ES256,
        vitale_alg=None,
        vitale_read=None,
        version=FORMAT_VERSION,
    ):
        self.version = version
        self.sheet = sheet
        self.cps_signature = cps_signature
        self.cps_cert = cps_cert
        self.vitale_signature = vitale_signature
        self.vitale_cert = vitale_cert
        self.cps_alg = cps_alg
        self.vitale_alg = vitale_alg
        self.vitale_read = vitale_read


def _pair(values, signature, alg, who):
    sig = values.get(signature)
    if sig is None:
        if values.get(alg) is not None:
            raise BundleFormatError("the %s algorithm goes with its signature" % who)
        return
    want = SIGNATURE_LENGTHS.get(values.get(alg))
    if want is None:
        raise BundleFormatError(
            "the %s algorithm %r is not ES256 or RS256" % (who, values.get(alg))
        )
    if len(sig) != want:
        raise BundleFormatError("%s must be %d bytes, not %d" % (signature, want, len(sig)))


def _check(values):
    for name in ("cps_cert", "vitale_cert"):
        value = values.get(name)
        if value is not None and len(value) != CERT_ID_BYTES:
            raise BundleFormatError(
                "%s must be %d bytes, not %d" % (name, CERT_ID_BYTES, len(value))
            )
    if (values.get("cps_signature") is None) != (values.get("cps_cert") is None):
        raise BundleFormatError("the CPS signature and its certificate id go together")
    _pair(values, "cps_signature", "cps_alg", "CPS")
    _pair(values, "vitale_signature", "vitale_alg", "Vitale")
    read = values.get("vitale_read")
    if read is not None:
        # R161-43: signed by being read, so no signature, but the certificate read.
        if values.get("vitale_signature") is not None or values.get("vitale_cert") is None:
            raise BundleFormatError(
                "a card that signed by being read has its certificate id and no signature"
            )
        if not 1 <= len(read) <= MAX_SERIAL or not is_digits(read):
            raise BundleFormatError("vitale_read must be the card's serial, digits")
    elif (values.get("vitale_signature") is None) != (values.get("vitale_cert") is None):
        raise BundleFormatError("the Vitale signature and its certificate id go together")


def encode(
    sheet,
    cps_signature,
    cps_cert,
    vitale_signature=None,
    vitale_cert=None,
    cps_alg=ES256,
    vitale_alg=ES256,
    vitale_read=None,
) -> bytes:
    """The bundle's bytes (version 2). Never without the CPS signature (R161-43).
    `vitale_read`: the serial of a Vitale card that signed by being read, `vitale_cert`
    then the id of the certificate read from it."""
    values = {
        "version": FORMAT_VERSION,
        "sheet": sheet,
        "cps_signature": cps_signature,
        "cps_cert": cps_cert,
        "vitale_signature": vitale_signature,
        "vitale_cert": vitale_cert,
        "cps_alg": cps_alg if cps_signature is not None else None,
        "vitale_alg": vitale_alg if vitale_signature is not None else None,
        "vitale_read": vitale_read,
    }
    for field in FIELDS:
        value = values[field[1]]
        if field[2] == "bytes" and value is not None and not is_bytes_like(value):
            raise BundleFormatError("%s must be bytes" % field[1])
        if field[2] == "text" and value is not None and not isinstance(value, str):
            raise BundleFormatError("%s must be text" % field[1])
    if cps_signature is None:
        raise BundleFormatError("a sheet is never stored without the CPS signature (R161-43)")
    _check(values)
    # Deterministic CBOR of the map, written as its pieces then joined once: one buffer of
    # the bundle's size, no growing copy (a CPS3's bundle is 460 bytes: docs/board.md
    # "Heap"). The keys are 0-8, one byte each, so their order is the fields' order.
    pieces = [b""]
    count = 0
    for key, name, kind, _, _ in FIELDS:
        value = values[name]
        if value is None:
            continue
        count += 1
        head = bytearray((key,))
        if kind == "int":
            if value >= 0:
                cbor._head(head, 0, value)
            else:
                cbor._head(head, 1, -1 - value)
            pieces.append(bytes(head))
            continue
        if kind == "text":
            value = value.encode()
        cbor._head(head, 3 if kind == "text" else 2, len(value))
        pieces.append(bytes(head))
        pieces.append(value if isinstance(value, bytes) else bytes(value))
    head = bytearray()
    cbor._head(head, 5, count)
    pieces[0] = bytes(head)
    return b"".join(pieces)


_TYPES = {"int": int, "bytes": bytes, "text": str}


def decode(data) -> Bundle:
    """The Bundle in `data` (deterministic CBOR of FIELDS, version 1 or 2);
    BundleFormatError otherwise. A missing CPS signature decodes (as None) so that
    verification can say so."""
    try:
        value = cbor.decode(data, max_depth=2, max_items=16)
    except cbor.CBORError as e:
        raise BundleFormatError("bundle is not deterministic CBOR: %s" % e)
    if not isinstance(value, dict):
        raise BundleFormatError("bundle must be a map")
    values = {}
    for key in value:
        field = None
        for candidate in FIELDS:
            if candidate[0] == key:
                field = candidate
        if field is None:
            raise BundleFormatError("bundle has an unknown key %r" % (key,))
        item = value[key]
        if type(item) is not _TYPES[field[2]]:
            raise BundleFormatError("bundle %s must be %s" % (field[1], field[2]))
        values[field[1]] = item
    version = values.get("version")
    if version not in READ_VERSIONS:
        raise BundleFormatError("bundle version %r is not 1 or 2" % (version,))
    if values.get("sheet") is None:
        raise BundleFormatError("bundle has no sheet")
    if version == 1:
        for name in _V2_ONLY:
            if name in values:
                raise BundleFormatError("a version 1 bundle has no %s" % name)
        # Version 1 named no algorithm: both signatures were ES256.
        if values.get("cps_signature") is not None:
            values["cps_alg"] = ES256
        if values.get("vitale_signature") is not None:
            values["vitale_alg"] = ES256
    _check(values)
    return Bundle(
        values["sheet"],
        values.get("cps_signature"),
        values.get("cps_cert"),
        values.get("vitale_signature"),
        values.get("vitale_cert"),
        values.get("cps_alg"),
        values.get("vitale_alg"),
        values.get("vitale_read"),
        version,
    )
