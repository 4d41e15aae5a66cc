"""Care sheets against independent checks (CPython, hypothesis): random valid sheets pass the
validator, round-trip, re-encode to the same bytes, and cbor2 reads them as we do; any other
bytes either decode to a sheet that re-encodes to exactly them, or are refused."""

import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import cbor, nomenclature, sheet_validation, tariffs
from protocol import sheet_fields as F
from protocol.dates import days_to_ymd, ymd_to_days
from protocol.sheet import Accident, Act, Beneficiary, Prescription, Sheet, SheetFormatError, decode

TODAY = 20261118
FIRST = max(20260101, nomenclature.effective_date(1))


def _nir(draw):
    body = draw(st.sampled_from("12")) + draw(st.text("0123456789", min_size=12, max_size=12))
    return body + "%02d" % (97 - int(body) % 97)


def _day(draw, low, high):
    return days_to_ymd(draw(st.integers(ymd_to_days(low), ymd_to_days(high))))


DIGITS = "0123456789"
PRINTABLE = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=32)


@st.composite
def acts(draw, profession):
    entries = [e for e in tariffs.VERSIONS[0][2] if e[tariffs.PROFESSION] == profession]
    result = []
    ranks_used = {}
    for _ in range(draw(st.integers(1, 8))):
        entry = draw(st.sampled_from(entries))
        day = _day(draw, FIRST, TODAY)
        rank = None
        if entry[tariffs.FLAGS] & tariffs.RANKED:
            used = ranks_used.setdefault(day, [])
            free = [r for r in (1, 2) if r not in used]
            if not free:
                continue
            rank = draw(st.sampled_from(free))
            used.append(rank)
        coef = draw(st.integers(entry[tariffs.MIN_COEF], entry[tariffs.MAX_COEF]))
        fee = nomenclature.fee(entry, coef, rank)
        result.append(Act(code=entry[tariffs.CODE], coef=coef, date=day, fee=fee, rank=rank))
    if not result:
        entry = [e for e in entries if not e[tariffs.FLAGS] & tariffs.RANKED][0]
        result.append(
            Act(code=entry[tariffs.CODE], coef=100, date=TODAY, fee=entry[tariffs.TARIFF])
        )
    return result


@st.composite
def sheets(draw):
    profession = draw(st.sampled_from(sorted(F.PROFESSIONS)))
    the_acts = draw(acts(profession))
    first = min(a.date for a in the_acts)
    last = max(a.date for a in the_acts)
    fees = sum(a.fee for a in the_acts)
    flags = 0
    for a in the_acts:
        flags |= nomenclature.lookup(1, profession, a.code)[tariffs.FLAGS]
    payment = draw(st.sampled_from(sorted(F.PAYMENTS)))
    third_party = draw(st.integers(1, fees)) if payment == F.THIRD_PARTY else 0
    beneficiary = None
    if draw(st.booleans()):
        beneficiary = Beneficiary(
            nir=_nir(draw) if draw(st.booleans()) else None,
            birth=_day(draw, 19000101, TODAY),
            birth_rank=draw(st.integers(1, 9)),
        )
    accident = None
    if draw(st.booleans()):
        kind = draw(st.sampled_from(sorted(F.ACCIDENTS)))
        ref = draw(PRINTABLE) if kind == F.WORK_ACCIDENT or draw(st.booleans()) else None
        accident = Accident(kind=kind, date=_day(draw, 20000101, first), ref=ref)
    prescription = None
    if flags & tariffs.PRESCRIBED or draw(st.booleans()):
        prescription = Prescription(
            date=_day(draw, 20000101, first),
            prescriber=draw(
                st.text(DIGITS, min_size=9, max_size=9) | st.text(DIGITS, min_size=11, max_size=11)
            ),
            ref=draw(PRINTABLE),
        )
    agreement = draw(PRINTABLE) if flags & tariffs.AGREEMENT or draw(st.booleans()) else None
    return Sheet(
        nomenclature=1,
        terminal=draw(PRINTABLE),
        order_no=draw(st.integers(1, 2**31 - 1)),
        completion=_day(draw, last, TODAY),
        insured=_nir(draw),
        beneficiary=beneficiary,
        fund=draw(st.text(DIGITS, min_size=9, max_size=9).filter(lambda f: f[:2] != "00")),
        professional=draw(st.text(DIGITS, min_size=11, max_size=11)),
        situation=draw(st.text(DIGITS, min_size=9, max_size=9)),
        profession=profession,
        accident=accident,
        acts=the_acts,
        fees=fees,
        third_party=third_party,
        payment=payment,
        exemption=draw(st.none() | st.sampled_from(sorted(F.EXEMPTIONS))),
        agreement=agreement,
        prescription=prescription,
        unsigned_reason=draw(st.none() | st.sampled_from(sorted(F.UNSIGNED_REASONS))),
        degraded=draw(st.booleans()),
    )


@settings(max_examples=300)
@given(sheets())
def test_random_valid_sheets_are_valid_and_round_trip(sheet):
    assert sheet_validation.problems(sheet, TODAY) == []
    data = sheet.encode()
    again = decode(data)
    assert again == sheet
    assert again.encode() == data
    assert sheet_validation.problems(again, TODAY) == []


@settings(max_examples=300)
@given(sheets())
def test_cbor2_reads_the_sheet_as_we_do(sheet):
    data = sheet.encode()
    theirs = cbor2.loads(data)
    assert theirs == cbor.decode(data)
    # Every map of a sheet has unsigned int keys only, where RFC 8949's bytewise order and
    # cbor2's canonical order agree: cbor2 writes the very same bytes.
    assert cbor2.dumps(theirs, canonical=True) == data


@settings(max_examples=500)
@given(sheets(), st.data())
def test_changed_bytes_decode_to_exactly_them_or_are_refused(sheet, data):
    original = bytearray(sheet.encode())
    for _ in range(data.draw(st.integers(1, 3))):
        i = data.draw(st.integers(0, len(original) - 1))
        original[i] = data.draw(st.integers(0, 255))
    changed = bytes(original)
    try:
        decoded = decode(changed)
    except SheetFormatError:
        return
    assert decoded.encode() == changed


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64 - 1),
    st.binary(max_size=8),
    st.text(max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.integers(0, 30), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=500)
@given(st.dictionaries(st.integers(0, 24), VALUES, max_size=22))
def test_any_map_is_a_sheet_that_re_encodes_or_a_plain_refusal(value):
    data = cbor2.dumps(value, canonical=True)
    try:
        decoded = decode(data)
    except SheetFormatError as e:
        assert str(e)
        return
    assert decoded.encode() == data
