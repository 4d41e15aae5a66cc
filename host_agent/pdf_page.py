"""The page of every PDF the agent makes (the paper duplicate and the patient's copy,
host_agent/duplicate.py): A4 with fpdf2, in a Unicode TrueType font so that any name or
reason prints as it was given (a holder named ŁUKASIEWICZ, a reason with an arrow).

The font is DejaVu Sans, from the system's fonts: Debian's package fonts-dejavu-core
(tools/debian-deps.sh installs it; free licence, Bitstream Vera's), or the same files where
other systems put them (host_agent/system.py). Every text goes through `normalize_text`, the
one place fpdf2 turns text into glyphs: a character the font has no glyph for (an emoji
outside its range, a CJK ideograph), a control or format character (U+202E, which would
reorder the line on screen) or a lone surrogate prints as U+FFFD, the replacement
character, never an error. On a PC without any such font the page falls back to
fpdf2's Helvetica, whose windows-1252 encoding cannot hold every letter: each other
letter is written without its accent where it has one (Ł -> L) and as "?" otherwise,
never an error either (docs/lots.md, "Paper duplicate").
"""

import unicodedata
from pathlib import Path

from fpdf import FPDF

from host_agent.system import current as system

FAMILY = "DejaVu"
CORE_FAMILY = "Helvetica"
REPLACEMENT = "\ufffd"


def unicode_fonts(folders=None):
    """(regular, bold) TrueType files of DejaVu Sans in the first of `folders` (default:
    the system's) that has both, or None."""
    for folder in system.font_folders() if folders is None else folders:
        regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold
    return None


class Page(FPDF):
    """An A4 page whose text is always printable: `family` is the font family to give
    set_font (DejaVu, or Helvetica when the system has no DejaVu)."""

    def __init__(self, fonts=None):
        super().__init__(format="A4")
        fonts = unicode_fonts() if fonts is None else fonts
        if fonts:
            self.add_font(FAMILY, "", str(fonts[0]))
            self.add_font(FAMILY, "B", str(fonts[1]))
            self.family = FAMILY
        else:
            self.core_fonts_encoding = "windows-1252"  # the core fonts' own: €, accents
            self.family = CORE_FAMILY

    def normalize_text(self, text: str) -> str:
        text = str(text).translate(_SPACING)
        if self.is_ttf_font:
            has = self.current_font.cmap
            return "".join(
                c if c == "\n" or (_printable(c) and ord(c) in has) else REPLACEMENT for c in text
            )
        return "".join(map(_windows_1252, text)).encode("windows-1252").decode("latin-1")


_SPACING = str.maketrans({"\r": None, "\t": " "})
_DROPPED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # controls, format, surrogates, unassigned
# Latin letters with a stroke have no Unicode decomposition: their plain letter by hand.
_NO_DECOMPOSITION = str.maketrans("ŁłĐđĦħŦŧƗɨ", "LlDdHhTtIi")


def _printable(c: str) -> bool:
    return unicodedata.category(c) not in _DROPPED


def _windows_1252(c: str) -> str:
    """`c` if windows-1252 has it (and a line break), else the letter without its accent
    where it has one, else '?'."""
    if c != "\n" and not _printable(c):
        return "?"
    plain = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
    for candidate in (c, plain.translate(_NO_DECOMPOSITION)):
        try:
            if candidate:
                candidate.encode("windows-1252")
                return candidate
        except UnicodeEncodeError:
            pass
    return "?"
