"""Typical care sheets for tests (both interpreters): a nurse's and a doctor's home visit and
a sheet with every optional item, with well-formed NIRs and fees priced from the nomenclature."""

from protocol import nomenclature
from protocol import sheet_fields as F
from protocol.sheet import Accident, Act, Beneficiary, Prescription, Sheet

TODAY = 20261118  # a Wednesday
RIGHTS = (20260101, 20271231)


def nir(body):
    """A 13-character NIR body with its key (97 - number mod 97; 2A/2B count as 19/18)."""
    digits = body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:]
    return body + "%02d" % (97 - int(digits) % 97)


INSURED = nir("1800275123456")
CHILD = nir("2150375123457")
# The card's dependants, as the validator takes them: (nir or None, birth date, birth rank).
BENEFICIARIES = [(CHILD, 20150310, 1), (None, 20190521, 1), (None, 20190521, 2)]
FUND = "011751234"


def nurse_visit():
    """A nurse's home visit on prescription: AMI 2, travel allowance, 6 km; patient paid."""
    sheet = Sheet(
        nomenclature=1,
        terminal="TLA-TEST-0001",
        order_no=42,
        completion=TODAY,
        insured=INSURED,
        fund=FUND,
        professional="60001234567",
        situation="751234567",
        profession=F.NURSE,
        acts=[
            Act(code="AMI", coef=200, date=TODAY, rank=1),
            Act(code="IFD", coef=100, date=TODAY),
            Act(code="IK", coef=600, date=TODAY),
        ],
        third_party=0,
        payment=F.PATIENT_PAID,
        prescription=Prescription(date=20261102, prescriber="10009876543", ref="ORD-20261102-7"),
    )
    return nomenclature.price(sheet)


def doctor_visit():
    """A doctor's visit to a dependant child: visit, travel, 4 km; third-party payment."""
    sheet = Sheet(
        nomenclature=1,
        terminal="TLA-TEST-0002",
        order_no=7,
        completion=TODAY,
        insured=INSURED,
        beneficiary=Beneficiary(nir=CHILD, birth=20150310, birth_rank=1),
        fund=FUND,
        professional="10001234567",
        situation="751000123",
        profession=F.DOCTOR,
        acts=[
            Act(code="VG", coef=100, date=TODAY),
            Act(code="MD", coef=100, date=TODAY),
            Act(code="IK", coef=400, date=TODAY),
        ],
        payment=F.THIRD_PARTY,
    )
    nomenclature.price(sheet)
    sheet.third_party = sheet.fees
    return sheet


def full_sheet():
    """Every optional item present: dependant without NIR, work accident, exemption, prior
    agreement, prescription, unsigned reason; acts on two days, ranked."""
    sheet = Sheet(
        nomenclature=1,
        terminal="TLA-TEST-0003",
        order_no=100000,
        completion=TODAY,
        insured=INSURED,
        beneficiary=Beneficiary(birth=20190521, birth_rank=2),
        fund=FUND,
        professional="60001234567",
        situation="751234567",
        profession=F.NURSE,
        accident=Accident(kind=F.WORK_ACCIDENT, date=20261010, ref="AT-75-2026-00123"),
        acts=[
            Act(code="AIS", coef=300, date=20261117, rank=1),
            Act(code="AMI", coef=150, date=20261117, rank=2),
            Act(code="IFD", coef=100, date=20261117),
            Act(code="AMI", coef=100, date=TODAY, rank=1),
            Act(code="MAU", coef=100, date=TODAY),
            Act(code="IFD", coef=100, date=TODAY),
        ],
        payment=F.THIRD_PARTY,
        exemption=3,
        agreement="AP-2026-5567",
        prescription=Prescription(date=20261015, prescriber="751234560", ref="ORD-20261015-1"),
        unsigned_reason=F.CANNOT_EXPRESS_WILL,
    )
    nomenclature.price(sheet)
    sheet.third_party = sheet.fees - 500
    return sheet


def samples():
    """(name, sheet) of each sample."""
    return [("nurse", nurse_visit()), ("doctor", doctor_visit()), ("full", full_sheet())]
