"""Names, not codes, for the practice's pages (issue 20 item 3): a fund by the name the
practice gave it in its funds settings (`[funds.CODE] name`), else by what its code says
(host_agent/fund_codes.py); a professional and a card by their holder's name, read from the
card certificates the terminals sent (a CPS's subject serialNumber is the professional's
id, a CPS3's CN is "8" and the RPPS number; a Vitale's serialNumber is the card's serial);
an access-log entry's card and purpose in accented French.
"""

from cryptography import x509
from cryptography.x509.oid import NameOID

from host_agent import duplicate, fund_codes
from protocol.ascii import is_digits

CARDS = {"vitale": "Carte Vitale", "cps": "CPS"}
# The purposes the terminal logs (firmware/reading.py), word by word.
WORDS = {
    "identite": "identité",
    "beneficiaires": "bénéficiaires",
    "exonerations": "exonérations",
    "situations": "situations",
    "certificat": "certificat",
}
REASONS = {"PinWrong": "code faux", "PinBlocked": "carte bloquée"}


def fund(code, settings=None) -> str:
    """'CPAM de Nantes (011750000)' when the settings name it, else
    'Régime général, caisse 175 (011750000)'."""
    code = str(code or "")
    name = ""
    if settings is not None:
        name = str(settings.funds.get(code, {}).get("name", "") or "")
    if name:
        return "%s (%s)" % (name, code)
    said = fund_codes.describe(code)
    if not said:
        return code or "-"
    return "%s (%s)" % (said.split(", centre")[0].capitalize(), code)


def holders_of(store, numbers) -> dict:
    """holders() of the certificates that may name `numbers` (professionals, card
    serials): the few a page shows, not every patient's card the terminals sent."""
    return holders(store.certificates_naming(numbers))


def holders(certificates: dict) -> dict:
    """{professional id or card serial: holder's name} from {cert id: DER}."""
    out = {}
    for der in certificates.values():
        for number, name in _named(bytes(der)):
            out.setdefault(number, name)
    return out


_NAMED: dict = {}  # DER -> what it names: a certificate parsed once per process
_NAMED_MAX = 50000  # a year's patients many times over; then parsed again


def _named(der: bytes) -> list:
    """[(number, holder's name)] of one certificate (its serialNumbers, a CPS3's RPPS)."""
    found = _NAMED.get(der)
    if found is not None:
        return found
    found = []
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        cert = None  # a damaged certificate names nobody; check says why
    name = duplicate.holder_name(der) if cert is not None else ""
    if name:
        for a in cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER):
            found.append((str(a.value), name))
        for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
            idnat = str(a.value).split("/")[0]
            if idnat[:1] == "8" and is_digits(idnat[1:], (11,)):
                found.append((idnat[1:], name))  # a CPS3: its RPPS number
    if len(_NAMED) >= _NAMED_MAX:
        _NAMED.clear()
    _NAMED[der] = found
    return found


def professional(number, names: dict) -> str:
    """'BERNARD CLAIRE (n° 10001234565)', or 'n° 10001234565' when no certificate names it."""
    name = names.get(str(number), "")
    return "%s (n° %s)" % (name, number) if name else "n° %s" % number


def card(kind, card_id, names: dict) -> str:
    """'Carte Vitale de MARTIN PAUL (n° 2000000011)' for an access-log entry."""
    label = CARDS.get(kind, str(kind))
    name = names.get(str(card_id or ""), "")
    if name:
        return "%s de %s (n° %s)" % (label, name, card_id)
    return "%s n° %s" % (label, card_id) if card_id else label


def purpose(what) -> str:
    """'identite,beneficiaires,exonerations' -> 'identité, bénéficiaires, exonérations';
    'refus PinWrong' -> 'refusée : code faux'; 'interrompu X' -> 'lecture interrompue : X'."""
    what = str(what or "")
    for prefix, said in (("refus ", "refusée : "), ("interrompu ", "lecture interrompue : ")):
        if what.startswith(prefix):
            reason = what[len(prefix) :]
            return said + REASONS.get(reason, reason)
    return ", ".join(WORDS.get(w, w) for w in what.split(","))
