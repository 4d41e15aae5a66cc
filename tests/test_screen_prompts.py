"""Every terminal screen the scenarios record (tests/fixtures/screens/scenario--*.txt, both
interpreters) follows the screen rules of tests/portable/_screens.py: 4 x 20 ASCII, and a
last line that says what the keys do (issue 23 item 4)."""

import sys
from pathlib import Path

from tests import ui_prints

sys.path.insert(0, str(Path(__file__).resolve().parent / "portable"))
import _screens  # noqa: E402


def test_every_recorded_terminal_screen_says_its_keys():
    files = sorted(ui_prints.SCREENS.glob("scenario--*.txt"))
    assert files
    seen = 0
    for f in files:
        for frame in ui_prints.parse(f.read_text()):
            assert _screens.problem(frame) is None, (f.name, _screens.problem(frame), frame)
            seen += 1
    print("screens checked:", seen)


def test_the_rule_catches_a_screen_without_keys():
    assert _screens.problem(["Caisse du patient", "Code:", "", ""]) is not None
    assert _screens.problem(["Un", "deux", "trois", "quatre", "cinq"]) is not None
    assert _screens.problem(["Caisse du patient", "Code:", "", "OK valider"]) is None
    assert _screens.problem(["X" * 21, "", "", "OK"]) is not None
    assert _screens.problem(["Caf\u00e9", "", "", "OK"]) is not None


def test_the_rule_is_exact_a_key_word_is_a_whole_word_of_the_last_line():
    # Passed by containing the letters (a substring rule): none says a key.
    assert _screens.problem(["Dossier", "", "", "BOOKED"]) is not None
    assert _screens.problem(["Dossier", "", "", "MENUS DU JOUR"]) is not None
    assert _screens.problem(["Dossier", "OK", "", "Suite"]) is not None  # not the last line
    assert _screens.problem(["Lecture carte perdue", "", "", ""]) is not None
    assert _screens.problem(["Signature en cours", "", "", ""]) is None
    assert _screens.problem(["Total", "", "", "OK:signer MENU:sans"]) is None
    assert _screens.problem(["Tournee", "", "", "OK 4:majo MENU:modif"]) is None
    assert _screens.problem(["Caisse", "", "", "9 chiffres puis OK"]) is None
