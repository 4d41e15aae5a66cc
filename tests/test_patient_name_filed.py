"""The PC's patient name of a sheet made without the card (host_agent/store/sheet_search
.patient_of): the name keyed on the terminal (sheet key 22) when no Vitale certificate
names the patient; a hostile or undecodable one is not filed as a name."""

from types import SimpleNamespace

from host_agent.store import sheet_search
from protocol import sheet_fields as F
from protocol.sheet import Sheet


def _signed(name, data=None):
    s = Sheet(insured="180027512345676", degraded=True, absent_reason=F.CARD_FORGOTTEN)
    s.patient_name = name
    return SimpleNamespace(vitale_cert=None, sheet=s.encode() if data is None else data)


def test_the_keyed_name_is_the_patients_name():
    assert sheet_search.patient_of(None, _signed("L'HOTE ANNE-MARIE")) == (
        "L'HOTE ANNE-MARIE",
        "l'hote anne-marie",
    )


def test_a_hostile_or_missing_name_is_not_filed():
    for name in (None, "[red]X[/red]", "martin", "A\x1b[2J", "A" * (F.MAX_PATIENT_NAME + 1)):
        assert sheet_search.patient_of(None, _signed(name)) == ("", ""), name
    assert sheet_search.patient_of(None, _signed(None, b"\xff\x00")) == ("", "")
