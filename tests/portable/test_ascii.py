"""Digits and text checked ASCII-only (protocol/ascii.py), both interpreters: CPython's
isdigit() and int() take Arabic-Indic and fullwidth digits, MicroPython's do not, so a NIR
or a prescriber of such digits passed on the PC and failed on the terminal. Every reader
of such a value answers the same on both now: the helpers, dates typed on the PC, card
serials of the opposition list, professional ids of the journal."""

from _kit import raises

from firmware.journal_format import pro_int
from protocol import ascii, dates, opposition_entries

ARABIC_ONE_TWO = "\u0661\u0662"  # Arabic-Indic 1 2: isdigit() on CPython, int() reads 12
FULLWIDTH_ONE_TWO = "\uff11\uff12"
SUPERSCRIPT_TWO = "\u00b2"  # isdigit() on CPython, yet int() refuses it: a crash, not a no
DEVANAGARI_FIVE = "\u096b"
NBSP = "\u00a0"
TRICKS = (
    ARABIC_ONE_TWO,
    FULLWIDTH_ONE_TWO,
    SUPERSCRIPT_TWO,
    DEVANAGARI_FIVE,
    "1_0",  # int() reads 10 on both
    " 12",
    "12 ",
    "+12",
    "-1",
    "12\n",
    "1" + NBSP,
    "1\u0301",  # a combining acute accent on a digit
    "1\x00",
    "",
)


def test_only_the_digits_0_to_9_are_digits():
    for text in TRICKS:
        assert not ascii.is_digits(text), repr(text)
    for bad in (None, 12, b"12", ["1"]):
        assert not ascii.is_digits(bad)
    assert ascii.is_digits("0123456789")
    assert ascii.is_digits("123", (3,)) and not ascii.is_digits("123", (2, 4))
    assert ascii.is_digits("12345", range(1, 6)) and not ascii.is_digits("123456", range(1, 6))


def test_hex_printable_upper_and_strip_are_ascii_only():
    assert ascii.is_hex("2e8A") and not ascii.is_hex("2e8g") and not ascii.is_hex("0x2e")
    assert not ascii.is_hex(ARABIC_ONE_TWO) and not ascii.is_hex("2_e") and not ascii.is_hex("")
    assert ascii.is_printable("MARTIN PAUL") and ascii.is_printable(" ~")
    for text in ("caf\u00e9", "A" + NBSP + "B", "E\u0301", "A\x00", "A\x7f", "A\tB", ""):
        assert not ascii.is_printable(text), repr(text)
    assert not ascii.is_printable("ABCD", 1, 3) and ascii.is_printable("ABC", 1, 3)
    # CPython's upper() makes "AMI" of "am\u0131" (dotless i) and "SS" of "\u00df".
    assert ascii.upper("ami 2") == "AMI 2"
    assert ascii.upper("am\u0131") == "AM\u0131" and ascii.upper("\u00df") == "\u00df"
    assert ascii.trim(" \t AMI \r\n") == "AMI"
    assert ascii.trim(NBSP + "AMI" + NBSP) == NBSP + "AMI" + NBSP
    assert ascii.shown("PC S\u00e9c\x00\x1b\u202e~") == "PC S?c???~"


def test_dates_card_serials_and_professional_ids_take_ascii_digits_only():
    assert dates.parse_iso("2026-11-18") == (2026, 11, 18)
    for text in (
        "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0661\u0668",
        "\uff12\uff10\uff12\uff16-11-18",
        "2026-+1-18",
        "2026- 1-18",
        "2026-1_-18",
    ):
        raises(ValueError, dates.parse_iso, text)
    assert opposition_entries.decode(opposition_entries.encode("1234567890")) == "1234567890"
    for serial in ("\u0661" * 10, "\uff11" * 10, "123456789" + SUPERSCRIPT_TWO, "+123456789"):
        raises(ValueError, opposition_entries.encode, serial)
    assert pro_int("10001234565") == 10001234565
    for pro in ("\u0661" * 11, "1000123456" + DEVANAGARI_FIVE, "1_001234565", " 1001234565"):
        raises(ValueError, pro_int, pro)
    print("every trick refused:", len(TRICKS))
