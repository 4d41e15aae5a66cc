"""The rules of the NGAP's general provisions that tie an act to the other acts of its day,
to its date or to the patient's age, written in the nomenclature as flags from version 3
(protocol/tariffs.py; docs/care-sheet.md "The nomenclature"). protocol/sheet_validation.py
runs them on every sheet, on the terminal and on the PC; a sheet of version 1 or 2 has no
such flag, so none of them applies to it.

The hours of the night surcharges (tariffs.HOURS) are not on the sheet: the terminal checks
them against its clock when the act is typed on the day of the care (`out_of_hours`).
"""

from protocol import dates, nomenclature, workdays
from protocol import tariffs as T


def hours(entry):
    """The (first hour, hour after the last) pairs `entry` applies to, or () for any hour."""
    return entry[T.HOURS] if len(entry) > T.HOURS else ()


def out_of_hours(entry, hour) -> bool:
    """True when `entry` is a surcharge of some hours and `hour` (0-23) is none of them."""
    spans = hours(entry)
    for first, after in spans:
        if first <= hour < after:
            return False
    return bool(spans)


def _age_on(birth, day):
    """Whole years from `birth` to `day` (YYYYMMDD both)."""
    years = day // 10000 - birth // 10000
    return years - 1 if day % 10000 < birth % 10000 else years


def _at_most(coef):
    return type(coef) is int and coef <= T.SINGLE_ACT_MAX_COEF


def check(add, acts, table, profession, birth):
    """Call `add(path, rule, detail)` for each act that breaks a rule of its flags.
    `acts`: the sheet's list of Acts (checked for shape elsewhere: odd ones are skipped);
    `birth`: the beneficiary's birth date (YYYYMMDD), None for the insured themselves."""
    if table is None or profession is None or type(acts) is not list:
        return
    days = {}  # date: [(act number, code, flags, coef)]
    for number, act in enumerate(acts, 1):
        code, day = getattr(act, "code", None), getattr(act, "date", None)
        if not isinstance(code, str) or not dates.is_ymd(day):
            continue
        entry = nomenclature.lookup(table, profession, code)
        if entry is None:
            continue
        days.setdefault(day, []).append((number, code, entry[T.FLAGS], act.coef))
    for day in days:
        _one_day(add, day, days[day], birth)


def _one_day(add, day, acts, birth):
    night = unique = None  # the first act of these groups that day: (number, code)
    for number, code, flags, _ in acts:
        path = "acts.%d." % number
        # NGAP art. 14: the Sunday and holiday surcharge, on a Sunday or a public holiday.
        if flags & T.SUNDAY and not (
            dates.weekday(dates.ymd_to_days(day)) == 6 or workdays.is_public_holiday(day)
        ):
            add(path + "code", "not_sunday", code)
        # NGAP art. 14: the night and Sunday surcharges do not add up.
        if flags & T.NIGHT_OR_SUNDAY:
            if night is not None:
                add(path + "code", "not_with", night[1])
            night = night or (number, code)
        # NGAP art. 23.1: the MAU and the MCI, not both the same day.
        if flags & T.UNIQUE_OR_COORDINATION:
            if unique is not None:
                add(path + "code", "not_with", unique[1])
            unique = unique or (number, code)
        # NGAP art. 23.1: the MAU goes with a single act, an AMI of 1 or 1.5.
        if flags & T.SINGLE_ACT:
            care = [a for a in acts if not a[2] & T.ADDED]
            one = care[0] if len(care) == 1 else None
            if one is None or one[1] != T.SINGLE_ACT_CODE or not _at_most(one[3]):
                add(path + "code", "single_act", code)
        # Avenant 6 art. 5.3: the MIE, for a child under 7 (a dependant: the birth date).
        if flags & T.CHILD and (birth is None or _age_on(birth, day) >= T.CHILD_YEARS):
            add(path + "code", "not_child", code)
