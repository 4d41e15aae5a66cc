"""Looking up acts in the versioned nomenclature (protocol/tariffs.py) and computing fees:
tariff x rating x rank rate, rounded to the nearest cent, in integer arithmetic.

The terminal rates a visit with the version in force on the act's date (`version_at`); a
sheet names its version, and the host re-checks the fees with that same version.
"""

from protocol import tariffs as T


def versions():
    """The known version ids, oldest first."""
    return [v[0] for v in T.VERSIONS]


def _version(version):
    for v in T.VERSIONS:
        if v[0] == version:
            return v
    return None


def effective_date(version):
    """YYYYMMDD from which `version` applies, or None for an unknown version."""
    v = _version(version)
    return v[1] if v is not None else None


def version_at(day):
    """The version in force on `day` (YYYYMMDD): the latest one effective by then, or None."""
    found = None
    for v in T.VERSIONS:
        if v[1] <= day and (found is None or v[1] >= found[1]):
            found = v
    return found[0] if found is not None else None


def lookup(version, profession, code):
    """The entry (a tariffs tuple) of `code` for `profession` in `version`, or None."""
    v = _version(version)
    if v is None:
        return None
    for entry in v[2]:
        if entry[T.CODE] == code and entry[T.PROFESSION] == profession:
            return entry
    return None


def has_code(version, code) -> bool:
    """True when `code` exists in `version` for some profession."""
    v = _version(version)
    return v is not None and any(entry[T.CODE] == code for entry in v[2])


def codes(version, profession):
    """The codes `profession` may bill in `version`, in table order (for menus)."""
    v = _version(version)
    if v is None:
        return []
    return [entry[T.CODE] for entry in v[2] if entry[T.PROFESSION] == profession]


def rank_rate(rank):
    """Percentage of the tariff paid for the `rank`-th ranked act of a day, or None if none."""
    if type(rank) is not int or not 1 <= rank <= len(T.RANK_RATES):
        return None
    return T.RANK_RATES[rank - 1]


def fee(entry, coef, rank=None) -> int:
    """Fee in cents of an act of `entry` rated `coef` (hundredths): tariff x coef / 100, at
    the rank's rate for a RANKED code, rounded half up to the cent."""
    rate = rank_rate(rank) if entry[T.FLAGS] & T.RANKED else 100
    if rate is None:
        raise ValueError("no rate for rank %r" % (rank,))
    return (entry[T.TARIFF] * coef * rate + 5000) // 10000


def price(sheet):
    """Fill in each act's fee from the nomenclature and the sheet's total fees; acts whose
    code, rating or rank the table refuses keep their fee for the validator to report."""
    total = 0
    for act in sheet.acts:
        entry = lookup(sheet.nomenclature, sheet.profession, act.code)
        if (
            entry is not None
            and type(act.coef) is int
            and entry[T.MIN_COEF] <= act.coef <= entry[T.MAX_COEF]
            and (rank_rate(act.rank) is not None or not entry[T.FLAGS] & T.RANKED)
        ):
            act.fee = fee(entry, act.coef, act.rank)
        if type(act.fee) is int:
            total += act.fee
    sheet.fees = total
    return sheet
