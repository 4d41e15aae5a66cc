"""The NGAP rules of nomenclature version 3 (both interpreters): the night and Sunday
surcharges do not add up, the Sunday one only on a Sunday or a public holiday, the MAU
with a single AMI of 1 or 1.5 and never with the MCI, the MIE for a child under 7, the
night surcharges at their hours only; a sheet of version 2 keeps none of these rules."""

from _sheets import BENEFICIARIES, FUND, INSURED, RIGHTS, TODAY, nurse_visit

from protocol import nomenclature, ngap_rules
from protocol import sheet_fields as F
from protocol import sheet_validation as V
from protocol.sheet import Act, Beneficiary, decode

SUNDAY = 20261115  # the Sunday before TODAY (a Wednesday)
HOLIDAY = 20261111  # 11 November, a Wednesday


def _sheet(codes, day=TODAY, version=3, birth=None):
    s = nurse_visit()
    s.nomenclature = version
    s.acts = [Act(code=c, coef=k, date=day) for c, k in codes]
    for a in s.acts:
        if a.code in ("AMI", "AMX", "AIS"):
            a.rank = 1
    if birth is not None:
        s.beneficiary = Beneficiary(birth=birth, birth_rank=1)
    return nomenclature.price(s)


def _found(s):
    deps = BENEFICIARIES + [(None, 20220301, 1), (None, 20190301, 1)]
    found = V.problems(s, TODAY, RIGHTS, deps, INSURED, FUND)
    again = V.problems(decode(s.encode()), TODAY, RIGHTS, deps, INSURED, FUND)
    assert [(p.path, p.rule) for p in again] == [(p.path, p.rule) for p in found]
    for p in found:
        a, b = p.screen()
        assert len(a) <= 20 and len(b) <= 20, (a, b)
        print("%-12s | %-20s | %-20s | %s" % (p.path, a, b, p.text()))
    return [(p.path, p.rule, p.detail) for p in found]


def test_a_usual_night_visit_is_valid():
    assert _found(_sheet([("AMI", 100), ("IFD", 100), ("N", 100)])) == []
    assert _found(_sheet([("AMI", 150), ("MAU", 100)])) == []
    assert _found(_sheet([("AMI", 100), ("F", 100)], SUNDAY)) == []
    assert _found(_sheet([("AMI", 100), ("F", 100)], HOLIDAY)) == []
    assert _found(_sheet([("AMI", 100), ("MIE", 100)], birth=20220301)) == []


def test_the_surcharges_that_do_not_add_up():
    got = _found(_sheet([("AMI", 100), ("N", 100), ("NP", 100)]))
    assert got == [("acts.3.code", "not_with", "N")], got
    got = _found(_sheet([("AMI", 100), ("N", 100), ("F", 100)], SUNDAY))
    assert got == [("acts.3.code", "not_with", "N")], got
    got = _found(_sheet([("AMI", 100), ("MCI", 100), ("MAU", 100)]))
    assert ("acts.3.code", "not_with", "MCI") in got, got


def test_the_sunday_surcharge_on_a_weekday_is_refused():
    got = _found(_sheet([("AMI", 100), ("F", 100)]))
    assert got == [("acts.2.code", "not_sunday", "F")], got


def test_the_single_act_surcharge_goes_with_one_small_ami():
    assert _found(_sheet([("AMI", 200), ("MAU", 100)])) == [("acts.2.code", "single_act", "MAU")]
    got = _found(_sheet([("AMI", 100), ("AMI", 100), ("MAU", 100)]))
    assert ("acts.3.code", "single_act", "MAU") in got, got
    assert _found(_sheet([("BSA", 100), ("MAU", 100)])) == [("acts.2.code", "single_act", "MAU")]
    assert _found(_sheet([("AMI", 100), ("IFD", 100), ("IK", 500), ("MAU", 100)])) == []


def test_the_child_surcharge_needs_a_child_under_7():
    got = _found(_sheet([("AMI", 100), ("MIE", 100)]))  # the insured: no birth date
    assert got == [("acts.2.code", "not_child", "MIE")], got
    got = _found(_sheet([("AMI", 100), ("MIE", 100)], birth=20190301))  # 7 in March 2026
    assert got == [("acts.2.code", "not_child", "MIE")], got


def test_version_2_sheets_keep_their_rules():
    s = _sheet([("AMI", 200), ("N", 100), ("NP", 100), ("F", 100), ("MAU", 100)], TODAY, 2)
    assert _found(s) == [], "version 2 has no NGAP flag: the PC reads its sheets as before"


def test_the_night_hours():
    night = nomenclature.lookup(3, F.NURSE, "N")
    deep = nomenclature.lookup(3, F.NURSE, "NP")
    doctor = nomenclature.lookup(3, F.DOCTOR, "MN")
    assert [h for h in range(24) if not ngap_rules.out_of_hours(night, h)] == [5, 6, 7, 20, 21, 22]
    assert [h for h in range(24) if not ngap_rules.out_of_hours(deep, h)] == [0, 1, 2, 3, 4, 23]
    assert [h for h in range(24) if not ngap_rules.out_of_hours(doctor, h)] == [
        6,
        7,
        20,
        21,
        22,
        23,
    ]
    ami = nomenclature.lookup(3, F.NURSE, "AMI")
    assert not [h for h in range(24) if ngap_rules.out_of_hours(ami, h)]
    assert nomenclature.lookup(2, F.NURSE, "N") is not None
    assert not ngap_rules.out_of_hours(nomenclature.lookup(2, F.NURSE, "N"), 12)  # no hours in v2
