"""Checks a care sheet against R161-42, R161-44 and the nomenclature, before the cards sign it
(terminal) and after the practice PC receives it; each problem names the faulty field in French.

Each problem is a protocol/sheet_problems.Problem: two lines of at most 20 ASCII characters
for the terminal's screen and a plain sentence. The facts from the card are plain arguments
(today, the rights window, the beneficiaries), never card objects. Digits and text are
checked ASCII-only (protocol/ascii.py): CPython's isdigit() takes Arabic-Indic and fullwidth
digits, MicroPython's does not, and the PC must refuse what the terminal refuses.
"""

from protocol import dates, nomenclature
from protocol import sheet_fields as F
from protocol import tariffs as T
from protocol.ascii import is_digits, is_printable
from protocol.fund_code import fund_ok
from protocol.sheet import Accident, Act, Beneficiary, Prescription
from protocol.sheet_problems import (  # noqa: F401 - RULES, Problem, euros: named from here too
    RULES,
    Problem,
    SheetInvalid,
    euros,
)

MAX_ACTS = 12
MAX_ACT_FEE = 50000  # 500 EUR: far above any home-visit act, so a typing slip is caught
MAX_FEES = 150000  # 1500 EUR for one sheet
MAX_TEXT = 32  # terminal serial and references
MAX_ORDER_NO = 0x7FFFFFFF


def _day(ymd) -> str:
    return dates.french(dates.ymd_tuple(ymd))


def nir_ok(nir) -> bool:
    """True for a well-formed NIR: 13 characters (sex 1-4, 7, 8; Corsica's 2A/2B allowed)
    and the 2-digit key 97 - (number mod 97)."""
    if not isinstance(nir, str) or len(nir) != 15 or nir[0] not in "123478":
        return False
    body, key = nir[:13], nir[13:]
    # For the key, Corsica's departments 2A and 2B count as 19 and 18.
    if body[5:7] == "2A":
        body = body[:5] + "19" + body[7:]
    elif body[5:7] == "2B":
        body = body[:5] + "18" + body[7:]
    if not is_digits(body) or not is_digits(key):
        return False
    return 97 - int(body) % 97 == int(key)


def _printable(value) -> bool:
    return is_printable(value, 1, MAX_TEXT)


def name_ok(value) -> bool:
    """A patient's name as keyed without the card: 1 to MAX_PATIENT_NAME upper-case ASCII
    letters, spaces, hyphens and apostrophes, a letter at both ends."""
    if not isinstance(value, str) or not 1 <= len(value) <= F.MAX_PATIENT_NAME:
        return False
    for ch in value:
        if ch not in F.NAME_CHARACTERS:
            return False
    return "A" <= value[0] <= "Z" and "A" <= value[-1] <= "Z"


def _of_kind(value, kind) -> bool:
    if kind == "int":
        return type(value) is int  # not a bool (an int on CPython)
    return isinstance(value, str)


class _Checker:
    def __init__(self, today):
        self.today = today
        self.out = []

    def add(self, path, rule, detail=""):
        self.out.append(Problem(path, rule, detail))

    def present(self, record, name, path, kind, required=True):
        """The value of field `name` when present and of the right type, else None (and
        the problem noted: missing when required, invalid when of the wrong type)."""
        value = getattr(record, name)
        if value is None:
            if required:
                self.add(path, "missing")
            return None
        if not _of_kind(value, kind):
            self.add(path, "invalid")
            return None
        return value

    def date(self, record, name, path, required=True):
        """A YYYYMMDD date field, not in the future."""
        value = self.present(record, name, path, "int", required)
        if value is None:
            return None
        if not dates.is_ymd(value):
            self.add(path, "invalid")
            return None
        if value > self.today:
            self.add(path, "future")
            return None
        return value

    def choice(self, record, name, path, allowed, required=True):
        value = self.present(record, name, path, "int", required)
        if value is not None and value not in allowed:
            self.add(path, "invalid", str(value))
            return None
        return value

    def amount(self, record, name, path, limit):
        value = self.present(record, name, path, "int")
        if value is None:
            return None
        if value < 0:
            self.add(path, "negative")
            return None
        if limit is not None and value > limit:
            self.add(path, "absurd", euros(limit))
            return None
        return value

    def text(self, record, name, path, required=True, check=_printable):
        value = self.present(record, name, path, "text", required)
        if value is not None and not check(value):
            self.add(path, "invalid")
            return None
        return value


def problems(sheet, today, rights=None, beneficiaries=None, insured=None, fund=None):
    """Every problem of `sheet` (a Sheet), mostly in field order; [] when it is valid.

    `today` (YYYYMMDD) bounds every date. From the Vitale card, when there was one:
    `rights` = (first day, last day) of the beneficiary's rights (either may be None),
    `beneficiaries` = the card's dependants as (nir or None, birth date, birth rank),
    `insured` = the holder's NIR, `fund` = the fund of the rights. None: not checked."""
    c = _Checker(today)
    version = c.present(sheet, "version", "version", "int")
    if version is not None and version != F.FORMAT_VERSION:
        c.add("version", "invalid", str(version))
    table = c.present(sheet, "nomenclature", "nomenclature", "int")
    if table is not None and nomenclature.effective_date(table) is None:
        c.add("nomenclature", "invalid", str(table))
        table = None
    c.text(sheet, "terminal", "terminal")
    order_no = c.present(sheet, "order_no", "order_no", "int")
    if order_no is not None and not 1 <= order_no <= MAX_ORDER_NO:
        c.add("order_no", "invalid", str(order_no))
    completion = c.date(sheet, "completion", "completion")
    # R161-42 1° a: the insured, and the dependant when the patient is not the insured.
    holder = c.text(sheet, "insured", "insured", check=nir_ok)
    if holder is not None and insured is not None and holder != insured:
        c.add("insured", "other_card")
    _beneficiary(c, sheet.beneficiary, beneficiaries)
    sheet_fund = c.text(sheet, "fund", "fund", check=fund_ok)
    if sheet_fund is not None and fund is not None and sheet_fund != fund:
        c.add("fund", "other_card")
    # R161-42 2° a: the professional and the practice situation.
    c.text(sheet, "professional", "professional", check=lambda v: is_digits(v, (11,)))
    c.text(sheet, "situation", "situation", check=lambda v: is_digits(v, (9,)))
    profession = c.choice(sheet, "profession", "profession", F.PROFESSIONS)
    act_dates = _acts(c, sheet, table, profession, rights)
    # NGAP general provisions (version 3's flags): the acts of a day together, the age.
    who = sheet.beneficiary
    birth = who.birth if isinstance(who, Beneficiary) and dates.is_ymd(who.birth) else None
    if table is not None and table >= 3:  # version 3's flags: loaded for such sheets only
        from protocol import ngap_rules

        ngap_rules.check(c.add, sheet.acts, table, profession, birth)
    first_act = _earliest(act_dates)
    _accident(c, sheet.accident, first_act)
    # R161-42 8°: fees and third-party amount; R161-47 I 1°: the payment mode.
    fees = c.amount(sheet, "fees", "fees", MAX_FEES)
    total = _sum_of_fees(sheet.acts)
    if fees is not None and total is not None and total != fees:
        c.add("fees", "total_mismatch", euros(total))
    third_party = c.amount(sheet, "third_party", "third_party", None)
    if third_party is not None and fees is not None and third_party > fees:
        c.add("third_party", "over_fees", euros(fees))
        third_party = None
    payment = c.choice(sheet, "payment", "payment", F.PAYMENTS)
    if payment is not None and third_party is not None:
        if (payment == F.THIRD_PARTY) != (third_party > 0):
            c.add("payment", "inconsistent")
    c.choice(sheet, "exemption", "exemption", F.EXEMPTIONS, required=False)
    c.text(sheet, "agreement", "agreement", required=False)
    _prescription(c, sheet.prescription, first_act)
    c.choice(sheet, "unsigned_reason", "unsigned_reason", F.UNSIGNED_REASONS, required=False)
    if sheet.degraded is not True and sheet.degraded is not False:
        c.add("degraded", "invalid")
    # R161-43: why the card was absent, on a degraded sheet only.
    if c.choice(sheet, "absent_reason", "absent_reason", F.ABSENT_REASONS, required=False):
        if sheet.degraded is not True:
            c.add("absent_reason", "with_card")
    # R161-43: the name keyed when no card names the patient, on a degraded sheet only.
    if c.text(sheet, "patient_name", "patient_name", required=False, check=name_ok) is not None:
        if sheet.degraded is not True:
            c.add("patient_name", "with_card")
    # R161-42 10°: the sheet is completed on or after the day of its last act.
    if completion is not None:
        for number, day in act_dates:
            if day > completion:
                c.add("completion", "before_act", str(number))
                break
    return c.out


def check(sheet, today, rights=None, beneficiaries=None, insured=None, fund=None):
    """Raise SheetInvalid naming the first problem of `sheet`; see problems()."""
    found = problems(sheet, today, rights, beneficiaries, insured, fund)
    if found:
        raise SheetInvalid(found)


def _sum_of_fees(acts):
    """The sum of the acts' fees, or None when some act or fee is missing or itself wrong
    (so one wrong fee is reported once, at the act)."""
    if type(acts) is not list or not acts:
        return None
    total = 0
    for act in acts:
        if not isinstance(act, Act) or type(act.fee) is not int:
            return None
        if not 0 <= act.fee <= MAX_ACT_FEE:
            return None
        total += act.fee
    return total


def _earliest(act_dates):
    first = None
    for number, day in act_dates:
        if first is None or day < first[1]:
            first = (number, day)
    return first


def _given(c, record, cls, path):
    """True when the optional record is there to check; notes it invalid when not a `cls`."""
    if record is None:
        return False
    if not isinstance(record, cls):
        c.add(path, "invalid")
        return False
    return True


def _not_after_first_act(c, day, path, first_act):
    # An accident or a prescription comes before the acts it leads to.
    if day is not None and first_act is not None and day > first_act[1]:
        c.add(path, "after_act", str(first_act[0]))


def _beneficiary(c, who, beneficiaries):
    if not _given(c, who, Beneficiary, "beneficiary"):
        return
    nir = c.text(who, "nir", "beneficiary.nir", required=False, check=nir_ok)
    birth = c.date(who, "birth", "beneficiary.birth")
    rank = c.present(who, "birth_rank", "beneficiary.birth_rank", "int")
    if rank is not None and not 1 <= rank <= 9:
        c.add("beneficiary.birth_rank", "invalid", str(rank))
        rank = None
    if beneficiaries is None or birth is None or rank is None:
        return
    if who.nir is not None and nir is None:
        return
    for card_nir, card_birth, card_rank in beneficiaries:
        if (
            card_birth == birth
            and card_rank == rank
            and (card_nir is None or nir is None or card_nir == nir)
        ):
            return
    c.add("beneficiary", "not_on_card")


def _acts(c, sheet, table, profession, rights):
    """Check the acts; returns [(act number, date)] of the acts with a usable date."""
    acts = sheet.acts
    if acts is None or acts == []:
        c.add("acts", "missing")
        return []
    if type(acts) is not list:
        c.add("acts", "invalid")
        return []
    if len(acts) > MAX_ACTS:
        c.add("acts", "too_many", str(MAX_ACTS))
        return []
    start = rights[0] if rights is not None else None
    end = rights[1] if rights is not None else None
    in_force = nomenclature.effective_date(table) if table is not None else None
    act_dates = []
    ranks = []
    agreement_asked = prescription_asked = False
    for number, act in enumerate(acts, 1):
        path = "acts.%d." % number
        if not isinstance(act, Act):
            c.add("acts.%d" % number, "invalid")
            continue
        entry = None
        code = c.text(act, "code", path + "code", check=lambda v: is_printable(v, 1, 8))
        if code is not None and table is not None and profession is not None:
            entry = nomenclature.lookup(table, profession, code)
            if entry is None:
                known = nomenclature.has_code(table, code)
                c.add(path + "code", "not_allowed" if known else "unknown", code)
        coef = c.present(act, "coef", path + "coef", "int")
        if coef is not None:
            low, high = (entry[T.MIN_COEF], entry[T.MAX_COEF]) if entry is not None else (1, 100000)
            if not low <= coef <= high:
                c.add(path + "coef", "invalid", str(coef))
                coef = None
        day = c.date(act, "date", path + "date")
        if day is not None:
            if start is not None and day < start:
                c.add(path + "date", "before_rights", _day(start))
            elif end is not None and day > end:
                c.add(path + "date", "after_rights", _day(end))
            elif in_force is not None and day < in_force:
                c.add(path + "date", "not_in_force", _day(in_force))
            else:
                act_dates.append((number, day))
        # R161-42 7°: the order number, for acts whose cover depends on it.
        ranked = entry is not None and entry[T.FLAGS] & T.RANKED
        rank = c.present(act, "rank", path + "rank", "int", required=bool(ranked))
        if rank is not None and entry is not None:
            if not ranked or nomenclature.rank_rate(rank) is None:
                c.add(path + "rank", "invalid", str(rank))
                rank = None
            elif day is not None:
                if (day, rank) in ranks:
                    c.add(path + "rank", "duplicate", str(rank))
                ranks.append((day, rank))
        fee = c.amount(act, "fee", path + "fee", MAX_ACT_FEE)
        if (
            fee is not None
            and entry is not None
            and coef is not None
            and (rank is not None or not ranked)
        ):
            expected = nomenclature.fee(entry, coef, rank)
            if fee != expected:
                c.add(path + "fee", "fee_mismatch", euros(expected))
        if entry is not None:
            what = "%d (%s)" % (number, code)
            # R161-42 6°: the prior agreement, for the acts that need one.
            if entry[T.FLAGS] & T.AGREEMENT and sheet.agreement is None and not agreement_asked:
                c.add("agreement", "required", what)
                agreement_asked = True
            # R161-44 2°: an act done on prescription carries the prescription.
            if (
                entry[T.FLAGS] & T.PRESCRIBED
                and sheet.prescription is None
                and not prescription_asked
            ):
                c.add("prescription", "required", what)
                prescription_asked = True
    return act_dates


def _accident(c, accident, first_act):
    if not _given(c, accident, Accident, "accident"):
        return
    kind = c.choice(accident, "kind", "accident.kind", F.ACCIDENTS)
    day = c.date(accident, "date", "accident.date")
    _not_after_first_act(c, day, "accident.date", first_act)
    # A work accident is known to the fund by its reference.
    c.text(accident, "ref", "accident.ref", required=kind == F.WORK_ACCIDENT)


def _prescription(c, prescription, first_act):
    if not _given(c, prescription, Prescription, "prescription"):
        return
    day = c.date(prescription, "date", "prescription.date")
    _not_after_first_act(c, day, "prescription.date", first_act)
    c.text(
        prescription, "prescriber", "prescription.prescriber", check=lambda v: is_digits(v, (9, 11))
    )
    c.text(prescription, "ref", "prescription.ref")
