"""What a fund's 9-digit code says, for a reader who knows no fund codes: the scheme (régime,
its first 2 digits), the fund (caisse, the next 3: a département and a fund number) and the
centre (the last 4). The scheme names are the public list of the "code organisme de
rattachement" printed on the attestation de droits (ameli.fr, "code organisme").
The practice's own name for a fund, when its funds settings give one, comes first.
"""

from protocol.ascii import is_digits

REGIMES = {
    "01": "régime général",
    "02": "régime agricole (MSA)",
    "03": "indépendants (ancien RSI, rattachés au 01 depuis 2020)",
    "04": "SNCF",
    "05": "RATP",
    "08": "militaires (CNMSS)",
    "17": "Français de l'étranger (CFE)",
    "91": "MGEN",
    "95": "MNH",
    "99": "autre mutuelle",
}


def describe(code: str, name: str = "") -> str:
    """'011750000' -> 'régime général, caisse 175, centre 0000'; a code that is not 9 digits
    says nothing ("")."""
    if not is_digits(code, (9,)):
        return ""
    scheme = REGIMES.get(code[:2], "régime %s" % code[:2])
    said = "%s, caisse %s, centre %s" % (scheme, code[2:5], code[5:])
    return "%s (%s)" % (name, said) if name else said


def legend(codes, names=None) -> str:
    """One line naming every fund code of a table: 'funds: 011690000 = régime général, ...'."""
    names = names or {}
    seen = sorted({c for c in codes if c and c != "all"})
    return "funds: " + "; ".join(
        "%s = %s" % (c, describe(c, names.get(c, "")) or "not a fund code") for c in seen
    )
