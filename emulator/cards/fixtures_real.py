"""Fixture cards shaped like the real ones (docs/cards.md "Real cards"): Cartes Vitale 2 and
CPS3 cards, and the bad ones of the tests. Their data is public test data; the CPS3 PINs
are public test values, as the other fixtures' are."""

from emulator.cards.cps3 import VirtualCps3
from emulator.cards.vitale2 import VirtualVitale2
from firmware.cards import fields

_FAMILY2 = {
    "serial": "2500000017",
    "valid_from": 20210315,
    "nir": "1690275056017",
    "beneficiaries": [
        {"usage_name": "LEFEBVRE", "first_names": ["MARC"], "birth_date": 19690214},
        {"usage_name": "LEFEBVRE", "first_names": ["ZOE"], "birth_date": 20120930},
    ],
}
_GP3 = {
    "serial": "00345678",
    "valid_from": 20240101,
    "valid_until": 20290101,
    "holder_id": "1000345678" + fields.luhn_digit("1000345678"),
    "usage_name": "DURAND",
    "first_names": ["HELENE"],
    "profession": "10",
    "specialty": "01",
    "situations": [
        {"billing": "751239990", "place": "CABINET RUE DE RENNES"},
        {"billing": "751239982", "place": "CENTRE DE SANTE VANVES"},
    ],
    "pin": "3719",
}

VITALE2 = {
    "vitale2-family": ("Carte Vitale 2: holder and a child", _FAMILY2, ()),
    "vitale2-bad-pointers": ("Vitale 2 whose pointer file is malformed", _FAMILY2, ("pointers",)),
    "vitale2-missing-file": ("Vitale 2 pointing to a file it lacks", _FAMILY2, ("missing-file",)),
    "vitale2-long-tag": ("Vitale 2 with a tag length past its data", _FAMILY2, ("long-tag",)),
    "vitale2-bad-cert": ("Vitale 2 whose certificate does not parse", _FAMILY2, ("bad-cert",)),
}
CPS3 = {
    "cps3-gp": ("CPS3 of a general practitioner, two situations, PIN 3719", _GP3, ()),
    "cps3-no-mse": ("CPS3 refusing MSE SET (6A80)", _GP3, ("mse",)),
    "cps3-6982": ("CPS3 answering 6982 to the signature", _GP3, ("pso-6982",)),
    "cps3-short-signature": ("CPS3 giving a 255-byte signature", _GP3, ("short-signature",)),
    "cps3-bad-cert": ("CPS3 whose certificate does not parse", _GP3, ("bad-cert",)),
    "cps3-blocked": ("CPS3 whose PIN is blocked", dict(_GP3, tries_left=0), ()),
}


def names():
    rows = [(n, "vitale2", d) for n, (d, _, _) in VITALE2.items()]
    return rows + [(n, "cps3", d) for n, (d, _, _) in CPS3.items()]


def make(name, seed):
    """A fresh card of fixture `name`, or None when it is not one of these."""
    if name in VITALE2:
        return VirtualVitale2(VITALE2[name][1], seed=seed, faults=VITALE2[name][2])
    if name in CPS3:
        return VirtualCps3(CPS3[name][1], seed=seed, faults=CPS3[name][2])
    return None


def pin(name) -> str:
    """The fixture PIN of the CPS3 `name` (KeyError for another name)."""
    return CPS3[name][1]["pin"]
