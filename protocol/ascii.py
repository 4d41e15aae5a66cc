"""ASCII-only tests and conversions of text: one answer under CPython and MicroPython.

CPython's str methods follow Unicode, MicroPython's mostly ASCII: "\u0661\u0662".isdigit()
and "\uff11\uff12".isdigit() (Arabic-Indic and fullwidth one, two) are True on CPython
only, and int() reads them there and refuses them here; both interpreters' int() also read
"1_0", " 12 " and "+12"; upper() turns U+0131 (dotless i) into "I" and U+00DF into "SS" on
CPython only; strip() removes a non-breaking space on CPython only (trim() here does not).
Every check of a value that comes from a card, the line, a file or a user (NIRs, fund
codes, prescribers, references, PINs, numbers typed) goes through here, on the terminal
and on the PC (docs/care-sheet.md "Digits are ASCII"; tests/portable/test_ascii.py).
"""

SPACES = " \t\n\r\x0b\x0c"  # what trim() removes: ASCII white space only


def is_digits(text, lengths=None) -> bool:
    """True for a str of ASCII digits 0-9 only, at least one, and of a length in
    `lengths` when given."""
    if not isinstance(text, str) or not text:
        return False
    if lengths is not None and len(text) not in lengths:
        return False
    for c in text:
        if not "0" <= c <= "9":
            return False
    return True


def is_hex(text, lengths=None) -> bool:
    """True for a str of ASCII hexadecimal digits only (0-9, a-f, A-F), at least one."""
    if not isinstance(text, str) or not text:
        return False
    if lengths is not None and len(text) not in lengths:
        return False
    for c in text:
        if not ("0" <= c <= "9" or "a" <= c <= "f" or "A" <= c <= "F"):
            return False
    return True


def is_printable(text, low=1, high=0xFFFF) -> bool:
    """True for a str of `low` to `high` printable ASCII characters (space to '~')."""
    if not isinstance(text, str) or not low <= len(text) <= high:
        return False
    for c in text:
        if not " " <= c <= "~":
            return False
    return True


def shown(text) -> str:
    """`text` for the terminal's 4 x 20 ASCII screen: every character outside printable
    ASCII (an accent, a control character, NUL, a direction override) as "?"."""
    out = []
    for c in text:
        out.append(c if " " <= c <= "~" else "?")
    return "".join(out)


def upper(text) -> str:
    """`text` with a-z in capitals, every other character as it is."""
    out = []
    for c in text:
        out.append(chr(ord(c) - 32) if "a" <= c <= "z" else c)
    return "".join(out)


def trim(text) -> str:
    """`text` without the ASCII white space at its ends (a non-breaking space stays)."""
    return text.strip(SPACES)
