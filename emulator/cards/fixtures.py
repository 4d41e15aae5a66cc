"""The fixture cards of benches and tests: patients' Vitale cards, professionals' CPS cards
and bad cards, each rebuilt identically on every run (seeded keys, deterministic ECDSA).

`make(name)` builds a fresh card; `FIXTURES` lists them (`tla-emu cards list`). PINs here
are public test values: the fixture PIN of a CPS is how a bench uses it.
"""

from emulator.cards import fixtures_real
from emulator.cards.bad import MuteCard, UnknownCard
from emulator.cards.cps import VirtualCps
from emulator.cards.pki import TestPki
from emulator.cards.vitale import VirtualVitale
from firmware.cards import fields

ISSUER = "0100000001"
FUND_PARIS = "011750000"  # general scheme, Paris fund, centre 0000
FUND_LYON = "011690000"


def nir(body13):
    """A NIR with its key (R161-33-1: the key is checked on reading)."""
    return "%s%02d" % (body13, fields.nir_key(body13))


def rpps(body10):
    """A CPS holder id: an RPPS number, 10 digits and its Luhn check digit."""
    return body10 + fields.luhn_digit(body10)


def _beneficiary(rank, quality, usage_name, first_names, birth_date, fund, rights, **more):
    b = {
        "rank": rank,
        "quality": quality,
        "usage_name": usage_name,
        "first_names": first_names,
        "birth_date": birth_date,
        "fund": fund,
        "rights": rights,
    }
    b.update(more)
    return b


def _holder(usage_name, first_names, birth_date, nir13, fund, rights, birth_name="", **more):
    """The holder: rank 1, quality 0, with the NIR of the card."""
    return _beneficiary(
        1,
        0,
        usage_name,
        first_names,
        birth_date,
        fund,
        rights,
        nir=nir(nir13),
        birth_name=birth_name,
        **more,
    )


def _vitale(serial, holder, valid=(20220101, 20311231), dependants=(), **more):
    d = {
        "issuer": ISSUER,
        "serial": serial,
        "valid_from": valid[0],
        "valid_until": valid[1],
        "nir": holder["nir"],
        "birth_name": holder["birth_name"],
        "usage_name": holder["usage_name"],
        "first_names": holder["first_names"],
        "birth_date": holder["birth_date"],
        "beneficiaries": [holder, *dependants],
        "exemptions": [],
        "objects_to_copies": False,
        "key": True,
    }
    d.update(more)
    return d


OPEN = (20260101, 20271231)  # rights open through the tests' dates (Nov. 2026)
COVER = {"organisation": "88888888", "valid": (20260101, 20261231)}

VITALE = {
    "single": (
        "single holder, no dependant",
        _vitale(
            "1000000011",
            _holder("MARTIN", ["PAUL", "HENRI"], 19700412, "1700475112233", FUND_PARIS, OPEN),
        ),
    ),
    "family": (
        "holder, spouse and twins (same birth date, ranks 3 and 4); long-illness exemption",
        _vitale(
            "1000000022",
            _holder(
                "DUPONT", ["MARIE"], 19850516, "2850569123045", FUND_LYON, OPEN, birth_name="LEROY"
            ),
            dependants=[
                _beneficiary(2, 1, "DUPONT", ["JEAN"], 19830211, FUND_LYON, OPEN),
                _beneficiary(3, 2, "DUPONT", ["LEO"], 20180305, FUND_LYON, OPEN),
                _beneficiary(4, 2, "DUPONT", ["LEA"], 20180305, FUND_LYON, OPEN),
            ],
            exemptions=[
                {"rank": 1, "code": 1, "legal_ref": "L160-14 3", "valid": (20250101, 20291231)},
                {"rank": 3, "code": 3, "legal_ref": "L431-1", "valid": (20260901, 20261231)},
            ],
        ),
    ),
    "expired-card": (
        "card past its validity period (ended 31/12/2024)",
        _vitale(
            "1000000033",
            _holder("BLANC", ["SOPHIE"], 19601120, "2601113055021", FUND_PARIS, OPEN),
            valid=(20150101, 20241231),
        ),
    ),
    "expired-rights": (
        "valid card, basic-scheme rights closed on 30/06/2025",
        _vitale(
            "1000000044",
            _holder(
                "GARCIA", ["HUGO"], 19921003, "1921031555018", FUND_PARIS, (20240101, 20250630)
            ),
        ),
    ),
    "opposed": (
        "card on the opposition list (reported stolen)",
        _vitale(
            "1000000055", _holder("MOREAU", ["LUCIE"], 19781224, "2781259350066", FUND_PARIS, OPEN)
        ),
    ),
    "cover-consent": (
        "complementary cover, holder consents",
        _vitale(
            "1000000066",
            _holder(
                "FOURNIER",
                ["ALAIN"],
                19550707,
                "1550733063019",
                FUND_PARIS,
                OPEN,
                cover=dict(COVER, consent=True),
            ),
        ),
    ),
    "cover-no-consent": (
        "complementary cover on the card, consent withdrawn: the terminal ignores it",
        _vitale(
            "1000000077",
            _holder(
                "GIRARD",
                ["EMMA"],
                19990228,
                "2990206088017",
                FUND_PARIS,
                OPEN,
                cover=dict(COVER, consent=False),
            ),
        ),
    ),
    "no-key": (
        "no signature key nor certificate (like a Vitale 1)",
        _vitale(
            "1000000088",
            _holder("ROUSSEAU", ["LOUIS"], 19450901, "1450975102044", FUND_PARIS, OPEN),
            key=False,
        ),
    ),
    "no-copies": (
        "holder objects to copies of care sheets on the card",
        _vitale(
            "1000000099",
            _holder("LAMBERT", ["CHLOE"], 20010615, "2010606088092", FUND_PARIS, OPEN),
            objects_to_copies=True,
        ),
    ),
    "closed-dependant": (
        "holder with open rights; a child whose rights closed on 31/12/2025",
        _vitale(
            "1000000100",
            _holder("FAURE", ["JULIE"], 19880930, "2880975123123", FUND_PARIS, OPEN),
            dependants=[
                _beneficiary(2, 2, "FAURE", ["TOM"], 20150607, FUND_PARIS, (20150607, 20251231)),
            ],
        ),
    ),
    "foreign-name": (
        "holder whose certificate names her outside windows-1252 (Ł, Ś, an emoji); card fields ASCII",
        _vitale(
            "1000000111",
            _holder("LUKASIEWICZ", ["SWIETOSLAWA"], 19890614, "2890675056078", FUND_PARIS, OPEN),
            # The card's files are printable ASCII (firmware/cards/fields.py); its certificate's
            # common name is any UTF-8 text, and that is the name the PC prints.
            certificate_name="ŁUKASIEWICZ ŚWIĘTOSŁAWA \U0001f980",
        ),
    ),
}

# Serial numbers of the fixture cards on the opposition list (R161-33-7).
OPPOSED_SERIALS = ("1000000055",)

CPS = {
    "gp": (
        "general practitioner, two practice situations",
        {
            "serial": "2000000011",
            "valid_from": 20230101,
            "valid_until": 20291231,
            "holder_id": rpps("1000123456"),
            "usage_name": "BERNARD",
            "first_names": ["CLAIRE"],
            "profession": "10",
            "specialty": "01",
            "situations": [
                {"billing": "751234560", "place": "CABINET RUE DU BAC PARIS"},
                {"billing": "751234578", "place": "MAISON DE SANTE IVRY"},
            ],
            "pin": "4827",
        },
    ),
    "nurse": (
        "nurse, one practice situation",
        {
            "serial": "2000000022",
            "valid_from": 20230101,
            "valid_until": 20291231,
            "holder_id": rpps("1000654321"),
            "usage_name": "PETIT",
            "first_names": ["LUC"],
            "profession": "60",
            "specialty": "00",
            "situations": [{"billing": "691112220", "place": "CABINET INFIRMIER LYON"}],
            "pin": "1593",
        },
    ),
    "blocked": (
        "general practitioner whose PIN is blocked (3 wrong tries)",
        {
            "serial": "2000000033",
            "valid_from": 20230101,
            "valid_until": 20291231,
            "holder_id": rpps("1000111222"),
            "usage_name": "ROUX",
            "first_names": ["ANNE"],
            "profession": "10",
            "specialty": "01",
            "situations": [{"billing": "131110000", "place": "CABINET MARSEILLE"}],
            "pin": "2604",
            "tries_left": 0,
        },
    ),
}

BAD = {
    "unknown": ("a card that is neither Vitale nor CPS (a bank card, say)", UnknownCard),
    "mute": ("a card that gives its ATR and then never answers", MuteCard),
}


def names():
    """[(name, kind, description)] of every fixture card."""
    rows = [(n, "vitale", d) for n, (d, _) in VITALE.items()]
    rows += [(n, "cps", d) for n, (d, _) in CPS.items()]
    rows += [(n, "bad", d) for n, (d, _) in BAD.items()]
    return rows + fixtures_real.names()


_pki = {}


def pki(seed=None) -> TestPki:
    """The test PKI (built once per seed)."""
    key = seed or b""
    if key not in _pki:
        _pki[key] = TestPki(seed) if seed else TestPki()
    return _pki[key]


def make(name, t0=False, seed=None):
    """A fresh virtual card of the fixture `name`; `t0=True` answers T=0 style."""
    if name in VITALE:
        return VirtualVitale(VITALE[name][1], pki(seed), t0=t0, seed=hash_seed(name))
    if name in CPS:
        return VirtualCps(CPS[name][1], pki(seed), t0=t0, seed=hash_seed(name))
    if name in BAD:
        return BAD[name][1](t0=t0)
    real = fixtures_real.make(name, hash_seed(name))  # T=0 whatever `t0` says, as they are
    if real is not None:
        return real
    raise KeyError("no fixture card named %r (see `tla-emu cards list`)" % name)


def pin(name):
    """The fixture PIN of the CPS `name`."""
    return CPS[name][1]["pin"] if name in CPS else fixtures_real.pin(name)


def hash_seed(name):
    """A stable small integer per fixture name (Python's hash() of str is salted)."""
    n = 0
    for ch in name.encode():
        n = (n * 131 + ch) & 0xFFFFFFFF
    return n
