"""The nurse's days of tests/test_round_day.py: three patients on prescription, the steps
of each visit keyed by hand and the same visit taken from the round, and the
prescriptions the practice keeps on the PC for them."""

from emulator.scenario_play import split_keys

NURSE = "10006543218"  # the nurse fixture's CPS holder id
PIN = "1593"
DAY1 = 1795000000  # Wednesday 18/11/2026 12:06 in Paris
DAY2 = DAY1 + 86400 - 3 * 3600  # Thursday 19/11/2026 09:06
DAY2_ISO = "2026-11-19"
PRESCRIBER = "10009876543"

# patient: (fixture card, name on the card, rank typed on the patient screen, insured NIR,
# dependant, AMI coefficient typed, prescription reference, sessions, payment key)
PATIENTS = {
    "martin": ("single", "MARTIN PAUL", "1", "170047511223384", "", "200", "1102", 3, "2"),
    "lea": ("family", "DUPONT LEA", "4", "285056912304514", "20180305/2", "100", "1103", 2, "2"),
    "lambert": ("no-copies", "LAMBERT CHLOE", "1", "201060608809260", "", "150", "1104", 1, "1"),
}


HOLDERS = {"single": "MARTIN PAUL", "family": "DUPONT MARIE", "no-copies": "LAMBERT CHLOE"}


def _cps_in():
    return [
        {"insert": "cps", "card": "nurse", "screen": "Code PIN"},
        {"keys": PIN + " OK", "screen": "Inserer carte Vitale"},
    ]


def _cards_out():
    return [
        {"remove": "vitale", "screen": "Inserer carte Vitale"},
        {"remove": "cps", "screen": "tla "},
    ]


def by_hand(patient):
    """The visit keyed on the keypad as the act menu leads it (docs/visit.md): AMI, whose
    prescription is asked first (date JJMM, prescriber, the reference typed over the one
    proposed), its coefficient; IFD (rank computed, NGAP 11 B); 0 to pay, the payment,
    signed. On day 2 the act menu's item 0 offers the last sheet again: not taken here."""
    card, _, rank, _, _, coef, ref, _, pay = PATIENTS[patient]
    return (
        _cps_in()
        + [
            {"insert": "vitale", "card": card, "screen": HOLDERS[card]},
            {"keys": rank, "screen": "Acte 1: code"},
            {"keys": "1", "screen": "Prescr. obligatoire"},
            {"keys": "0211 OK", "screen": "Prescripteur (id)"},
            {"keys": PRESCRIBER + " OK", "screen": "Reference"},
            {"keys": ref + " OK", "screen": "Coefficient"},
            {"keys": coef + " OK", "screen": "Acte 2: code"},
            {"keys": "2", "screen": "Acte 3: code"},
            {"keys": "0", "screen": "Paiement"},
            {"keys": pay, "screen": "OK:signer MENU:sans"},
            {"keys": "OK", "screen": "Enregistree no"},
        ]
        + _cards_out()
    )


def from_round(patient):
    """The same visit from the round: the card, OK on the offer, OK on the review."""
    card, name = PATIENTS[patient][:2]
    return (
        _cps_in()
        + [
            {"insert": "vitale", "card": card, "screen": "Tournee"},
            {"screen": name},
            {"keys": "OK", "screen": "OK:signer MENU:sans"},
            {"keys": "OK", "screen": "Enregistree no"},
        ]
        + _cards_out()
    )


def keys_of(steps):
    """Key presses of a visit's steps, the PIN included."""
    return sum(len(split_keys(s["keys"])) for s in steps if "keys" in s)


def day(start, visits):
    """A scenario: each visit is (name, steps)."""
    return {
        "name": "round-day",
        "start": start,
        "visits": [{"name": name, "steps": steps} for name, steps in visits],
    }


def prescription_args(patient):
    _, name, _, nir, dependant, coef, ref, sessions, _ = PATIENTS[patient]
    args = [
        "round", "prescription", "--professional", NURSE, "--insured", nir,
        "--name", name, "--prescriber", PRESCRIBER, "--date", "2026-11-02", "--ref", ref,
        "--acts", "AMI %d,%s 1 + IFD" % (int(coef) // 100, coef[-2:]), "--sessions", str(sessions),
    ]  # fmt: skip
    if dependant:
        args += ["--dependant", dependant]
    return args
