"""Transmission deadlines on the practice PC (host_agent/deadlines.py, with `holidays`):
3 working days when the patient paid, 8 with third-party payment (R161-47 I 1°), around
weekends, Easter Monday, 14 July, 25 December and 1 January; and the same answers as the
terminal's own calendar (protocol/workdays.py) over years of completion dates."""

from datetime import date, timedelta

import pytest

from host_agent import deadlines
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


@pytest.mark.parametrize("completion, patient_paid, third_party", CASES)
def test_deadlines_around_weekends_and_holidays(completion, patient_paid, third_party):
    assert deadlines.deadline(completion, False) == patient_paid  # R161-47 I 1° a
    assert deadlines.deadline(completion, True) == third_party  # R161-47 I 1° b
    # On its last day 0 days are left; from the day after, it is overdue.
    for rule, last in ((False, patient_paid), (True, third_party)):
        assert deadlines.working_days_left(last, completion, rule) == 0
        day_after = date(last // 10000, last // 100 % 100, last % 100) + timedelta(days=1)
        after = day_after.year * 10000 + day_after.month * 100 + day_after.day
        assert deadlines.working_days_left(after, completion, rule) == -1
        n = 8 if rule else 3
        assert deadlines.working_days_left(completion, completion, rule) == n


def test_the_holidays_are_not_working_days():
    for ymd in (20260406, 20260714, 20261225, 20270101, 20260101, 20270329):
        assert not deadlines.is_working_day(ymd), ymd
    for ymd in (20260407, 20260715, 20261224, 20261228):
        assert deadlines.is_working_day(ymd), ymd
    assert not deadlines.is_working_day(20261121)  # a Saturday


def test_the_pc_and_the_terminal_agree():
    start = date(2024, 1, 1)
    checked = 0
    for i in range(0, 6 * 366, 3):
        d = start + timedelta(days=i)
        ymd = d.year * 10000 + d.month * 100 + d.day
        for rule in (False, True):
            assert deadlines.deadline(ymd, rule) == workdays.transmission_deadline(ymd, rule)
            later = d + timedelta(days=i % 17)
            today = later.year * 10000 + later.month * 100 + later.day
            assert deadlines.working_days_left(today, ymd, rule) == workdays.working_days_left(
                today, ymd, rule
            )
            checked += 1
    print("%d deadlines agree between host_agent.deadlines and protocol.workdays" % checked)
