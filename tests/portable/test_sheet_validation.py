"""Validation of care sheets (both interpreters): every R161-42 / R161-44 item missing or wrong,
one at a time, is refused with a problem naming that field, on the sheet and on its bytes."""

from _kit import raises
from _sheets import (
    BENEFICIARIES,
    FUND,
    INSURED,
    RIGHTS,
    TODAY,
    doctor_visit,
    full_sheet,
    nir,
    nurse_visit,
    samples,
)

from protocol import nomenclature
from protocol import sheet_fields as F
from protocol import sheet_validation as V
from protocol.sheet import Act, SheetFormatError, decode

NGAP_RULES = ("not_sunday", "not_with", "single_act", "not_child", "out_of_hours")
CARD = {"rights": RIGHTS, "beneficiaries": BENEFICIARIES, "insured": INSURED, "fund": FUND}
seen_rules = {}


def _problems(sheet, card):
    return V.problems(
        sheet,
        TODAY,
        card.get("rights"),
        card.get("beneficiaries"),
        card.get("insured"),
        card.get("fund"),
    )


def _only(sheet, path, rule, card=CARD, show=True):
    """`sheet` has exactly one problem, at `path` by `rule`, and so do its bytes once decoded."""
    found = _problems(sheet, card)
    got = [(p.path, p.rule) for p in found]
    assert got == [(path, rule)], "expected %s %s, got %r" % (path, rule, got)
    problem = found[0]
    lines = problem.screen()
    text = problem.text()
    for line in lines:
        assert 0 < len(line) <= 20 and _ascii(line), line
    assert _ascii(text) and text[0] == text[0].upper() and text.endswith("."), text
    if show:
        print("%-22s | %-20s | %-20s | %s" % (path, lines[0], lines[1], text))
    seen_rules[rule] = True
    try:
        data = sheet.encode()
    except SheetFormatError:
        return  # a value of the wrong type in memory: it can never become bytes
    again = [(p.path, p.rule, p.detail) for p in _problems(decode(data), card)]
    assert again == [(p.path, p.rule, p.detail) for p in found], again


def _ascii(text):
    return all(32 <= ord(c) < 127 for c in text)


def test_the_samples_are_valid():
    for name, sheet in samples():
        assert _problems(sheet, CARD) == [], name
        assert _problems(sheet, {}) == [], name
        V.check(sheet, TODAY, RIGHTS, BENEFICIARIES, INSURED, FUND)


def _required_paths():
    """(sample maker, path, record getter) for every required field of every record."""
    out = []
    for field in F.SHEET:
        if field[F.REQUIRED]:
            out.append((nurse_visit, field[F.NAME], lambda s: s))
    for field in F.ACT:
        if field[F.REQUIRED]:
            out.append((nurse_visit, "acts.1." + field[F.NAME], lambda s: s.acts[0]))
    for field in F.PRESCRIPTION:
        out.append((nurse_visit, "prescription." + field[F.NAME], lambda s: s.prescription))
    for field in F.BENEFICIARY:
        if field[F.REQUIRED]:
            out.append((doctor_visit, "beneficiary." + field[F.NAME], lambda s: s.beneficiary))
    for field in F.ACCIDENT:
        if field[F.REQUIRED]:
            out.append((full_sheet, "accident." + field[F.NAME], lambda s: s.accident))
    return out


def _each_required_item_missing(show):
    count = 0
    for make, path, record in _required_paths():
        sheet = make()
        setattr(record(sheet), path.split(".")[-1], None)
        _only(sheet, path, "missing", show=show)
        count += 1
    return count


def test_each_required_item_missing_is_named():
    count = _each_required_item_missing(True)
    print("required items checked:", count)


def _items_required_by_the_acts_missing(show):
    sheet = nurse_visit()
    sheet.acts[0].rank = None  # AMI's cover depends on its order number (R161-42 7°)
    _only(sheet, "acts.1.rank", "missing", show=show)
    sheet = full_sheet()
    sheet.agreement = None  # AIS needs a prior agreement (R161-42 6°)
    _only(sheet, "agreement", "required", show=show)
    sheet = nurse_visit()
    sheet.prescription = None  # AMI is done on prescription (R161-44 2°)
    _only(sheet, "prescription", "required", show=show)
    sheet = full_sheet()
    sheet.accident.ref = None  # a work accident is known by its reference (R161-42 4°)
    _only(sheet, "accident.ref", "missing", show=show)
    sheet = nurse_visit()
    sheet.acts = []
    _only(sheet, "acts", "missing", show=show)


def test_items_required_by_the_acts_missing_are_named():
    _items_required_by_the_acts_missing(True)


def _set(record, name, value):
    setattr(record, name, value)


def _reprice(sheet):
    nomenclature.price(sheet)
    if sheet.payment == F.THIRD_PARTY:
        sheet.third_party = sheet.fees


CHILD_BAD = "215037512345700"

# (sample, change, card facts or None for CARD, path, rule): one wrong item each.
WRONG = [
    (nurse_visit, lambda s: _set(s, "version", 2), None, "version", "invalid"),
    (nurse_visit, lambda s: _set(s, "nomenclature", 9), None, "nomenclature", "invalid"),
    (nurse_visit, lambda s: _set(s, "terminal", ""), None, "terminal", "invalid"),
    (nurse_visit, lambda s: _set(s, "terminal", "TLA\x01"), None, "terminal", "invalid"),
    (nurse_visit, lambda s: _set(s, "order_no", 0), None, "order_no", "invalid"),
    (nurse_visit, lambda s: _set(s, "order_no", "42"), None, "order_no", "invalid"),
    (nurse_visit, lambda s: _set(s, "completion", 20261131), None, "completion", "invalid"),
    (nurse_visit, lambda s: _set(s, "completion", 20261119), None, "completion", "future"),
    (nurse_visit, lambda s: _set(s, "completion", 20261117), None, "completion", "before_act"),
    (nurse_visit, lambda s: _set(s, "insured", INSURED[:14] + "0"), None, "insured", "invalid"),
    (nurse_visit, lambda s: _set(s, "insured", INSURED[:13]), None, "insured", "invalid"),
    (
        nurse_visit,
        lambda s: _set(s, "insured", nir("1750175000001")),
        None,
        "insured",
        "other_card",
    ),
    (nurse_visit, lambda s: _set(s, "fund", "01175123"), None, "fund", "invalid"),
    (nurse_visit, lambda s: _set(s, "fund", "011751999"), None, "fund", "other_card"),
    (nurse_visit, lambda s: _set(s, "professional", "6000123456"), None, "professional", "invalid"),
    (nurse_visit, lambda s: _set(s, "situation", "75123456A"), None, "situation", "invalid"),
    (nurse_visit, lambda s: _set(s, "profession", 99), None, "profession", "invalid"),
    (nurse_visit, lambda s: _set(s.acts[0], "code", "XYZ"), None, "acts.1.code", "unknown"),
    (nurse_visit, lambda s: _set(s.acts[0], "code", "VG"), None, "acts.1.code", "not_allowed"),
    (nurse_visit, lambda s: _set(s.acts[0], "coef", 0), None, "acts.1.coef", "invalid"),
    (nurse_visit, lambda s: _set(s.acts[1], "coef", 150), None, "acts.2.coef", "invalid"),
    (nurse_visit, lambda s: _set(s.acts[0], "date", 20261120), None, "acts.1.date", "future"),
    (nurse_visit, lambda s: _set(s.acts[0], "date", 20260230), None, "acts.1.date", "invalid"),
    (
        nurse_visit,
        lambda s: _set(s.acts[2], "date", 20251231),
        None,
        "acts.3.date",
        "before_rights",
    ),
    (
        nurse_visit,
        lambda s: [_set(s.acts[0], "date", 20261117), _set(s.acts[1], "date", 20261117)],
        {"rights": (20260101, 20261117)},
        "acts.3.date",
        "after_rights",
    ),
    (nurse_visit, lambda s: _set(s.acts[2], "date", 20241231), {}, "acts.3.date", "not_in_force"),
    (nurse_visit, lambda s: _set(s.acts[0], "fee", -630), None, "acts.1.fee", "negative"),
    (nurse_visit, lambda s: _set(s.acts[0], "fee", 60000), None, "acts.1.fee", "absurd"),
    (
        nurse_visit,
        lambda s: [_set(s.acts[0], "fee", 700), _set(s, "fees", 1185)],
        None,
        "acts.1.fee",
        "fee_mismatch",
    ),
    (nurse_visit, lambda s: _set(s.acts[0], "rank", 3), None, "acts.1.rank", "invalid"),
    (nurse_visit, lambda s: _set(s.acts[1], "rank", 1), None, "acts.2.rank", "invalid"),
    (
        full_sheet,
        lambda s: [_set(s.acts[1], "rank", 1), _reprice(s), _set(s, "third_party", s.fees - 500)],
        None,
        "acts.2.rank",
        "duplicate",
    ),
    (
        nurse_visit,
        lambda s: _set(s, "acts", [s.acts[0], "IFD", s.acts[2]]),
        None,
        "acts.2",
        "invalid",
    ),
    (
        nurse_visit,
        lambda s: [_set(s, "acts", [Act(code="IFD", coef=100, date=TODAY)] * 13), _reprice(s)],
        None,
        "acts",
        "too_many",
    ),
    (nurse_visit, lambda s: _set(s, "fees", -1), None, "fees", "negative"),
    (nurse_visit, lambda s: _set(s, "fees", 200000), None, "fees", "absurd"),
    (nurse_visit, lambda s: _set(s, "fees", 1000), None, "fees", "total_mismatch"),
    (nurse_visit, lambda s: _set(s, "third_party", -1), None, "third_party", "negative"),
    (doctor_visit, lambda s: _set(s, "third_party", s.fees + 1), None, "third_party", "over_fees"),
    (nurse_visit, lambda s: _set(s, "payment", F.THIRD_PARTY), None, "payment", "inconsistent"),
    (doctor_visit, lambda s: _set(s, "payment", F.PATIENT_PAID), None, "payment", "inconsistent"),
    (nurse_visit, lambda s: _set(s, "payment", 5), None, "payment", "invalid"),
    (nurse_visit, lambda s: _set(s, "exemption", 9), None, "exemption", "invalid"),
    (full_sheet, lambda s: _set(s, "agreement", ""), None, "agreement", "invalid"),
    (
        full_sheet,
        lambda s: _set(s.prescription, "date", 20261118),
        None,
        "prescription.date",
        "after_act",
    ),
    (
        nurse_visit,
        lambda s: _set(s.prescription, "prescriber", "12345"),
        None,
        "prescription.prescriber",
        "invalid",
    ),
    (
        doctor_visit,
        lambda s: _set(s.beneficiary, "birth", 20150311),
        None,
        "beneficiary",
        "not_on_card",
    ),
    (
        doctor_visit,
        lambda s: _set(s.beneficiary, "nir", nir("2150375123458")),
        None,
        "beneficiary",
        "not_on_card",
    ),
    (
        doctor_visit,
        lambda s: _set(s.beneficiary, "birth", 20270101),
        None,
        "beneficiary.birth",
        "future",
    ),
    (
        doctor_visit,
        lambda s: _set(s.beneficiary, "nir", CHILD_BAD),
        None,
        "beneficiary.nir",
        "invalid",
    ),
    (
        doctor_visit,
        lambda s: _set(s.beneficiary, "birth_rank", 0),
        None,
        "beneficiary.birth_rank",
        "invalid",
    ),
    (
        doctor_visit,
        lambda s: _set(s, "beneficiary", (None, 20150310, 1)),
        None,
        "beneficiary",
        "invalid",
    ),
    (full_sheet, lambda s: _set(s.accident, "kind", 7), None, "accident.kind", "invalid"),
    (full_sheet, lambda s: _set(s.accident, "date", 20261118), None, "accident.date", "after_act"),
    (full_sheet, lambda s: _set(s.accident, "date", 20261225), None, "accident.date", "future"),
    (full_sheet, lambda s: _set(s, "unsigned_reason", 9), None, "unsigned_reason", "invalid"),
    (nurse_visit, lambda s: _set(s, "degraded", "yes"), None, "degraded", "invalid"),
    (nurse_visit, lambda s: _set(s, "absent_reason", 1), None, "absent_reason", "with_card"),
    (nurse_visit, lambda s: _set(s, "absent_reason", 9), None, "absent_reason", "invalid"),
]


def _each_wrong_item(show):
    for make, change, card, path, rule in WRONG:
        sheet = make()
        change(sheet)
        _only(sheet, path, rule, CARD if card is None else card, show)


def test_each_wrong_item_is_named():
    _each_wrong_item(True)
    print("wrong items checked:", len(WRONG))


def test_every_rule_has_a_case_and_fits_the_screen():
    seen_rules.clear()
    _each_required_item_missing(False)
    _items_required_by_the_acts_missing(False)
    _each_wrong_item(False)
    # The NGAP rules of a day's acts have their cases in test_sheet_ngap_rules.py.
    rules = [r for r in V.RULES if r not in NGAP_RULES]
    assert sorted(seen_rules) == sorted(rules), sorted(set(rules) - set(seen_rules))
    for rule in V.RULES:
        screen, sentence = V.RULES[rule]
        assert len(screen) <= 20 and _ascii(screen) and _ascii(sentence), rule


def test_bad_input_of_the_issue_is_refused_with_a_plain_message():
    cases = [
        ("unknown act code", lambda s: _set(s.acts[0], "code", "ZZZ")),
        ("negative amount", lambda s: _set(s.acts[1], "fee", -275)),
        ("absurd amount", lambda s: _set(s, "fees", 9999999)),
        ("care date in the future", lambda s: _set(s.acts[0], "date", 20261231)),
        ("care date before the rights", lambda s: _set(s.acts[0], "date", 20250615)),
        ("third-party above the fees", lambda s: _set(s, "third_party", 99999)),
    ]
    for what, change in cases:
        sheet = nurse_visit()
        change(sheet)
        e = raises(V.SheetInvalid, V.check, sheet, TODAY, RIGHTS, BENEFICIARIES, INSURED, FUND)
        print(what, "->", e.problem.screen(), str(e))
    sheet = doctor_visit()
    sheet.beneficiary.birth_rank = 2  # no child born on 10 March 2015 of rank 2
    e = raises(V.SheetInvalid, V.check, sheet, TODAY, RIGHTS, BENEFICIARIES, INSURED, FUND)
    print("dependant not on the card ->", e.problem.screen(), str(e))


def test_nir_keys_and_corsica():
    assert V.nir_ok(INSURED)
    assert V.nir_ok(nir("180022A123456")) and V.nir_ok(nir("180022B123456"))
    assert not V.nir_ok("180022A12345600")
    assert not V.nir_ok(INSURED[:13] + "%02d" % ((int(INSURED[13:]) + 1) % 100))
    assert not V.nir_ok("5800275123456" + INSURED[13:])  # sex digit
    assert not V.nir_ok(int(INSURED))
    sheet = nurse_visit()
    sheet.insured = nir("280022A123456")
    assert _problems(sheet, {}) == []


def test_problems_list_every_fault_and_name_articles():
    sheet = nurse_visit()
    sheet.insured = None
    sheet.acts[0].code = "XYZ"
    sheet.third_party = 5000
    found = V.problems(sheet, TODAY)
    assert [p.path for p in found] == ["insured", "acts.1.code", "third_party"]
    assert [p.article() for p in found] == ["R161-42 1° a", "R161-42 5°", "R161-42 8°"]
    print([p.screen() for p in found])


def test_euros():
    assert V.euros(473) == "4,73 EUR"
    assert V.euros(5) == "0,05 EUR"
    assert V.euros(-150) == "-1,50 EUR"


def _in_script(zero, text):  # the digits 0-9 of `text` in the script of this zero
    return "".join(chr(zero + ord(c) - 48) if "0" <= c <= "9" else c for c in text)


def test_digits_of_another_script_are_refused_in_every_number_field():
    # CPython's isdigit() and int() took Arabic-Indic and fullwidth digits (the NIR's key
    # even checked out): such a sheet passed on the PC and was refused on the terminal.
    for zero in (0x660, 0xFF10, 0x966):  # Arabic-Indic, fullwidth, Devanagari
        for path in ("insured", "beneficiary.nir", "fund", "professional", "situation",
                     "prescription.prescriber", "prescription.ref"):  # fmt: skip
            sheet = doctor_visit() if path == "beneficiary.nir" else nurse_visit()
            record = getattr(sheet, path.split(".")[0]) if "." in path else sheet
            name = path.split(".")[-1]
            _set(record, name, _in_script(zero, getattr(record, name)))
            _only(sheet, path, "invalid", {}, zero == 0x660)


def test_text_fields_take_printable_ascii_only():
    for text in ("AMI\u00a0", "A\u0301MI", "AM\x00", "AMI\n"):  # NBSP, combining, NUL
        sheet = nurse_visit()
        sheet.acts[0].code = text
        _only(sheet, "acts.1.code", "invalid", CARD, False)
    for text in ("1102\u00a0", "1102\x00", "E\u0301", "\u202e1102"):  # right-to-left override
        for sheet, name in ((nurse_visit(), "ref"), (full_sheet(), "agreement")):
            _set(sheet.prescription if name == "ref" else sheet, name, text)
            _only(sheet, "prescription.ref" if name == "ref" else name, "invalid", CARD, False)
