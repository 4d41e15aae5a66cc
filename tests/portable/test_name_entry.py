"""A name typed on the digit keypad, multi-tap (firmware/name_entry.py), both interpreters:
the same key again turns the letter, another key or DOWN keeps it, 0 is a space, 1 a
hyphen then an apostrophe, BACK erases, OK ends; at most `longest` letters, upper case."""

from firmware import entry, name_entry


def _typed(keys, longest=24):
    e = name_entry.Name("Nom du patient", "Nom", longest)
    got = None
    for k in keys.split():
        got = e.key(k)
    return e, got


def test_letters_by_taps_and_the_next_key_moves_on():
    e, got = _typed("2 2 2 2 DOWN 2 2 8 8 8 OK")
    assert got == entry.DONE and e.value == "ABV", e.value  # 2 x4 turns back to A


def test_the_same_key_twice_needs_down():
    e, _ = _typed("6 6 DOWN 6 6")
    assert e.shown() == "NN"
    e, _ = _typed("6 6 6 6")
    assert e.shown() == "M"  # four taps of 6 (MNO): back to M, one letter


def test_space_hyphen_apostrophe():
    e, got = _typed("5 5 5 1 1 4 4 6 6 6 8 3 3 0 2 6 6 1 6 2 OK")
    assert got == entry.DONE and e.value == "L'HOTE AN-MA", e.value


def test_erase_the_pending_then_the_kept_letter():
    e, _ = _typed("2 3 3 BACK")
    assert e.shown() == "A"  # E being typed erased
    e.key("BACK")
    assert e.shown() == ""
    assert e.key("OK") is None and e.value is None  # nothing typed: OK does not end


def test_spaces_at_the_ends_are_not_kept():
    e, got = _typed("0 2 0 OK")
    assert got == entry.DONE and e.value == "A"


def test_the_limit_holds():
    e, got = _typed(" DOWN ".join(["2"] * 30) + " OK", longest=24)
    assert got == entry.DONE and e.value == "A" * 24
    assert e.shown() == "A" * 20  # the screen shows the name's end


def test_cancel():
    e, got = _typed("2 2 CANCEL")
    assert got == entry.CANCEL and e.value is None
