"""French public holidays (national calendar), working days, and the transmission deadline of
a care sheet: 3 working days when the patient paid, 8 with third-party payment (R161-47 I 1°).

Computed, not looked up, so the terminal can warn offline. Working days ("jours ouvres") are
Monday to Friday, public holidays excepted. Dates are YYYYMMDD ints.
"""

from protocol import dates

DEADLINE_PATIENT_PAID = 3  # R161-47 I 1° a
DEADLINE_THIRD_PARTY = 8  # R161-47 I 1° b

# Fixed public holidays (Code du travail L3133-1): (month, day).
_FIXED = ((1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25))


def easter_sunday(year) -> int:
    """Day number of Easter Sunday in `year` (Gregorian computus, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dates.days_from_civil(year, month, day + 1)


def public_holidays(year):
    """Day numbers of the national public holidays of `year`, sorted."""
    easter = easter_sunday(year)
    days = [dates.days_from_civil(year, m, d) for m, d in _FIXED]
    days.append(easter + 1)  # Easter Monday
    days.append(easter + 39)  # Ascension Thursday
    # Whit Monday stayed a public holiday, but was the worked "solidarity day" by default
    # from 2005 to 2007 (law 2004-626); since 2008 it is off again unless agreed otherwise.
    if not 2005 <= year <= 2007:
        days.append(easter + 50)
    days.sort()
    return days


def _is_working(z, holidays_by_year):
    if dates.weekday(z) >= 5:
        return False
    year = dates.civil_from_days(z)[0]
    if year not in holidays_by_year:
        holidays_by_year[year] = public_holidays(year)
    return z not in holidays_by_year[year]


def is_public_holiday(ymd) -> bool:
    """True when `ymd` is a national public holiday."""
    return dates.ymd_to_days(ymd) in public_holidays(ymd // 10000)


def is_working_day(ymd) -> bool:
    """True for Monday to Friday, public holidays excepted."""
    return _is_working(dates.ymd_to_days(ymd), {})


def add_working_days(ymd, n) -> int:
    """The date `n` (>= 0) working days after `ymd`: `ymd` itself is not counted."""
    z = dates.ymd_to_days(ymd)
    cache = {}
    while n > 0:
        z += 1
        if _is_working(z, cache):
            n -= 1
    return dates.days_to_ymd(z)


def working_days_between(start, end) -> int:
    """Working days d with start < d <= end (negative, counted the same way, if end < start)."""
    a, b = dates.ymd_to_days(start), dates.ymd_to_days(end)
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    cache = {}
    count = 0
    for z in range(a + 1, b + 1):
        if _is_working(z, cache):
            count += 1
    return sign * count


def transmission_deadline(completion, third_party) -> int:
    """Last day to transmit a sheet completed on `completion` (R161-42 10°): 3 working days
    later when the patient paid, 8 with third-party payment (R161-47 I 1°)."""
    return add_working_days(
        completion, DEADLINE_THIRD_PARTY if third_party else DEADLINE_PATIENT_PAID
    )


def working_days_left(today, completion, third_party) -> int:
    """Working days left until the deadline: 0 on its last day, negative once it passed
    (-1 from the day after it, whatever that day is)."""
    deadline = transmission_deadline(completion, third_party)
    if today > deadline:
        return -max(1, working_days_between(deadline, today))
    return working_days_between(today, deadline)
