"""Transmission deadlines (R161-47 I 1°): 3 working days when the patient paid, 8 with
third-party payment, from one rule, protocol/workdays.py, which the terminal computes
offline and the practice PC uses too (host_agent/status.py). The `holidays` package is the
oracle here only: for every completion day of 2026-2030 and both payment modes the
terminal's rule, the PC's rule and a deadline counted on `holidays`' French calendar agree.
"""

from datetime import date, timedelta

import holidays
import pytest

from host_agent import status
from protocol import sheet_fields as F
from protocol import workdays

# (completion, patient paid: 3 working days, third-party: 8), counted by hand on the
# calendar; the completion day itself does not count.
CASES = [
    # Friday 20 Nov 2026: the weekend does not count.
    # 3: Mon 23, Tue 24, Wed 25. 8: ... Fri 27, Mon 30, Tue 1, Wed 2 Dec.
    (20261120, 20261125, 20261202),
    # Saturday 21 Nov 2026 (a sheet made on a weekend): the same days.
    (20261121, 20261125, 20261202),
    # Thursday 2 Apr 2026, Easter Monday is 6 Apr.
    # 3: Fri 3, Tue 7, Wed 8. 8: Thu 9, Fri 10, Mon 13, Tue 14, Wed 15.
    (20260402, 20260408, 20260415),
    # Friday 10 Jul 2026, 14 July is a Tuesday.
    # 3: Mon 13, Wed 15, Thu 16. 8: Fri 17, Mon 20, Tue 21, Wed 22, Thu 23.
    (20260710, 20260716, 20260723),
    # Wednesday 23 Dec 2026: 25 Dec and 1 Jan 2027 are Fridays.
    # 3: Thu 24, Mon 28, Tue 29. 8: Wed 30, Thu 31, Mon 4, Tue 5, Wed 6 Jan 2027.
    (20261223, 20261229, 20270106),
    # Wednesday 30 Dec 2026: 1 January.
    # 3: Thu 31, Mon 4, Tue 5. 8: Wed 6, Thu 7, Fri 8, Mon 11, Tue 12 Jan 2027.
    (20261230, 20270105, 20270112),
    # Thursday 24 Dec 2026, the day before Christmas.
    # 3: Mon 28, Tue 29, Wed 30. 8: Thu 31, Mon 4, Tue 5, Wed 6, Thu 7 Jan.
    (20261224, 20261230, 20270107),
    # Friday 31 Dec 2027: 1 Jan 2028 is a Saturday, nothing moves.
    # 3: Mon 3, Tue 4, Wed 5. 8: ... Mon 10, Tue 11, Wed 12 Jan 2028.
    (20271231, 20280105, 20280112),
]
PAYMENTS = ((F.PATIENT_PAID, False, 3), (F.THIRD_PARTY, True, 8))  # R161-47 I 1° a, b
_FRANCE = holidays.country_holidays("FR", years=range(2026, 2032))  # national days


def _ymd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _day(ymd: int) -> date:
    return date(ymd // 10000, ymd // 100 % 100, ymd % 100)


def _working(d: date) -> bool:
    return d.weekday() < 5 and d not in _FRANCE


def oracle_deadline(completion: int, n: int) -> int:
    """`n` working days after `completion` on the `holidays` calendar."""
    d = _day(completion)
    while n:
        d += timedelta(days=1)
        n -= _working(d)
    return _ymd(d)


def oracle_left(today: int, last: int) -> int:
    a, b = sorted((_day(today), _day(last)))
    count = sum(_working(a + timedelta(days=i)) for i in range(1, (b - a).days + 1))
    return count if today <= last else -max(1, count)


def _row(completion: int, payment: int) -> dict:
    return {"completion": completion, "payment": payment}


def test_the_payment_modes_are_what_the_rule_reads():
    assert F.PATIENT_PAID != F.THIRD_PARTY
    assert (workdays.DEADLINE_PATIENT_PAID, workdays.DEADLINE_THIRD_PARTY) == (3, 8)


@pytest.mark.parametrize("completion, patient_paid, third_party", CASES)
def test_deadlines_around_weekends_and_holidays(completion, patient_paid, third_party):
    for payment, _rule, _n in PAYMENTS:
        expected = third_party if payment == F.THIRD_PARTY else patient_paid
        assert status.deadline_of(_row(completion, payment), completion)[0] == expected
    # On its last day 0 days are left; from the day after, it is overdue.
    for payment, _rule, n in PAYMENTS:
        last = patient_paid if n == 3 else third_party
        after = _ymd(_day(last) + timedelta(days=1))
        assert status.deadline_of(_row(completion, payment), last) == (last, 0)
        assert status.deadline_of(_row(completion, payment), after) == (last, -1)
        assert status.deadline_of(_row(completion, payment), completion) == (last, n)


def test_the_holidays_are_not_working_days():
    for ymd in (20260406, 20260714, 20261225, 20270101, 20260101, 20270329):
        assert not workdays.is_working_day(ymd), ymd
    for ymd in (20260407, 20260715, 20261224, 20261228):
        assert workdays.is_working_day(ymd), ymd
    assert not workdays.is_working_day(20261121)  # a Saturday


def test_every_day_of_2026_to_2030_the_terminal_the_pc_and_the_oracle_agree():
    day, end = date(2026, 1, 1), date(2030, 12, 31)
    checked = 0
    while day <= end:
        ymd = _ymd(day)
        assert workdays.is_working_day(ymd) == _working(day), ymd
        for payment, third_party, n in PAYMENTS:
            terminal = workdays.transmission_deadline(ymd, third_party)
            pc, left = status.deadline_of(_row(ymd, payment), ymd)
            assert terminal == pc == oracle_deadline(ymd, n), (ymd, payment)
            assert left == n == workdays.working_days_left(ymd, ymd, third_party)
            today = _ymd(day + timedelta(days=checked % 19))  # before, on, after the deadline
            expected = oracle_left(today, terminal)
            assert status.deadline_of(_row(ymd, payment), today)[1] == expected, (ymd, today)
            assert workdays.working_days_left(today, ymd, third_party) == expected
            checked += 1
        day += timedelta(days=1)
    assert checked == 2 * 1826


def test_the_oracle_can_disagree():
    """The comparison above can fail: a calendar without Whit Monday gives another date."""
    whit_monday = 20260525
    assert not _working(_day(whit_monday))
    assert oracle_deadline(20260522, 3) == 20260528  # Tue 26, Wed 27, Thu 28
    assert workdays.transmission_deadline(20260522, False) == 20260528
    assert workdays.add_working_days(20260522, 3) != 20260527  # Mon 25 counted would say so
