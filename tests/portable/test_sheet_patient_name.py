"""The patient's name keyed on the terminal (sheet key 22, patient_name; R161-43), both
interpreters: allowed on a sheet made without the card only, upper-case ASCII letters,
space, hyphen, apostrophe, 1 to 24 characters, a letter at both ends; a sheet without it
(every sheet before it) stays valid; it survives the bytes."""

from _sheets import TODAY, nurse_visit

from protocol import sheet_fields as F
from protocol import sheet_validation as V
from protocol.sheet import decode

HOSTILE = (
    "",
    " ",
    "martin",  # lower case: the terminal types upper case only
    "MARTIN1",
    "MARTIN\n",
    "[bold]MARTIN[/bold]",
    "<script>",
    "MART\u00cdN",  # not ASCII
    "-MARTIN",
    "MARTIN ",
    "A" * (F.MAX_PATIENT_NAME + 1),
    7,
)


def _card_less(name):
    s = nurse_visit()
    s.degraded = True
    s.absent_reason = F.CARD_FORGOTTEN
    s.patient_name = name
    return s


def _rules(sheet):
    return [(p.path, p.rule) for p in V.problems(sheet, TODAY)]


def test_a_keyed_name_is_valid_and_kept_in_the_bytes():
    for name in ("MARTIN", "L'HOTE ANNE-MARIE", "A" * F.MAX_PATIENT_NAME):
        s = _card_less(name)
        assert _rules(s) == [], (name, _rules(s))
        assert decode(s.encode()).patient_name == name


def test_a_hostile_name_is_refused():
    for name in HOSTILE:
        s = _card_less(name)
        assert _rules(s) == [("patient_name", "invalid")], (name, _rules(s))
        if isinstance(name, str):  # refused from its bytes too, as the PC reads them
            assert _rules(decode(s.encode())) == [("patient_name", "invalid")], name


def test_a_name_with_the_card_is_refused():
    s = nurse_visit()
    s.patient_name = "MARTIN"
    assert _rules(s) == [("patient_name", "with_card")], _rules(s)


def test_old_sheets_without_it_stay_valid():
    s = _card_less(None)
    assert _rules(s) == [] and decode(s.encode()).patient_name is None
