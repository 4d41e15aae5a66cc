"""A table with what its codes mean under it: nobody at the practice has to know that
011750000 is a fund of the régime général or that MD is the GP's travel surcharge."""

from rich.console import Group
from rich.markup import escape
from rich.text import Text

from host_agent import french, fund_codes


def with_funds(table, codes):
    """`table`, then one dim line naming each fund code it shows (none: the table alone)."""
    codes = [c for c in codes if c and c != "all"]
    if not codes:
        return table
    return Group(table, Text(fund_codes.legend(codes), style="dim"))


def acts(codes, profession) -> str:
    """'VG = Visite de médecine générale; MD = ...' for the codes given, in their order."""
    seen = []
    for code in codes:
        if code not in seen:
            seen.append(code)
    return "; ".join(
        "%s = %s" % (escape(c), french.ACT_LABELS.get((c, profession), "code inconnu"))
        for c in seen
    )
