"""The scanned prescriptions the SCOR tests attach, made here (Pillow, fpdf2, pypdf): never
a binary fixture. A blank page of an A4 prescription at `dpi`."""

import io
import zlib

from PIL import Image

A4_MM = (210, 297)


def page(dpi: int = 200, mode: str = "L"):
    size = (round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi))
    return Image.new(mode, size, 255)


def jpeg(dpi: int = 200, stated: bool = True) -> bytes:
    out = io.BytesIO()
    page(dpi).save(out, "JPEG", **({"dpi": (dpi, dpi)} if stated else {}))
    return out.getvalue()


def png(dpi: int = 200) -> bytes:
    out = io.BytesIO()
    page(dpi, "1").save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def pdf(dpi: int = 200, pages: int = 1) -> bytes:
    """A scan as a scanner's PDF: each page one image spread on the A4 page."""
    from fpdf import FPDF

    doc = FPDF(unit="mm", format="A4")
    image = page(dpi, "1")
    for _ in range(pages):
        doc.add_page()
        doc.image(image, x=0, y=0, w=A4_MM[0], h=A4_MM[1])
    return bytes(doc.output())


def pdf_with_javascript(escaped: bool = False) -> bytes:
    """A good scan that runs JavaScript when opened; `escaped`: its names written with #xx
    escapes (/OpenAct#69on), as a hostile file hides them from a search of its bytes."""
    objects = _scan_objects()
    action = (
        b"/OpenAct#69on << /S /J#61vaScript /J#53 (app.alert)>>"
        if escaped
        else (b"/OpenAction << /S /JavaScript /JS (app.alert) >>")
    )
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R " + action + b" >>"
    return _pdf_file(objects)


def _scan_objects(pixels=None) -> list:
    width, height = page(200).size
    raw = zlib.compress(pixels if pixels is not None else b"\xff" * ((width + 7) // 8 * height))
    bits = 8 if pixels is not None else 1
    return [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (width, height, bits, len(raw))
        + raw
        + b"\nendstream",
        b"<< /Length 33 >>\nstream\nq 595 0 0 842 0 0 cm /Im0 Do Q\n\nendstream",
    ]


def pdf_bomb() -> bytes:
    """A PDF of 1 page whose image says A4 at 200 dpi, 1 bit a pixel (1 Mo), and whose
    Flate stream inflates to 256 Mo: a decompression bomb."""
    return _pdf_file(_scan_objects(b"\0" * (256 * 1024 * 1024)))  # 256 Mo in 256 Ko


def pdf_pages(count: int) -> bytes:
    """A PDF of `count` pages that all show the same small image: a bomb by its pages."""
    width, height = page(200).size
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(count))
    raw = zlib.compress(b"\xff" * ((width + 7) // 8 * height))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 1 /Filter /FlateDecode /Length %d >>\nstream\n"
        % (width, height, len(raw))
        + raw
        + b"\nendstream",
        b"<< /Length 33 >>\nstream\nq 595 0 0 842 0 0 cm /Im0 Do Q\n\nendstream",
    ]
    objects += [
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im0 3 0 R >> >> /Contents 4 0 R >>"
    ] * count
    return _pdf_file(objects)


def _pdf_file(objects) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
