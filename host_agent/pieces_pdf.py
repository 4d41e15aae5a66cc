"""A PDF piece checked (pieces_check.py calls it): bounded before pypdf reads it (objects
counted in the raw bytes), bounded while it reads (pages, images), nothing in it that runs
or opens something else (JavaScript, actions, launches, embedded files, forms), and each
page's resolution: its scanned image's pixels on the page's size (MediaBox, 1/72 inch).

Content streams are never decompressed; an image's Flate stream is, at most to the size its
width, height and colours give (a bomb stops there); a JPEG stream is decoded by Pillow
under the same pixel bound as a JPEG file.
"""

import io
import re
import zlib

from host_agent import pieces_check
from host_agent.pieces_check import PieceError

MAX_PAGES = 20  # a prescription is one to a few pages
MAX_OBJECTS = 5_000  # a scanned page is a dozen objects
MAX_IMAGES = 4  # images on one page
# A PDF name pypdf would read as one of these anywhere in the file: refused, not stripped
# (a stripped file would no longer be what was given; the practice scans it again).
RUNS = re.compile(
    rb"/(JavaScript|JS|AA|Launch|EmbeddedFiles?|RichMedia|XFA|AcroForm|SubmitForm"
    rb"|ImportData|GoToR|GoToE|Sound|Movie)(?![A-Za-z0-9])"
)
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
_COMPONENTS = {"/DeviceGray": 1, "/CalGray": 1, "/DeviceRGB": 3, "/CalRGB": 3}
_COMPONENTS["/DeviceCMYK"] = 4


def _refused(message: str, french: str) -> PieceError:
    return PieceError(message, french, 422)


def check(data: bytes) -> tuple:
    """(the lowest page resolution in dpi, the page count) of the PDF `data`; PieceError."""
    found = RUNS.search(data)
    if found:
        raise _refused(
            "the PDF holds %s" % found.group(0).decode("ascii"),
            "Ce PDF contient du code ou des actions (%s) : tla ne garde que des numérisations "
            "simples. Numérisez l'ordonnance de nouveau." % found.group(0).decode("ascii"),
        )
    objects = len(_OBJ.findall(data))
    if objects > MAX_OBJECTS:
        raise _bomb("%d objects" % objects, "%d objets, au plus %d" % (objects, MAX_OBJECTS))
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refused(
                "the PDF is encrypted",
                "Ce PDF est chiffré ou protégé par un mot de passe : la caisse ne pourrait "
                "pas le lire.",
            )
        _no_actions(reader)
        count = len(reader.pages)
        if count > MAX_PAGES:
            raise _bomb("%d pages" % count, "%d pages, au plus %d" % (count, MAX_PAGES))
        if count == 0:
            raise _refused("the PDF has no page", "Ce PDF n'a aucune page.")
        return min(_page_dpi(page, number) for number, page in enumerate(reader.pages, 1)), count
    except PieceError:
        raise
    except Exception as e:  # pypdf's errors, and a limit it reached (LimitReachedError)
        raise pieces_check.unreadable(pieces_check.PDF, e) from None


def _no_actions(reader) -> None:
    """What RUNS cannot see in the raw bytes (inside a compressed object stream), read in
    the document's structure: the catalog's, the pages' and the annotations' actions."""
    root = reader.trailer["/Root"].get_object()
    names = root.get("/Names")
    names = names.get_object() if names is not None else {}
    found = [k for k in ("/AA", "/AcroForm") if k in root]
    found += _action(root.get("/OpenAction"))  # a page to open at is fine, an action not
    found += [k for k in ("/JavaScript", "/EmbeddedFiles") if k in names]
    for page in reader.pages:
        found += ["/AA"] if "/AA" in page else []
        annotations = page.get("/Annots")
        for annotation in annotations.get_object() if annotations is not None else ():
            annotation = annotation.get_object()
            found += ["/AA"] if "/AA" in annotation else []
            found += _action(annotation.get("/A"))
    if found:
        raise _refused(
            "the PDF holds %s" % found[0],
            "Ce PDF contient des actions (%s) : tla ne garde que des numérisations simples. "
            "Numérisez l'ordonnance de nouveau." % found[0],
        )


def _action(value) -> list:
    """[the action's type] when `value` is an action other than going to a page, else []."""
    value = value.get_object() if value is not None else None
    if value is None or not hasattr(value, "get"):  # absent, or a destination (an array)
        return []
    kind = str(value.get("/S", ""))
    return [] if kind == "/GoTo" and "/Next" not in value else [kind or "/S"]


def _bomb(what: str, french: str) -> PieceError:
    return _refused(
        "the PDF has %s: refused as a PDF bomb" % what,
        "Ce PDF est démesuré pour une ordonnance (%s) : il n'est pas lu." % french,
    )


def _page_dpi(page, number: int) -> int:
    box = page.mediabox
    width, height = float(box.width) / 72, float(box.height) / 72
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else {}
    xobjects = resources.get("/XObject")
    images = []
    for ref in (xobjects.get_object() if xobjects is not None else {}).values():
        image = ref.get_object()
        if image.get("/Subtype") == "/Image":
            images.append(image)
    if not images:
        raise _refused(
            "page %d holds no scanned image" % number,
            "La page %d de ce PDF ne contient pas d'image numérisée : joignez le scan de "
            "l'ordonnance." % number,
        )
    if len(images) > MAX_IMAGES:
        raise _bomb(
            "%d images on page %d" % (len(images), number),
            "%d images sur la page %d, au plus %d" % (len(images), number, MAX_IMAGES),
        )
    best = 0
    for image in images:
        pixels = int(image.get("/Width", 0)), int(image.get("/Height", 0))
        _bounded(image, *pixels)
        best = max(best, pieces_check.page_dpi(*pixels, width, height))
    return best


def _bounded(image, width: int, height: int) -> None:
    """Decode the image's stream, at most to its size: a bomb or a lie fails here."""
    if not 0 < width * height <= pieces_check.MAX_PIXELS:
        raise _bomb(
            "an image of %d x %d pixels" % (width, height),
            "une image de %d x %d pixels" % (width, height),
        )
    filters = image.get("/Filter")
    filters = [filters] if isinstance(filters, str) else list(filters or [])
    raw = image._data  # the stream's bytes as stored, not decoded by pypdf
    if filters == ["/DCTDecode"]:
        pieces_check.image_dpi(raw, pieces_check.JPEG)
    elif filters == ["/FlateDecode"]:
        space = image.get("/ColorSpace")
        components = _COMPONENTS.get(space if isinstance(space, str) else "", 3)
        bits = int(image.get("/BitsPerComponent", 8))
        size = height * ((width * components * bits + 7) // 8 + 1)  # + a predictor byte a row
        try:
            inflater = zlib.decompressobj()
            inflater.decompress(raw, size + 1)
        except zlib.error as e:
            raise pieces_check.unreadable(pieces_check.PDF, e) from None
        if inflater.unconsumed_tail:
            raise _bomb(
                "an image stream that inflates past its %d bytes" % size,
                "une image qui se décompresse au-delà de sa taille, %d octets" % size,
            )
    elif len(filters) > 1:
        raise _bomb(
            "an image under %d filters" % len(filters),
            "une image sous %d compressions" % len(filters),
        )
