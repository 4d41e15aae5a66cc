"""A practice's day of real signed care sheets in a tla-agent store, for the lots tests: sheets
built with protocol.sheet, signed by the fixture cards' keys (emulator/cards), filed.

Two professionals (the fixture nurse and GP), patients of the Paris and Lyon funds, both
payment modes, a dependant, and a Vitale card without a signature key.
"""

import os
import subprocess
import sys
from pathlib import Path

from emulator.cards import fixtures, pki
from emulator.simboard import SimSlot
from firmware.cards.cps import CpsApp
from host_agent import sealing
from host_agent.store import Store, location
from host_agent.store.sheets import certificate_subject
from protocol import bundle, dates, nomenclature
from protocol import sheet_fields as F
from protocol.sheet import Act, Beneficiary, Prescription, Sheet

ROOT = Path(__file__).resolve().parent.parent
DAY = 20261118  # a Wednesday
NOW = 1795024800  # 2026-11-18 19:00 in Paris: the evening sync
TERMINALS = {"nurse": "TLA-NURSE-01", "gp": "TLA-GP-01"}
PATIENTS = ("single", "family", "cover-consent", "no-key", "no-copies")


def card(name):
    """The fixture card `name` (cached: building keys and certificates takes a while)."""
    if name not in _cards:
        _cards[name] = fixtures.make(name)
    return _cards[name]


_cards: dict = {}


def professional(name) -> str:
    return card(name).data["holder_id"]


def fund_of(patient) -> str:
    return fixtures.VITALE[patient][1]["beneficiaries"][0]["fund"]


def make_sheet(pro, patient, order_no, completion=DAY, third_party=False, dependant=None):
    """A priced, valid sheet of the professional `pro` ("nurse" or "gp") for the fixture
    patient `patient`; `dependant` is a beneficiary's index on the card."""
    data = card(pro).data
    vitale = fixtures.VITALE[patient][1]
    if pro == "nurse":
        acts = [Act(code="AMI", coef=100, date=completion, rank=1)]
        acts.append(Act(code="IFD", coef=100, date=completion))
        extra = {
            "prescription": Prescription(
                date=completion - 10 if completion % 100 > 10 else completion,
                prescriber="10009876543",
                ref="ORD-%d-%d" % (completion, order_no),
            )
        }
    else:
        acts = [
            Act(code="VG", coef=100, date=completion),
            Act(code="MD", coef=100, date=completion),
        ]
        extra = {}
    who = None
    if dependant is not None:
        b = vitale["beneficiaries"][dependant]
        same_day = [x for x in vitale["beneficiaries"][1:] if x["birth_date"] == b["birth_date"]]
        who = Beneficiary(nir=b.get("nir"), birth=b["birth_date"], birth_rank=same_day.index(b) + 1)
    sheet = Sheet(
        nomenclature=1,
        terminal=TERMINALS[pro],
        order_no=order_no,
        completion=completion,
        insured=vitale["nir"],
        beneficiary=who,
        fund=vitale["beneficiaries"][dependant or 0]["fund"],
        professional=data["holder_id"],
        situation=data["situations"][0]["billing"],
        profession=int(data["profession"]),
        acts=acts,
        third_party=0,
        payment=F.THIRD_PARTY if third_party else F.PATIENT_PAID,
        unsigned_reason=None if vitale.get("key", True) else F.NO_SIGNATURE_KEY,
        **extra,
    )
    nomenclature.price(sheet)
    if third_party:
        sheet.third_party = sheet.fees
    return sheet


def sign(sheet, pro, patient) -> bytes:
    """The signed bundle, as the terminal stores it (R161-43: CPS and, if it can, Vitale)."""
    data = sheet.encode()
    digest = bundle.digest(data)
    cps = card(pro)
    args = [data, pki.sign_digest(cps.key, digest), bundle.cert_id(cps.cert)]
    vitale = card(patient)
    if vitale.key is not None:
        args += [pki.sign_digest(vitale.key, digest), bundle.cert_id(vitale.cert)]
    return bundle.encode(*args)


def file_sheet(store: Store, sheet, signed: bytes, received=NOW) -> int:
    """File a signed sheet in the store as the sync does; returns its id."""
    terminal_id = store.terminal(sheet.terminal)
    with store.transaction() as db:
        db.execute("UPDATE terminals SET last_sync = ? WHERE id = ?", (received, terminal_id))
        record_no = db.execute(
            "SELECT COALESCE(MAX(record_no), 0) + 1 FROM sheets WHERE terminal_id = ?",
            (terminal_id,),
        ).fetchone()[0]
        for name in {_pro_of(sheet), *_patients_signing(signed)}:
            der = card(name).cert
            db.execute(
                "INSERT INTO certificates (cert_id, der, subject, received) "
                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (bundle.cert_id(der), der, certificate_subject(der), received),
            )
        # Filed by the store as the sync files it (its patient's name from the certificate).
        (sheet_id,) = store.file_signed(
            terminal_id, [(record_no, signed, bundle.decode(signed), sheet)], received
        )
        return sheet_id


def _pro_of(sheet):
    return "nurse" if sheet.profession == F.NURSE else "gp"


def _patients_signing(signed):
    vitale_cert = bundle.decode(signed).vitale_cert
    return [
        p
        for p in PATIENTS
        if card(p).key is not None and bundle.cert_id(card(p).cert) == vitale_cert
    ]


def day_sheets(day=DAY):
    """(pro, patient, Sheet) of a day's visits: 14 sheets, two professionals, two funds."""
    out = []
    order = {"nurse": 100, "gp": 500}
    plan = [
        ("nurse", "single", False, None),
        ("nurse", "family", True, None),
        ("nurse", "family", True, 2),
        ("nurse", "cover-consent", False, None),
        ("nurse", "no-key", True, None),
        ("nurse", "no-copies", False, None),
        ("nurse", "single", True, None),
        ("nurse", "family", False, 1),
        ("gp", "single", False, None),
        ("gp", "family", True, 3),
        ("gp", "cover-consent", True, None),
        ("gp", "family", False, None),
        ("gp", "no-copies", True, None),
        ("gp", "no-key", False, None),
    ]
    for pro, patient, third_party, dependant in plan:
        order[pro] += 1
        sheet = make_sheet(pro, patient, order[pro], day, third_party, dependant)
        out.append((pro, patient, sheet))
    return out


def store_with_day(path, day=DAY) -> tuple:
    """A store holding a day's sheets: (store, {sheet id: (pro, patient, Sheet)})."""
    store = Store(path)
    # The trusted root where tla-agent looks for it by default (beside the database), as
    # on a practice PC: lots seal, show and send check the seal's chain to it.
    (location.parse(path).parent / "root.pem").write_bytes(root_der())
    filed = {}
    for pro, patient, sheet in day_sheets(day):
        filed[file_sheet(store, sheet, sign(sheet, pro, patient))] = (pro, patient, sheet)
    return store, filed


def root_der() -> bytes:
    return fixtures.pki().root_der


def epoch_of(ymd, hour=12) -> int:
    """An instant on the French civil date `ymd` (about `hour` o'clock in Paris)."""
    return dates.ymd_to_days(ymd) * 86400 + (hour - 1) * 3600


def cps_app(name):
    """The CPS application on a fresh fixture card `name` in a simulated reader, read."""
    slot = SimSlot("cps")
    slot.insert(fixtures.make(name))
    app = CpsApp(slot)
    app.open()
    app.read()
    return app


def seal_all(store, name, now=NOW + 60):
    """Seal every open lot of the professional `name` with their fixture CPS; the files."""
    app = cps_app(name)
    chosen, _ = sealing.lots_to_seal(store, app, [])
    sealing.unlock(app, bytearray(fixtures.pin(name).encode()))
    files = [sealing.seal(store, app, lot, now, root_der()) for lot in chosen]
    app.forget()
    return files


def db_setting(db) -> str:
    """`db` (a Path, or a PostgreSQL Server of tests/postgres_fixtures.py) as --db takes it."""
    return getattr(db, "url", None) or str(db)


def agent(db, *args, stdin="", new_session=False):
    """Run `tla-agent ARGS` on the database `db`, as a user would; the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "host_agent.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, TLA_AGENT_DB=db_setting(db)),
        timeout=60,
        start_new_session=new_session,  # no terminal: a hidden prompt reads stdin
    )
