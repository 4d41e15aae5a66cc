"""Calendar arithmetic and French legal time (both interpreters)."""

from _kit import raises

from protocol import dates


def test_day_numbers_round_trip_over_four_centuries():
    for z in range(-146097, 146097 * 2, 97):
        assert dates.days_from_civil(*dates.civil_from_days(z)) == z


def test_known_days():
    assert dates.days_from_civil(1970, 1, 1) == 0
    assert dates.civil_from_days(0) == (1970, 1, 1)
    assert dates.days_from_civil(2000, 3, 1) == 11017
    assert dates.civil_from_days(dates.days_from_civil(2024, 2, 29)) == (2024, 2, 29)
    assert dates.weekday(dates.days_from_civil(2026, 11, 23)) == 0  # a Monday


def test_paris_summer_time_switches_at_one_utc():
    # 2026: summer time from Sunday 29 March 01:00 UTC to Sunday 25 October 01:00 UTC.
    start = dates.days_from_civil(2026, 3, 29) * 86400 + 3600
    end = dates.days_from_civil(2026, 10, 25) * 86400 + 3600
    assert dates.paris_offset(start - 1) == 3600
    assert dates.paris_offset(start) == 7200
    assert dates.paris_offset(end - 1) == 7200
    assert dates.paris_offset(end) == 3600


def test_paris_date_after_midnight_is_the_french_day():
    # 2026-07-14 22:30 UTC is 00:30 on the 15th in Paris.
    t = dates.days_from_civil(2026, 7, 14) * 86400 + 22 * 3600 + 1800
    assert dates.paris_date(t) == (2026, 7, 15)
    assert dates.paris_hm(t) == (0, 30)
    assert dates.today_ymd(t) == 20260715 and dates.today_ymd(t - 1801) == 20260714
    print(dates.french(dates.paris_date(t)), dates.iso(dates.paris_date(t)))


def test_parse_iso():
    assert dates.parse_iso("2026-02-28") == (2026, 2, 28)
    for bad in ("2026-02-30", "2026-13-01", "26-01-01", "2026/01/01", "2026-1-1"):
        raises(ValueError, dates.parse_iso, bad)
