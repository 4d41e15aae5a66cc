"""Checking a stored sheet bundle against the fixture cards, with `cryptography`: both
signatures verify over SHA-256 of the exact sheet bytes, under certificates that the test
root issued to those cards. The power-cut bench and the tests use it on what the terminal
saved (the practice PC's own, fuller check is host_agent/verify.py)."""

from emulator.cards import fixtures, pki
from protocol import bundle, sheet

_KEYS: dict = {}  # certificate id -> (unit, DER, public key) of the fixture cards seen
_SEEN: set = set()  # fixture names already in _KEYS


def _certificates(names):
    for name in names:
        if name in _SEEN:
            continue
        card = fixtures.make(name)
        key = getattr(card, "key", None)
        if key is not None:
            unit = "CPS" if card.kind == "cps" else "Vitale"
            _KEYS[bytes(pki.cert_id(card.cert))] = (unit, card.cert, key.public_key())
        _SEEN.add(name)
    return _KEYS


def bundle_problems(payload, names) -> list:
    """What is wrong with the bundle `payload` (bytes as stored), in English; [] when its
    signatures are those of the fixture cards `names` and verify."""
    try:
        b = bundle.decode(payload)
        s = sheet.decode(b.sheet)
    except ValueError as e:
        return ["not a signed sheet: %s" % e]
    known = _certificates(names)
    digest = bundle.digest(b.sheet)
    wrong = []
    for who, signature, cid in (
        ("CPS", b.cps_signature, b.cps_cert),
        ("Vitale", b.vitale_signature, b.vitale_cert),
    ):
        if signature is None or cid is None:
            if who == "CPS":
                wrong.append("no CPS signature (R161-43)")
            elif s.unsigned_reason is None and not s.degraded:
                wrong.append("no Vitale signature and no reason recorded (R161-43)")
            continue
        found = known.get(bytes(cid))
        if found is None:
            wrong.append("the %s certificate %s is no fixture card's" % (who, bytes(cid).hex()))
            continue
        unit, der, key = found
        if unit != who or fixtures.pki().verify_issued(der, unit) is None:
            wrong.append("the %s certificate was not issued by the test root" % who)
        if not pki.verify_digest(key, digest, signature):
            wrong.append("the %s signature does not verify over the sheet bytes" % who)
    return wrong
