"""Calendar arithmetic without `datetime` (absent on MicroPython): civil dates as
(year, month, day), day numbers since 1970-01-01, and French legal time (Europe/Paris).

Dates on care sheets are French civil dates (R161-42 3°, 10°): a visit at 00:30 in Paris is
dated that day, not the previous UTC day. Ports differ in their `time` epoch, so nothing
here relies on `time.gmtime`.
"""

from protocol.ascii import is_digits


def days_from_civil(y, m, d) -> int:
    """Days since 1970-01-01 of the proleptic Gregorian date y-m-d (H. Hinnant's algorithm)."""
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(z):
    """(year, month, day) of the day number `z` (days since 1970-01-01)."""
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    if m <= 2:
        y += 1
    return (y, m, d)


def weekday(z) -> int:
    """Day of the week of day number `z`: 0 Monday ... 6 Sunday (1970-01-01 was a Thursday)."""
    return (z + 3) % 7


def _last_sunday(y, m) -> int:
    last = days_from_civil(y, m + 1, 1) - 1 if m < 12 else days_from_civil(y + 1, 1, 1) - 1
    return last - (weekday(last) - 6) % 7


def paris_offset(epoch) -> int:
    """UTC offset in seconds of French legal time at `epoch`: +1 h, +2 h in summer time
    (from the last Sunday of March to the last Sunday of October, at 01:00 UTC)."""
    y = civil_from_days(epoch // 86400)[0]
    start = _last_sunday(y, 3) * 86400 + 3600
    end = _last_sunday(y, 10) * 86400 + 3600
    return 7200 if start <= epoch < end else 3600


def paris_day(epoch) -> int:
    """Day number of the French civil date at `epoch`."""
    return (epoch + paris_offset(epoch)) // 86400


def today_ymd(epoch) -> int:
    """The French civil date at `epoch` as YYYYMMDD: the care date (R161-42 3°)."""
    return days_to_ymd(paris_day(epoch))


def paris_date(epoch):
    """(year, month, day) in France at `epoch`."""
    return civil_from_days(paris_day(epoch))


def paris_hm(epoch):
    """(hour, minute) in France at `epoch`."""
    s = (epoch + paris_offset(epoch)) % 86400
    return (s // 3600, (s // 60) % 60)


def iso(ymd) -> str:
    """'YYYY-MM-DD' of a (year, month, day)."""
    return "%04d-%02d-%02d" % (ymd[0], ymd[1], ymd[2])


def french(ymd) -> str:
    """'DD/MM/YYYY', as the terminal's screen shows dates."""
    return "%02d/%02d/%04d" % (ymd[2], ymd[1], ymd[0])


def parse_iso(text):
    """(year, month, day) of 'YYYY-MM-DD'; ValueError when it is not a real date."""
    parts = text.split("-")
    if len(parts) != 3 or len(parts[0]) != 4 or len(parts[1]) != 2 or len(parts[2]) != 2:
        raise ValueError("date must be written YYYY-MM-DD: %r" % text)
    if not (is_digits(parts[0]) and is_digits(parts[1]) and is_digits(parts[2])):
        # not "+1", " 1" nor the digits of another script, which CPython's int() reads
        raise ValueError("date must be written YYYY-MM-DD: %r" % text)
    y, m, d = int(parts[0]), int(parts[1]), int(parts[2])
    if not _is_real(y, m, d):
        raise ValueError("no such date: %r" % text)
    return (y, m, d)


def _is_real(y, m, d) -> bool:
    # days_from_civil accepts 31 February (as 3 March): the round trip says it is no date
    return 1 <= m <= 12 and 1 <= d <= 31 and civil_from_days(days_from_civil(y, m, d)) == (y, m, d)


def ymd_tuple(ymd):
    """(year, month, day) of a YYYYMMDD int (20261118 -> (2026, 11, 18))."""
    return (ymd // 10000, ymd // 100 % 100, ymd % 100)


def ymd_to_days(ymd) -> int:
    """Day number (days since 1970-01-01) of a YYYYMMDD int."""
    y, m, d = ymd_tuple(ymd)
    return days_from_civil(y, m, d)


def days_to_ymd(z) -> int:
    """YYYYMMDD int of the day number `z`."""
    y, m, d = civil_from_days(z)
    return y * 10000 + m * 100 + d


def is_ymd(value) -> bool:
    """True when `value` is an int YYYYMMDD naming a real date of years 1900-2199."""
    if type(value) is not int or not 19000101 <= value <= 21991231:
        return False
    y, m, d = ymd_tuple(value)
    return _is_real(y, m, d)
