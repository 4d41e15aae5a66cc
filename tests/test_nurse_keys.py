"""Issue 23's key counts of a nurse's visits keyed by hand, played on the emulated terminal
under CPython and the real micropython (emulator/scenarios/*.json): what the terminal
remembers of the patient and of the nurse's latest sheet is proposed, OK keeps it."""

import json

import pytest

from emulator.scenario import SCENARIOS
from protocol import sheet_fields as F
from tests.test_scenarios import _keys, _played_sheets


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_a_first_visit_on_a_new_prescription_with_ifd_ik_and_night_is_20_keys(
    interpreter, tmp_path
):
    """AMI on a new prescription + IFD + IK 8 km + N at 21:00, third party, PIN included:
    at most 20 keys (35 before: the prescription's date as JJMM, the doctor's 11 digits,
    IK and its distance typed). The date is its day alone (02 OK: this month), the doctor
    and the IK distance are the patient's last sheet's, IFD brings the IK (OK). The sheet
    holds what was keyed; a patient the terminal does not know gets the doctor of the
    nurse's latest sheet proposed."""
    scenario = json.loads((SCENARIOS / "nurse-new-prescription.json").read_text())
    earlier, counted, stranger = scenario["visits"]
    n = _keys(scenario["setup"] + counted["steps"])
    print("keys: first visit on a new prescription with the PIN %d" % n)
    assert n <= 20
    a, b, c = _played_sheets(interpreter, tmp_path, scenario)
    assert [(x.code, x.coef) for x in a.acts] == [("AMI", 100), ("IFD", 100), ("IK", 800)]
    assert a.prescription.date == 20261005
    assert [(x.code, x.coef) for x in b.acts] == [
        ("AMI", 100),
        ("IFD", 100),
        ("IK", 800),
        ("N", 100),
    ]
    assert (b.prescription.date, b.prescription.prescriber) == (20261102, "10009876543")
    assert b.prescription.ref == "20261102-2" and b.fees == b.third_party == 1785
    assert c.insured != b.insured and c.prescription.prescriber == "10009876543"
    assert c.prescription.date == 20261102 and [x.code for x in c.acts] == ["AMI"]
    assert c.exemption == F.LONG_TERM_ILLNESS and a.exemption is b.exemption is None


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_ok_on_another_item_than_the_kilometres_is_that_item(interpreter, tmp_path):
    """The act menu's cursor waits on the patient's kilometres (`>3 IK 8 km`); moved down to
    Majorations, OK opens the surcharges instead of adding the kilometres (it added them:
    OK took whatever item the cursor was on for the kilometres)."""
    scenario = json.loads((SCENARIOS / "nurse-new-prescription.json").read_text())
    steps = scenario["visits"][1]["steps"]
    at = [i for i, step in enumerate(steps) if step.get("screen") == ">3 IK 8 km"][0]
    steps[at + 1 :] = [
        {"keys": "DOWN", "screen": ">4 Majorations"},
        {"keys": "OK", "screen": ">1 N Nuit 20-23,5-8"},
        {"keys": "OK", "screen": "Acte 4: code"},
        {"keys": "0", "screen": "Paiement"},
        {"keys": "2", "screen": "Tiers p."},
        {"keys": "OK", "screen": "Enregistree no 2"},
        {"remove": "vitale", "screen": "Inserer carte Vitale"},
    ]
    del scenario["visits"][2:]
    _, sheet = _played_sheets(interpreter, tmp_path, scenario)
    assert [x.code for x in sheet.acts] == ["AMI", "IFD", "N"]  # no kilometres added
