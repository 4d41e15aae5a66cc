"""The terminal's screen rules (issue 23 item 4), shared by the portable tests and
tests/test_screen_prompts.py: every screen is at most 4 lines of at most 20 printable
ASCII characters, and its last line says what the keys do, unless it is a numbered menu
(a digit picks its item), a screen that waits for no key (a card read, the signing) or
the idle screen (docs/visit.md "The idle screen"). The rule is exact: a key word counts
only as a whole word of the last line (words split at spaces, ':' and ','), and a screen
waits for no key only when its first line is one of WORKING, whole: "BOOKED" or "MENUS"
on the last line, or "Lecture carte..." on the first, says no key."""

KEY_WORDS = ("OK", "ANNUL", "MENU", "Choisir", "Retirez", "Inserer")
WORKING = ("Lecture carte CPS", "Lecture carte Vitale", "Signature en cours")


def words(line):
    """The words of `line`: split at spaces, ':' and ','."""
    return line.replace(":", " ").replace(",", " ").split()


def _menu(shown):
    for line in shown[1:]:
        if line[:1] in "> " and line[1:2].isdigit():
            return True
    return False


def problem(shown):
    """What is wrong with screen `shown` (a list of lines), or None."""
    if len(shown) > 4:
        return "more than 4 lines"
    for line in shown:
        if len(line) > 20 or not all(32 <= ord(c) < 127 for c in line):
            return "a line over 20 ASCII characters: %r" % line
    if not shown or _menu(shown) or shown[0].startswith("tla "):
        return None
    if shown[0] in WORKING:
        return None
    for word in words(shown[-1]):
        if word in KEY_WORDS:
            return None
    return "the last line says no key: %r" % shown[-1]


def check_all(history):
    for shown in history:
        found = problem(shown)
        assert found is None, (found, shown)
