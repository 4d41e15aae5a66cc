"""The act menu's items (firmware/visit_items.py): each profession's usual codes first, and
from nomenclature version 3 the surcharges (night, Sunday, MAU, MCI, MIE: the entries the
NGAP's rules flag, protocol/ngap_rules.py) gathered on one item, 4 "Majorations", so that
every one of them is two keys away (4, then its digit) instead of 9 to 11 DOWN and OK.

The surcharges' own menu starts on the one the hour or the day calls for (N at 21h, NP at
2h, F on a Sunday): OK alone takes it.
"""

from protocol import dates, ngap_rules, nomenclature, workdays
from protocol import tariffs as T

SURCHARGES = "Majorations"  # the act menu's item (16 characters at most)
SURCHARGE_AT = 3  # its place: after the three usual codes, key 4
_GROUPED = T.NIGHT_OR_SUNDAY | T.UNIQUE_OR_COORDINATION | T.CHILD


def _entry(version, profession, code):
    """The table's row of a code the table listed (nomenclature.codes): never None."""
    row = nomenclature.lookup(version, profession, code)
    if row is None:
        raise ValueError("no act %s in version %d" % (code, version))
    return row


def surcharges(version, profession):
    """The codes on the surcharges' menu: the night and Sunday ones first, then the others,
    each in table order ([] before version 3)."""
    first, then = [], []
    for code in nomenclature.codes(version, profession):
        flags = _entry(version, profession, code)[T.FLAGS]
        if flags & T.NIGHT_OR_SUNDAY:
            first.append(code)
        elif flags & _GROUPED:
            then.append(code)
    return first + then


def entries(version, profession):
    """The act menu's codes, with SURCHARGES standing for the surcharges when there are."""
    grouped = surcharges(version, profession)
    codes = [c for c in nomenclature.codes(version, profession) if c not in grouped]
    if grouped:
        codes.insert(min(SURCHARGE_AT, len(codes)), SURCHARGES)
    return codes


def label(version, profession, code):
    """'N Nuit 20-23,5-8', at most 16 characters (a menu line, screens.menu)."""
    if code == SURCHARGES:
        return SURCHARGES
    return ("%s %s" % (code, _entry(version, profession, code)[T.LABEL]))[:16]


def proposed(version, profession, codes, day, hour):
    """The index in `codes` (the surcharges) of the one this day and hour call for, else 0:
    the night one whose hours hold `hour`, or the Sunday one on a Sunday or a holiday."""
    sunday = dates.weekday(dates.ymd_to_days(day)) == 6 or workdays.is_public_holiday(day)
    for i, code in enumerate(codes):
        e = _entry(version, profession, code)
        if ngap_rules.hours(e) and not ngap_rules.out_of_hours(e, hour):
            return i
    for i, code in enumerate(codes):
        if sunday and _entry(version, profession, code)[T.FLAGS] & T.SUNDAY:
            return i
    return 0
