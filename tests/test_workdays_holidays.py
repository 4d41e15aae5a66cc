"""protocol/workdays.py against the `holidays` library (CPython): the same French public holidays
for 2020-2045, and the same transmission deadlines (R161-47 I 1°) counted with `datetime`."""

from datetime import date, timedelta

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import dates, workdays

YEARS = range(2020, 2046)
FRANCE = holidays.country_holidays("FR", years=YEARS)


def test_public_holidays_match_the_holidays_library():
    for year in YEARS:
        ours = sorted(date(*dates.civil_from_days(z)) for z in workdays.public_holidays(year))
        theirs = sorted(day for day in FRANCE if day.year == year)
        assert ours == theirs, (year, set(ours) ^ set(theirs))
    print("years compared:", len(YEARS), "holidays:", len(FRANCE))


def _deadline_with_datetime(completion, n):
    day = completion
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in FRANCE:
            n -= 1
    return day


@settings(max_examples=2000)
@given(st.dates(date(2020, 1, 1), date(2045, 12, 1)), st.booleans())
def test_deadlines_match_a_count_with_datetime_and_holidays(completion, third_party):
    ymd = completion.year * 10000 + completion.month * 100 + completion.day
    expected = _deadline_with_datetime(completion, 8 if third_party else 3)
    got = workdays.transmission_deadline(ymd, third_party)
    assert got == expected.year * 10000 + expected.month * 100 + expected.day
    assert workdays.is_working_day(got)
