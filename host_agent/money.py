"""Amounts as the agent writes them outside its pages: integer cents with a decimal comma,
as the terminal shows them ("44,27 EUR") and a French practice reads them. The pages group
thousands and say "€" (host_agent/french.py euros); nothing prints "210.98".
"""


def decimal(cents: int) -> str:
    """4427 -> '44,27'; -150 -> '-1,50' (divmod alone would say '-2,50')."""
    sign = "-" if cents < 0 else ""
    return "%s%d,%02d" % ((sign,) + divmod(abs(int(cents)), 100))


def eur(cents: int) -> str:
    """4427 -> '44,27 EUR': the CLI's tables and lines, the demo, the funds' mail."""
    return decimal(cents) + " EUR"
