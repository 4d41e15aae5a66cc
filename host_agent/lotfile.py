"""The lot file sent to a fund: the sheets' exact signed bundles between a header and a
trailer that carry their count and totals, sealed by the professional's CPS (docs/lots.md).

A CBOR sequence (RFC 8742) of deterministic CBOR items: header, one byte string per sheet,
the sheets' scanned prescriptions (SCOR pieces, format 2 only), trailer, seal. `body()` writes all but the seal, `seal_digest()` is what the CPS signs, and
`verify_lot()` checks a whole file with `cryptography` (host_agent/verify.py).
"""

import hashlib

from protocol import bundle, cbor, dates, sheet
from protocol.ascii import is_digits

FORMAT_VERSION = 1
PIECES_VERSION = 2  # a lot that carries pieces; one without stays format 1, byte for byte
MAX_SHEETS = 999  # sheets in one lot
MAX_PIECES = 5 * MAX_SHEETS  # host_agent/pieces.py MOST a sheet
# The CPS signs SHA-256(SEAL_PREFIX + body): never the bare digest of some bytes, so a lot
# seal can never serve as a care-sheet signature (those sign SHA-256 of the sheet alone).
SEAL_PREFIX = b"tla-lot-seal/1"

# (key, name, kind) of each map; kinds: "int", "text", "bytes".
HEADER = (
    (0, "version", "int"),
    (1, "professional", "text"),
    (2, "number", "int"),
    (3, "fund", "text"),
    (4, "sealed", "int"),
    (5, "sheets", "int"),
    (6, "fees", "int"),
    (7, "third_party", "int"),
)
PIECES = ((8, "pieces", "int"),)  # the header's key in format 2: how many piece items
PIECE = (
    (0, "sheet", "int"),  # the sheet it belongs to: its place in the lot, 1 to n
    (1, "type", "text"),  # image/jpeg, image/png, application/pdf
    (2, "name", "text"),
    (3, "digest", "bytes"),  # SHA-256 of content
    (4, "content", "bytes"),
)
MEDIA_TYPES = ("image/jpeg", "image/png", "application/pdf")
TRAILER = (
    (0, "sheets", "int"),
    (1, "fees", "int"),
    (2, "third_party", "int"),
    (3, "digest", "bytes"),
)
SEAL = (
    (0, "cps_cert", "bytes"),
    (1, "certificate", "bytes"),
    (2, "signature", "bytes"),
)
_KINDS = {"int": int, "text": str, "bytes": bytes}


class LotFormatError(ValueError):
    """Bytes that are not a lot file of this format, or a lot that cannot be written."""


class LotSheet:
    """One sheet of a lot: the bundle's bytes and what the header and trailer sum."""

    def __init__(self, bundle_bytes, professional, fund, fees, third_party):
        self.bundle = bytes(bundle_bytes)
        self.professional = professional
        self.fund = fund
        self.fees = fees
        self.third_party = third_party

    @classmethod
    def from_bundle(cls, bundle_bytes) -> "LotSheet":
        """Read the sheet's professional, fund and amounts from its signed bytes."""
        try:
            s = sheet.decode(bundle.decode(bundle_bytes).sheet)
        except (bundle.BundleFormatError, sheet.SheetFormatError) as e:
            raise LotFormatError("a sheet of the lot is malformed: %s" % e) from None
        return cls(bundle_bytes, s.professional, s.fund, s.fees, s.third_party)


class LotPiece:
    """A scanned prescription carried by a lot: the place of its sheet in the lot (1 to n),
    its media type, name and bytes."""

    def __init__(self, sheet, media_type, name, content):
        self.sheet = sheet
        self.media_type = media_type
        self.name = name
        self.content = bytes(content)
        self.digest = hashlib.sha256(self.content).digest()

    def item(self) -> dict:
        values = {"sheet": self.sheet, "type": self.media_type, "name": self.name}
        return _map(PIECE, dict(values, digest=self.digest, content=self.content))


def is_fund_code(value) -> bool:
    """A fund code is 9 digits: scheme, fund, centre (docs/care-sheet.md, R161-45 II)."""
    return is_digits(value, (9,))


def _map(layout, values):
    return {key: values[name] for key, name, _ in layout}


def sheets_digest(bundles) -> bytes:
    """SHA-256 over the sheets' items exactly as they stand in the file."""
    h = hashlib.sha256()
    for data in bundles:
        h.update(cbor.encode(bytes(data)))
    return h.digest()


def body(professional, number, fund, sealed_at, sheets, pieces=()) -> bytes:
    """Header, sheets, pieces and trailer of a lot: what the CPS seals. `sheets` are
    LotSheets of this professional and fund, 1 to MAX_SHEETS; `pieces` LotPieces of them
    (the file is format 2 when there is one); `sealed_at` is the instant (epoch seconds) the
    file is made and sealed."""
    if not 1 <= len(sheets) <= MAX_SHEETS:
        raise LotFormatError("a lot holds 1 to %d sheets, not %d" % (MAX_SHEETS, len(sheets)))
    for s in sheets:
        if s.professional != professional or s.fund != fund:
            raise LotFormatError(
                "a sheet of %s for fund %s cannot go in a lot of %s for fund %s"
                % (s.professional, s.fund, professional, fund)
            )
    totals = {
        "sheets": len(sheets),
        "fees": sum(s.fees for s in sheets),
        "third_party": sum(s.third_party for s in sheets),
    }
    if any(not 1 <= p.sheet <= len(sheets) for p in pieces) or len(pieces) > MAX_PIECES:
        raise LotFormatError("a piece names no sheet of the lot, or the lot has too many")
    version = PIECES_VERSION if pieces else FORMAT_VERSION
    header = dict(totals, version=version, professional=professional, number=number)
    header.update(fund=fund, sealed=sealed_at, pieces=len(pieces))
    out = [cbor.encode(_map(HEADER + (PIECES if pieces else ()), header))]
    out += [cbor.encode(s.bundle) for s in sheets]
    out += [cbor.encode(p.item()) for p in pieces]
    trailer = dict(totals, digest=sheets_digest(s.bundle for s in sheets))
    out.append(cbor.encode(_map(TRAILER, trailer)))
    return b"".join(out)


def seal_digest(lot_body) -> bytes:
    """The 32 bytes the professional's CPS signs (PSO COMPUTE DIGITAL SIGNATURE)."""
    return hashlib.sha256(SEAL_PREFIX + lot_body).digest()


def sealed(lot_body, certificate, signature) -> bytes:
    """The lot file: its body and the seal (the CPS certificate DER and its signature)."""
    seal = {"cps_cert": bundle.cert_id(certificate), "certificate": bytes(certificate)}
    seal["signature"] = bytes(signature)
    return lot_body + cbor.encode(_map(SEAL, seal))


class Lot:
    """A parsed lot file: `header`, `trailer`, `seal` (dicts by field name, seal None when
    the bytes end after the trailer), `bundles` (the sheets' bytes), `pieces` (dicts by
    PIECE's names), `body` (sealed bytes)."""

    def __init__(self, header, bundles, trailer, seal, lot_body, pieces=()):
        self.header = header
        self.bundles = bundles
        self.pieces = list(pieces)
        self.trailer = trailer
        self.seal = seal
        self.body = lot_body

    def name(self) -> str:
        return lot_name(self.header["professional"], self.header["number"])


def lot_name(professional, number) -> str:
    """How people and files name a lot: the professional's id and the lot number."""
    return "%s-%06d" % (professional, number)


def _record(value, layout, what):
    if not isinstance(value, dict):
        raise LotFormatError("the %s is not a map" % what)
    known = {key: (name, kind) for key, name, kind in layout}
    out = {}
    for key, item in value.items():
        if key not in known:
            raise LotFormatError("the %s has an unknown key %r" % (what, key))
        name, kind = known[key]
        if type(item) is not _KINDS[kind]:
            raise LotFormatError("the %s's %s must be %s" % (what, name, kind))
        out[name] = item
    missing = [name for _, name, _ in layout if name not in out]
    if missing:
        raise LotFormatError("the %s has no %s" % (what, ", ".join(missing)))
    return out


def parse(data) -> Lot:
    """Split a lot file (sealed or not) into its parts; LotFormatError when it is not one."""
    data = bytes(data)
    items = []
    pos = 0
    try:
        while pos < len(data):
            value, end = cbor.decode_prefix(data, pos, max_depth=3, max_items=64)
            items.append((value, pos, end))
            pos = end
    except cbor.CBORError as e:
        raise LotFormatError("not a lot file: %s" % e) from None
    if not items:
        raise LotFormatError("the lot file is empty")
    first = items[0][0]
    version = first.get(0) if isinstance(first, dict) else None
    if version not in (FORMAT_VERSION, PIECES_VERSION):
        raise LotFormatError("lot format %r is not 1 nor 2" % (version,))
    layout = HEADER + (PIECES if version == PIECES_VERSION else ())
    header = _record(first, layout, "header")
    count, extra = header["sheets"], header.get("pieces", 0)
    if version == PIECES_VERSION and not 1 <= extra <= MAX_PIECES:
        raise LotFormatError("a lot of format 2 carries 1 to %d pieces" % MAX_PIECES)
    if not 1 <= count <= MAX_SHEETS or len(items) - extra not in (count + 2, count + 3):
        raise LotFormatError(
            "the header announces %d sheets, the file holds %d items" % (count, len(items))
        )
    bundles = []
    for value, _, _ in items[1 : count + 1]:
        if type(value) is not bytes:
            raise LotFormatError("sheet %d of the lot is not a byte string" % (len(bundles) + 1))
        bundles.append(value)
    pieces = []
    for value, _, _ in items[count + 1 : count + 1 + extra]:
        piece = _record(value, PIECE, "piece %d" % (len(pieces) + 1))
        if not 1 <= piece["sheet"] <= count or piece["type"] not in MEDIA_TYPES:
            raise LotFormatError(
                "piece %d names no sheet of the lot or no type" % (len(pieces) + 1)
            )
        pieces.append(piece)
    trailer_value, _, body_end = items[count + 1 + extra]
    trailer = _record(trailer_value, TRAILER, "trailer")
    seal = None
    if len(items) == count + extra + 3:
        seal = _record(items[-1][0], SEAL, "seal")
    return Lot(header, bundles, trailer, seal, data[:body_end], pieces)


class LotCheck:
    """The outcome of verify_lot: `ok`, `reason` (one English sentence, "" when ok), `lot`
    (the parsed Lot, None when the bytes are not a lot file)."""

    def __init__(self, ok, reason, lot=None):
        self.ok = ok
        self.reason = reason
        self.lot = lot

    def __bool__(self) -> bool:
        return self.ok


def verify_lot(data, root=None, certificates=()) -> LotCheck:
    """Check a lot file: its structure; every sheet is the professional's, for the fund;
    the header's and the trailer's counts and totals are the sheets'; the trailer's digest;
    the seal: the CPS certificate names the lot's professional and its signature verifies.

    With `root` (the trusted root, DER or x509), the CPS certificate must also chain to it
    through `certificates` and be valid on the day of the seal, and every sheet's bundle is
    verified in full (host_agent.verify.verify_bundle, with `certificates`)."""
    # Imported here: verify pulls in `cryptography`, which parsing a lot does not need.
    from cryptography import x509

    from host_agent import verify

    try:
        lot = parse(data)
        sheets = [LotSheet.from_bundle(b) for b in lot.bundles]
    except LotFormatError as e:
        return LotCheck(False, str(e))
    h, t = lot.header, lot.trailer
    for i, s in enumerate(sheets, 1):
        if s.professional != h["professional"] or s.fund != h["fund"]:
            return LotCheck(
                False,
                "sheet %d is %s's for fund %s, the lot is %s's for fund %s"
                % (i, s.professional, s.fund, h["professional"], h["fund"]),
                lot,
            )
        if type(s.fees) is not int or type(s.third_party) is not int:
            return LotCheck(False, "sheet %d has no amounts" % i, lot)
    sums = {
        "sheets": len(sheets),
        "fees": sum(s.fees for s in sheets),
        "third_party": sum(s.third_party for s in sheets),
    }
    for part, values in (("header", h), ("trailer", t)):
        for name, value in sums.items():
            if values[name] != value:
                return LotCheck(
                    False,
                    "the %s's %s is %d, the sheets' is %d" % (part, name, values[name], value),
                    lot,
                )
    if t["digest"] != sheets_digest(lot.bundles):
        return LotCheck(False, "the trailer's digest does not match the sheets' bytes", lot)
    for i, piece in enumerate(lot.pieces, 1):
        if hashlib.sha256(piece["content"]).digest() != piece["digest"]:
            return LotCheck(False, "piece %d's digest does not match its bytes" % i, lot)
    if lot.seal is None:
        return LotCheck(False, "the lot is not sealed", lot)
    seal = lot.seal
    if seal["cps_cert"] != bundle.cert_id(seal["certificate"]):
        return LotCheck(False, "the seal's certificate id does not match its certificate", lot)
    try:
        cert = x509.load_der_x509_certificate(seal["certificate"])
    except ValueError:
        return LotCheck(False, "the seal's certificate is not an X.509 certificate", lot)
    day = dates.days_to_ymd(dates.paris_day(h["sealed"]))
    if len(seal["signature"]) not in bundle.SIGNATURE_LENGTHS.values():
        # ES256 (tla's CPS) or RS256 (a CPS3), told apart by the certificate's key.
        return LotCheck(False, "the seal's signature is not 64 nor 256 bytes", lot)
    problem = verify.seal_problem(
        seal["signature"],
        seal_digest(lot.body),
        cert,
        h["professional"],
        list(certificates),
        root,
        day,
    )
    if problem:
        return LotCheck(False, problem, lot)
    if root is not None:
        for i, data_i in enumerate(lot.bundles, 1):
            result = verify.verify_bundle(data_i, list(certificates), root, day)
            if not result.ok:
                return LotCheck(False, "sheet %d: %s" % (i, result.reason), lot)
    return LotCheck(True, "", lot)
