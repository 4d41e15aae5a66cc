"""Transmission deadlines on the practice PC: 3 working days from the completion date when the
patient paid, 8 with third-party payment (R161-47 I 1°), counted with the `holidays` library.

Working days ("jours ouvrés") are Monday to Friday, French national public holidays excepted.
The terminal computes the same deadline offline (protocol/workdays.py); tests compare both.
"""

from datetime import date, timedelta

import holidays

from protocol import workdays

_FRANCE = holidays.country_holidays("FR")  # national days only, filled per year on demand


def _day(ymd: int) -> date:
    return date(ymd // 10000, ymd // 100 % 100, ymd % 100)


def _ymd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _working(d: date) -> bool:
    return d.weekday() < 5 and d not in _FRANCE


def is_working_day(ymd: int) -> bool:
    """Monday to Friday, and not a French public holiday."""
    return _working(_day(ymd))


def deadline(completion: int, third_party: bool) -> int:
    """Last day to transmit a sheet completed on `completion` (R161-42 10°): 3 working days
    later when the patient paid, 8 with third-party payment (R161-47 I 1°). The completion
    day itself does not count."""
    n = workdays.DEADLINE_THIRD_PARTY if third_party else workdays.DEADLINE_PATIENT_PAID
    d = _day(completion)
    while n:
        d += timedelta(days=1)
        n -= _working(d)
    return _ymd(d)


def working_days_left(today: int, completion: int, third_party: bool) -> int:
    """Working days left before the deadline: 0 on its last day, negative once it passed
    (-1 from the day after it, whatever that day is), as protocol.workdays counts them."""
    last = deadline(completion, third_party)
    a, b, sign = (_day(today), _day(last), 1) if today <= last else (_day(last), _day(today), -1)
    count = 0
    while a < b:
        a += timedelta(days=1)
        count += _working(a)
    if sign < 0:
        return -max(1, count)
    return count
