"""What a fund's code must be (R161-45 II: the sheet names the beneficiary's fund): 9
digits, the scheme (régime, the first 2), the fund (caisse, the next 3) and the centre (the
last 4), as printed on the attestation de droits (host_agent/fund_codes.py names them). No
scheme is numbered 00 (the schemes' numbers start at 01, host_agent/fund_codes.py): such a
code is a slip, refused where it is typed. The fund and centre parts are not judged: no
public list of them was found, and refusing a real patient's code would stop the visit."""

from protocol.ascii import is_digits


def fund_ok(code) -> bool:
    """True for a fund code that can be one: 9 digits, its scheme not 00."""
    return is_digits(code, (9,)) and code[:2] != "00"
