"""The signed sheet bundle, the record the terminal stores and the practice PC verifies: the
exact sheet bytes, the CPS signature and, unless the sheet records why not, the Vitale one.

Both cards sign digest(sheet bytes), SHA-256 of the bytes as encoded (R161-43); each
signature is ECDSA P-256, 64 bytes r || s, and names its certificate by cert_id (first 8
bytes of SHA-256 of the certificate's DER). The bundle is deterministic CBOR (FIELDS).
"""

import hashlib

from protocol import cbor
from protocol._compat import const, is_bytes_like

FORMAT_VERSION = const(1)
SIGNATURE_BYTES = const(64)
CERT_ID_BYTES = const(8)

# (key, name, kind, required, article): the shape of the sheet's layout (docs/care-sheet.md).
FIELDS = (
    (0, "version", "int", True, "tla"),
    (1, "sheet", "bytes", True, "R161-43"),
    (2, "cps_signature", "bytes", True, "R161-43"),
    (3, "cps_cert", "bytes", True, "R161-43"),
    (4, "vitale_signature", "bytes", False, "R161-43"),
    (5, "vitale_cert", "bytes", False, "R161-43"),
)

_LENGTHS = {
    "cps_signature": SIGNATURE_BYTES,
    "vitale_signature": SIGNATURE_BYTES,
    "cps_cert": CERT_ID_BYTES,
    "vitale_cert": CERT_ID_BYTES,
}


class BundleFormatError(ValueError):
    """Bytes that are not a signed bundle of this format (plain English)."""


def digest(sheet_bytes) -> bytes:
    """What both cards sign: SHA-256 of the exact encoded sheet."""
    return hashlib.sha256(sheet_bytes).digest()


def cert_id(der) -> bytes:
    """A certificate's id: the first 8 bytes of SHA-256 of its DER."""
    return hashlib.sha256(der).digest()[:CERT_ID_BYTES]


class Bundle:
    """A decoded bundle. `vitale_signature` and `vitale_cert` are None when the Vitale card
    did not sign; the sheet then says why (unsigned_reason, or degraded)."""

    def __init__(self, sheet, cps_signature, cps_cert, vitale_signature=None, vitale_cert=None):
        self.version = FORMAT_VERSION
        self.sheet = sheet
        self.cps_signature = cps_signature
        self.cps_cert = cps_cert
        self.vitale_signature = vitale_signature
        self.vitale_cert = vitale_cert


def _check(values):
    for name in _LENGTHS:
        value = values.get(name)
        if value is not None and len(value) != _LENGTHS[name]:
            raise BundleFormatError(
                "%s must be %d bytes, not %d" % (name, _LENGTHS[name], len(value))
            )
    if (values.get("vitale_signature") is None) != (values.get("vitale_cert") is None):
        raise BundleFormatError("the Vitale signature and its certificate id go together")
    if (values.get("cps_signature") is None) != (values.get("cps_cert") is None):
        raise BundleFormatError("the CPS signature and its certificate id go together")


def encode(sheet, cps_signature, cps_cert, vitale_signature=None, vitale_cert=None) -> bytes:
    """The bundle's bytes. Never without the CPS signature (R161-43)."""
    values = {
        "version": FORMAT_VERSION,
        "sheet": sheet,
        "cps_signature": cps_signature,
        "cps_cert": cps_cert,
        "vitale_signature": vitale_signature,
        "vitale_cert": vitale_cert,
    }
    for name in values:
        value = values[name]
        if name != "version" and value is not None and not is_bytes_like(value):
            raise BundleFormatError("%s must be bytes" % name)
    if cps_signature is None:
        raise BundleFormatError("a sheet is never stored without the CPS signature (R161-43)")
    _check(values)
    out = {}
    for field in FIELDS:
        value = values[field[1]]
        if value is not None:
            out[field[0]] = value if field[2] == "int" else bytes(value)
    return cbor.encode(out)


def decode(data) -> Bundle:
    """The Bundle in `data` (deterministic CBOR of FIELDS); BundleFormatError otherwise.
    A missing CPS signature decodes (as None) so that verification can say so."""
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
        if (
            field[2] == "int"
            and type(item) is not int
            or field[2] == "bytes"
            and not isinstance(item, bytes)
        ):
            raise BundleFormatError("bundle %s must be %s" % (field[1], field[2]))
        values[field[1]] = item
    if values.get("version") != FORMAT_VERSION:
        raise BundleFormatError(
            "bundle version %r is not %d" % (values.get("version"), FORMAT_VERSION)
        )
    if values.get("sheet") is None:
        raise BundleFormatError("bundle has no sheet")
    _check(values)
    return Bundle(
        values["sheet"],
        values.get("cps_signature"),
        values.get("cps_cert"),
        values.get("vitale_signature"),
        values.get("vitale_cert"),
    )
