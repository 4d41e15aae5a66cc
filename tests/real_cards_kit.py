"""Sheets signed as a terminal signs them with the real cards' virtual twins (docs/cards.md
"Real cards"): the CPS3 fixture "cps3-gp" signs RSA PKCS#1 v1.5 (RS256), the Carte Vitale 2
"vitale2-family" signs by being read (its serial and certificate named by the bundle); and
the practice's trust with the look-alike IGC-Santé installed."""

from cryptography.hazmat.primitives import serialization

from emulator.cards import fixtures, fixtures_real, igc
from emulator.simboard import SimSlot
from firmware.cards import choose
from host_agent import trust
from protocol import bundle, nomenclature
from protocol import sheet_fields as F
from protocol.sheet import Act, Sheet
from tests.lots_kit import DAY

CPS3 = "cps3-gp"
VITALE2 = "vitale2-family"
FUND = "011690000"  # typed at the visit: a Vitale 2's fund is not on its public part
_cards: dict = {}


def card(name):
    if name not in _cards:
        _cards[name] = fixtures.make(name)
    return _cards[name]


def professional() -> str:
    return fixtures_real.CPS3[CPS3][1]["holder_id"]


def make_sheet(order_no, completion=DAY, professional_id=None):
    data = fixtures_real.CPS3[CPS3][1]
    sheet = Sheet(
        nomenclature=1,
        terminal="TLA-CPS3-01",
        order_no=order_no,
        completion=completion,
        insured=card(VITALE2).holder_nir(),
        fund=FUND,
        professional=professional_id or data["holder_id"],
        situation=data["situations"][0]["billing"],
        profession=int(data["profession"]),
        acts=[Act(code="VG", coef=100, date=completion), Act(code="MD", coef=100, date=completion)],
        third_party=0,
        payment=F.PATIENT_PAID,
        unsigned_reason=F.SIGNED_BY_READING,
    )
    nomenclature.price(sheet)
    return sheet


def vitale2_cert() -> bytes:
    return card(VITALE2).apps[card(VITALE2).aid][0x2008].rstrip(b"\x00")


def sign(sheet, key=None, cert=None, vitale_read=None) -> bytes:
    """The bundle of `sheet` signed by the CPS3 (or `key` / `cert`), read from the Vitale 2."""
    data = sheet.encode()
    cps3 = card(CPS3)
    signature = igc.sign_digest(key or cps3.key, bundle.digest(data))
    return bundle.encode(
        data,
        signature,
        bundle.cert_id(cert or cps3.cert),
        None,
        bundle.cert_id(vitale2_cert()),
        bundle.RS256,
        vitale_read=vitale_read or card(VITALE2).serial,
    )


def certificates() -> list:
    """What the PC holds after the sync: the CPS3's certificate and the Vitale 2's."""
    return [card(CPS3).cert, vitale2_cert()]


def igc_trust(root=None) -> trust.Trust:
    """tla's `root` and the look-alike IGC-Santé, as a practice installs the real one."""
    lookalike = igc.lookalike()
    return trust.Trust(root, [lookalike.root_cert], [lookalike.ca_cert])


def igc_pem() -> bytes:
    lookalike = igc.lookalike()
    return b"".join(
        c.public_bytes(serialization.Encoding.PEM) for c in (lookalike.root_cert, lookalike.ca_cert)
    )


def cps3_app(name=CPS3):
    """The CPS3 application on a fresh fixture card in a simulated reader, read."""
    slot = SimSlot("cps")
    slot.insert(fixtures.make(name))
    app = choose.cps_app(slot, None)
    app.read()
    return app


def file_sheet(store, sheet, received=None) -> int:
    """File a CPS3-signed sheet as the sync does, with the certificates the PC holds."""
    from tests.lots_kit import NOW
    from tests.lots_kit import file_sheet as file_one

    sheet_id = file_one(store, sheet, sign(sheet), received or NOW)
    with store.transaction() as db:
        for der in certificates():
            db.execute(
                "INSERT INTO certificates (cert_id, der, subject, received) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (bundle.cert_id(der), der, "real card", received or NOW),
            )
    return sheet_id
