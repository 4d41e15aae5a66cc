"""A scanned prescription (SCOR, "pièce justificative") checked before anything is stored
(docs/web.md "Pièces justificatives"): its type read from its bytes, never from its name
nor the type the browser declared; its size; its resolution, at least 150 dpi (the funds'
SCOR scans); a PDF's pages and objects bounded and nothing in it that runs
(pieces_pdf.py). Every refusal is a PieceError: English, French and the page's status.

Nothing is re-encoded: a piece is kept byte for byte as checked (its SHA-256 is what the
lot carries and what the fund may name in a return), and never opened by tla after the
check; the pages serve it only as a download (web/pages_pieces.py).
"""

import hashlib
import io
import warnings

from host_agent.errors import AgentError

MAX_BYTES = 10 * 1024 * 1024  # 10 Mo: a scanned page at 300 dpi is well under 2 Mo
TOO_BIG = (
    "Ce fichier dépasse 10 Mo : numérisez l'ordonnance en 150 à 300 dpi, en noir et blanc "
    "ou en niveaux de gris."
)
MIN_DPI = 150  # the SCOR scans' resolution
MAX_PIXELS = 60_000_000  # an A4 page at 600 dpi is 35 Mpx; past this, a decompression bomb
MAX_NAME = 120  # characters of the name kept
JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
# The type each content has, from its first bytes (its magic number).
MAGIC = ((b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG), (b"%PDF-", PDF))
WORDS = {JPEG: "JPEG", PNG: "PNG", PDF: "PDF"}
# What a name's ending or a declared type says the content is.
ENDINGS = {".jpg": JPEG, ".jpeg": JPEG, ".png": PNG, ".pdf": PDF}
DECLARED = {"image/jpeg": JPEG, "image/jpg": JPEG, "image/pjpeg": JPEG, "image/png": PNG}
DECLARED["application/pdf"] = PDF
# An A4 page (8.27 x 11.69 in): the size assumed of an image that states no resolution.
A4_INCHES = (8.27, 11.69)


class PieceError(AgentError):
    """A piece refused, nothing stored: `status` is the page's (400, 413, 415, 422)."""

    french_default = "Cette pièce est refusée : rien n'a été enregistré."

    def __init__(self, message: str, french: str, status: int = 422):
        super().__init__(message, french=french + " Rien n'a été enregistré.")
        self.status = status


class Checked:
    """A piece that passed: `media_type`, `name` (kept), `digest` (SHA-256), `size`,
    `dpi` (the lowest of its pages), `pages`."""

    def __init__(self, media_type, name, data, dpi, pages):
        self.media_type = media_type
        self.name = name
        self.digest = hashlib.sha256(data).digest()
        self.size = len(data)
        self.dpi = dpi
        self.pages = pages


def clean_name(name: str, strip_path: bool) -> str:
    """The name a piece is kept under: printable, at most MAX_NAME characters. A name with
    a folder in it is refused (a browser sends none: the request was made by hand), unless
    `strip_path` (the command line's own file path: its last part is kept)."""
    name = str(name or "")
    if strip_path:
        name = name.replace("\\", "/").rsplit("/", 1)[-1]
    elif "/" in name or "\\" in name or name in (".", ".."):
        raise PieceError(
            "the file name %r holds a path" % name[:200],
            "Le nom de ce fichier contient un chemin de dossier (%s) : envoyez le fichier "
            "lui-même, sous un nom simple." % _shown(name),
            400,
        )
    name = "".join(c for c in name if c.isprintable()).strip().lstrip(".")
    return name[-MAX_NAME:] or "piece"


def _shown(name: str) -> str:
    return "".join(c if c.isprintable() else "?" for c in name[:80])


def type_of(data: bytes) -> str:
    """The media type the content is, by its magic number; "" when none of the three."""
    for magic, media_type in MAGIC:
        if data.startswith(magic):
            return media_type
    return ""


def check(data: bytes, name: str, declared: str = "", strip_path: bool = False) -> Checked:
    """The piece `data` checked whole (PieceError else); `name` the file's name, `declared`
    the type the browser said (only compared with the content, never believed)."""
    if len(data) > MAX_BYTES:
        raise PieceError(
            "the file is larger than %d bytes" % MAX_BYTES,
            TOO_BIG,
            413,
        )
    kept = clean_name(name, strip_path)
    if not data:
        raise PieceError("the file is empty", "Ce fichier est vide.", 400)
    media_type = type_of(data)
    if not media_type:
        raise PieceError(
            "the file is not a JPEG, PNG nor PDF",
            "Ce fichier n'est ni une image JPEG ou PNG ni un PDF : une ordonnance numérisée "
            "est l'un des trois.",
            415,
        )
    said = [ENDINGS.get(e) for e in ENDINGS if kept.lower().endswith(e)]
    said.append(DECLARED.get(str(declared or "").split(";")[0].strip().lower()))
    for other in said:
        if other and other != media_type:
            raise PieceError(
                "the file says it is %s but holds %s" % (WORDS[other], WORDS[media_type]),
                "Ce fichier se dit %s mais contient un %s : renommez-le ou numérisez-le "
                "de nouveau." % (WORDS[other], WORDS[media_type]),
                415,
            )
    if media_type == PDF:
        from host_agent import pieces_pdf  # pypdf: imported only for a PDF

        dpi, pages = pieces_pdf.check(data)
    else:
        dpi, pages = image_dpi(data, media_type), 1
    if dpi < MIN_DPI:
        raise PieceError(
            "its resolution is %d dpi, under %d" % (dpi, MIN_DPI),
            "Cette numérisation est en %d dpi : il en faut au moins %d pour que la caisse "
            "la lise. Numérisez l'ordonnance de nouveau." % (dpi, MIN_DPI),
            422,
        )
    return Checked(media_type, kept, data, dpi, pages)


def unreadable(what: str, problem) -> PieceError:
    return PieceError(
        "the %s does not decode: %s" % (WORDS[what], problem),
        "Ce fichier commence comme un %s mais ne se lit pas comme tel (abîmé, ou autre "
        "chose sous ce nom) : numérisez l'ordonnance de nouveau." % WORDS[what],
        415,
    )


def image_dpi(data: bytes, media_type: str) -> int:
    """An image's resolution, decoded whole first (Pillow, bounded by MAX_PIXELS): the
    resolution it states, the lower of its two; one that states none is taken as an A4 page."""
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[WORDS[media_type]]) as image:
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise PieceError(
                        "the image has %d x %d pixels" % (width, height),
                        "Cette image a trop de pixels (%d x %d) pour une page numérisée."
                        % (width, height),
                        422,
                    )
                image.load()  # every pixel decoded: a truncated or forged image fails here
                stated = image.info.get("dpi")
    except PieceError:
        raise
    except Exception as e:  # Pillow's errors have no common class (OSError, SyntaxError...)
        raise unreadable(media_type, e) from None
    if stated and min(stated) > 0:
        return int(min(stated) + 0.5)
    return page_dpi(width, height, *A4_INCHES)


def page_dpi(width: int, height: int, page_width: float, page_height: float) -> int:
    """The resolution of `width` x `height` pixels spread on a page of those inches, the
    lower of its two (the image turned the page's way)."""
    short, long = sorted((width, height))
    page_short, page_long = sorted((page_width, page_height))
    if page_short <= 0:
        return 0
    return int(min(short / page_short, long / page_long) + 0.5)
