"""French public holidays, working days and the transmission deadline (both interpreters):
3 working days when the patient paid, 8 with third-party payment (R161-47 I 1°)."""

from protocol import dates, workdays


def _ymd(y, m, d):
    return y * 10000 + m * 100 + d


def test_easter_sundays():
    # Known Easter Sundays, the earliest (22 March) and latest (25 April) possible included.
    for y, m, d in ((2024, 3, 31), (2025, 4, 20), (2026, 4, 5), (2038, 4, 25), (2285, 3, 22)):
        assert dates.civil_from_days(workdays.easter_sunday(y)) == (y, m, d), y
        assert dates.weekday(workdays.easter_sunday(y)) == 6


def test_holidays_of_2026():
    days = [dates.days_to_ymd(z) for z in workdays.public_holidays(2026)]
    print(days)
    assert len(days) == 11
    for ymd in (20260101, 20260406, 20260501, 20260508, 20260514, 20260525, 20260714):
        assert ymd in days and workdays.is_public_holiday(ymd)
    for ymd in (20260815, 20261101, 20261111, 20261225):
        assert workdays.is_public_holiday(ymd)
    assert not workdays.is_public_holiday(20260405)  # Easter Sunday is a Sunday anyway
    assert not workdays.is_public_holiday(20261226)  # 26 December: Alsace-Moselle only


def test_whit_monday_was_worked_from_2005_to_2007():
    assert not workdays.is_public_holiday(20060605)
    assert workdays.is_public_holiday(20080512)
    assert workdays.is_public_holiday(20040531)


def test_working_days():
    assert workdays.is_working_day(20261118)  # Wednesday
    assert not workdays.is_working_day(20261121)  # Saturday
    assert not workdays.is_working_day(20261122)  # Sunday
    assert not workdays.is_working_day(20260714)  # Tuesday, national day
    assert workdays.add_working_days(20261118, 0) == 20261118
    assert workdays.working_days_between(20261118, 20261125) == 5
    assert workdays.working_days_between(20261125, 20261118) == -5


# (completion, deadline when the patient paid, deadline with third-party payment)
DEADLINES = [
    # Wednesday: Thu, Fri, Mon / ... 8 days later the Monday after next.
    (20261118, 20261123, 20261130),
    # Friday: the weekend does not count.
    (20261120, 20261125, 20261202),
    # Saturday and Sunday: counting starts on Monday.
    (20261121, 20261125, 20261202),
    (20261122, 20261125, 20261202),
    # Thursday before Easter 2026 (Easter Monday 6 April).
    (20260402, 20260408, 20260415),
    # Friday before 14 July 2026 (a Tuesday).
    (20260710, 20260716, 20260723),
    # Wednesday before Christmas 2026 (Friday 25 December) and New Year (Friday 1 January).
    (20261223, 20261229, 20270106),
    # 31 December 2026: 1 January is off.
    (20261231, 20270106, 20270113),
    # Ascension Thursday 14 May 2026, then Whit Monday 25 May.
    (20260513, 20260519, 20260527),
]


def test_transmission_deadlines():
    for completion, paid, third_party in DEADLINES:
        got = (
            workdays.transmission_deadline(completion, False),
            workdays.transmission_deadline(completion, True),
        )
        print(completion, got)
        assert got == (paid, third_party), (completion, got)


def test_deadline_is_the_nth_working_day_after_completion():
    z0 = dates.days_from_civil(2026, 1, 1)
    for z in range(z0, z0 + 366 * 2, 3):
        completion = dates.days_to_ymd(z)
        for third_party, n in ((False, 3), (True, 8)):
            deadline = workdays.transmission_deadline(completion, third_party)
            assert workdays.is_working_day(deadline)
            assert workdays.working_days_between(completion, deadline) == n
            assert workdays.working_days_between(completion, _day_before(deadline)) == n - 1


def _day_before(ymd):
    return dates.days_to_ymd(dates.ymd_to_days(ymd) - 1)


def test_working_days_left_for_the_warning():
    # Completed Wednesday 18 November 2026, patient paid: deadline Monday 23.
    left = [
        workdays.working_days_left(day, 20261118, False)
        for day in (20261118, 20261119, 20261120, 20261121, 20261123, 20261124, 20261128)
    ]
    print(left)
    assert left == [3, 2, 1, 1, 0, -1, -4]
