"""A practice's year of care sheets, seeded into a tla-agent database for the sheets page's
tests and bench (issue 20 item 1; docs/web.md "Feuilles de soins"): `professionals`
professionals (nurses and doctors, each with a terminal and a CPS certificate), patients of
`funds` funds with accented names on their Vitale certificates, `sheets` signed sheets over
the 365 days up to `last_day`, in every state: à mettre en lot (the last two days), in an
open or a sealed lot, transmise, accusée, rejetée, payée (or short paid), impayée, with a
paper duplicate, a lot rejected whole and its sheets sent again, a few purged.

The sheets are real: built with protocol.sheet, priced, signed by their CPS and Vitale test
keys (emulator/cards/pki.py, deterministic), and filed through the store as a sync files
them (Store.file_signed: their patient's name read from the certificate), in one
transaction; lots through Store.new_lot. The lots' sealed files are placeholders (no CPS
seals them): `tla-agent check` reports them, the pages do not read them.

    python -m bench.seed_sheets agent.db --sheets 100000
"""

import argparse
import hashlib
import random
import sys
import time

from emulator.cards import fixtures, pki
from host_agent.store import Store
from host_agent.store.sheets import certificate_subject as subject
from protocol import bundle, dates, nomenclature
from protocol import sheet_fields as F
from protocol.sheet import Act, Prescription, Sheet

DAY = 20261118  # tests/lots_kit.py's day: the web tests' today
SURNAMES = (
    "MARTIN BERNARD DUBOIS THOMAS ROBERT RICHARD PETIT DURAND LEROY MOREAU SIMON LAURENT "
    "LEFÈVRE MICHEL GARCIA DAVID BERTRAND ROUX VINCENT FOURNIER MOREL GIRARD ANDRÉ MERCIER "
    "DUPONT LAMBERT BONNET FRANÇOIS MARTINEZ LEGRAND GARNIER FAURE ROUSSEAU BLANC GUÉRIN "
    "MULLER HENRY ROUSSEL NICOLAS PERRIN MORIN MATHIEU CLÉMENT GAUTHIER DUMONT LOPEZ "
    "FONTAINE CHEVALIER ROBIN D'ALEMBERT N'DIAYE CŒUR JOLY BARBIER BRUNET"
).split()
FIRST_NAMES = (
    "Élodie Hélène Zoé Chloé Léa Noël Gaëlle Jérôme François Loïc Cédric Agnès Bénédicte "
    "Anaïs Joël Mélanie Raphaël Inès Thérèse Maël Paul Marie Jean Luc Anne Claire Hugo Emma"
).split()
REJECTION = "Droits non ouverts à la date des soins"


class Seeded:
    """What was seeded: the professionals' ids, the fund codes, the patients (name, NIR,
    fund), and {sheet id: the state it was given} (overview.py's keys)."""

    def __init__(self):
        self.professionals, self.funds, self.patients, self.states = [], [], [], {}


class _Patient:
    def __init__(self, test_pki, i, rng, funds):
        self.name = "%s %s" % (rng.choice(SURNAMES), rng.choice(FIRST_NAMES))
        body = "%d%02d%02d%02d%03d%03d" % (
            rng.choice((1, 2)), rng.randrange(30, 99), rng.randrange(1, 13),
            rng.randrange(1, 96), rng.randrange(1, 999), i % 1000,
        )  # fmt: skip
        self.nir = fixtures.nir(body)
        self.fund = funds[i % len(funds)]
        self.key, self.cert = test_pki.issue(
            "seed-vitale-%d" % i, "Vitale", self.name, "3%09d" % i,
            pki.date_utc(20220101), pki.date_utc(20311231), holder_nir=self.nir,
        )  # fmt: skip
        self.cert_id = bundle.cert_id(self.cert)


class _Professional:
    def __init__(self, test_pki, i, rng):
        self.nurse = i % 2 == 0
        self.id = fixtures.rpps("10%08d" % (7000 + i))
        self.name = "%s %s" % (SURNAMES[(i * 7) % len(SURNAMES)], FIRST_NAMES[i % 20])
        self.situation = "%09d" % (691000000 + i)
        self.terminal = "TLA-SEED-%02d" % i
        self.key, self.cert = test_pki.issue(
            "seed-cps-%d" % i, "CPS", self.name, self.id,
            pki.date_utc(20230101), pki.date_utc(20301231),
        )  # fmt: skip
        self.cert_id = bundle.cert_id(self.cert)
        self.order_no = 0


def _sheet(pro, patient, day, third_party):
    pro.order_no += 1
    if pro.nurse:
        acts = [Act(code="AMI", coef=100, date=day, rank=1), Act(code="IFD", coef=100, date=day)]
        extra = {"prescription": Prescription(date=day, prescriber="10009876543", ref="ORD")}
    else:
        acts = [Act(code="VG", coef=100, date=day), Act(code="MD", coef=100, date=day)]
        extra = {}
    sheet = Sheet(
        nomenclature=1, terminal=pro.terminal, order_no=pro.order_no, completion=day,
        insured=patient.nir, beneficiary=None, fund=patient.fund, professional=pro.id,
        situation=pro.situation, profession=F.NURSE if pro.nurse else F.DOCTOR, acts=acts,
        third_party=0, payment=F.THIRD_PARTY if third_party else F.PATIENT_PAID,
        unsigned_reason=None, **extra,
    )  # fmt: skip
    nomenclature.price(sheet)
    if third_party:
        sheet.third_party = sheet.fees
    data = sheet.encode()
    digest = bundle.digest(data)
    signed = bundle.encode(
        data, pki.sign_digest(pro.key, digest), pro.cert_id,
        pki.sign_digest(patient.key, digest), patient.cert_id,
    )  # fmt: skip
    return sheet, signed


def _epoch(day: int, hour: int = 19) -> int:
    return dates.ymd_to_days(day) * 86400 + (hour - 1) * 3600  # Paris, winter time


def seed(where, sheets=2000, last_day=DAY, professionals=10, funds=40, seed=1) -> Seeded:
    """Seed the empty database at `where` (a path or a Server); what it holds."""
    rng = random.Random(seed)
    test_pki = pki.TestPki(b"tla seeded practice")
    out = Seeded()
    out.funds = ["01%03d0000" % (100 + 7 * i) for i in range(funds)]
    pros = [_Professional(test_pki, i, rng) for i in range(professionals)]
    patients = [_Patient(test_pki, i, rng, out.funds) for i in range(max(50, sheets // 40))]
    out.professionals = [p.id for p in pros]
    out.patients = [(p.name, p.nir, p.fund) for p in patients]
    first = dates.ymd_to_days(last_day) - 364
    per_day = [sheets // 365 + (1 if d < sheets % 365 else 0) for d in range(365)]
    store = Store(where)
    try:
        with store.transaction() as t:
            t.executemany(
                "INSERT INTO certificates (cert_id, der, subject, received) VALUES (?, ?, ?, ?)",
                [(c.cert_id, c.cert, subject(c.cert), 0) for c in (*pros, *patients)],
            )
            terminals = {p.id: store.terminal(p.terminal, "seed", "1") for p in pros}
            filed = []  # (sheet id, Sheet, age in days)
            for d, count in enumerate(per_day):
                day = dates.days_to_ymd(first + d)
                todo: dict = {}
                for _ in range(count):
                    pro = rng.choice(pros)
                    sheet, signed = _sheet(pro, rng.choice(patients), day, rng.random() < 0.6)
                    todo.setdefault(pro.id, []).append((sheet, signed))
                for pro_id, items in todo.items():
                    tid = terminals[pro_id]
                    start = t.execute(
                        "SELECT COALESCE(MAX(record_no), 0) FROM sheets WHERE terminal_id = ?",
                        (tid,),
                    ).scalar()
                    batch = [
                        (start + i + 1, signed, bundle.decode(signed), sheet)
                        for i, (sheet, signed) in enumerate(items)
                    ]
                    ids = store.file_signed(tid, batch, _epoch(day))
                    filed += [(i, s, 364 - d) for i, (s, _) in zip(ids, items, strict=True)]
            _states(store, t, filed, last_day, rng, out)
        if store.server:  # the planner's statistics, as autovacuum gathers them on a server
            store.db.driver("ANALYZE")
    finally:
        store.close()
    return out


def _states(store, t, filed, last_day, rng, out):
    """Lots per professional, fund and week, each as far as its age takes it; the funds'
    answers on the older ones; paper duplicates, a rejected lot, purged sheets."""
    groups: dict = {}
    for sheet_id, sheet, age in filed:
        if age <= 2:
            out.states[sheet_id] = "filed"
        elif age <= 40 and rng.random() < 0.01:
            store.add_duplicate(sheet_id, _epoch(last_day) - age * 86400, "perte")
            out.states[sheet_id] = "duplicate"
        else:
            # A lot every two days for the last fortnight (each as far as its age took it),
            # one a fortnight before.
            bucket = (age - 3) // 2 if age < 17 else 7 + (age - 17) // 14
            key = (sheet.professional, sheet.fund, bucket)
            groups.setdefault(key, []).append((sheet_id, sheet, age))
    returns: dict = {}  # (fund, week): its fund_returns id
    answers, updates = [], []
    for n, ((_pro, fund, week), members) in enumerate(sorted(groups.items())):
        age = min(a for _, _, a in members)
        lot = _lot(store, members, _epoch(last_day) - (age - 1) * 86400)
        rejected_whole = age > 30 and n % 97 == 0
        status, at = _lot_status(age, rejected_whole, last_day)
        updates.append(_lot_update(status, at, lot["id"]))
        for sheet_id, _, _ in members:
            out.states[sheet_id] = {"sealed": "sealed", "open": "open"}.get(status, "sent")
        if rejected_whole:  # the fund refused the lot: its sheets go again, in a new lot
            t.execute("UPDATE lot_sheets SET released = ? WHERE lot_id = ?", (at, lot["id"]))
            lot = _lot(store, members, at + 86400)
            updates.append(_lot_update("acknowledged", at, lot["id"]))
            status = "acknowledged"
        if status == "acknowledged":
            for sheet_id, sheet, _ in members:
                out.states[sheet_id] = "acknowledged"
                if age > 20:
                    rid = returns.get((fund, week))  # one return per fund and fortnight
                    if rid is None:
                        rid = returns[fund, week] = store.add_return(
                            fund, "R%s-%d" % (fund, week), dates.days_to_ymd(
                                dates.paris_day(at) + 10), at + 10 * 86400,
                            hashlib.sha256(b"%d" % len(returns)).digest(), "seed.json",
                        )  # fmt: skip
                    answer = _answer(sheet, rng)
                    if answer is not None:
                        day = dates.days_to_ymd(dates.paris_day(at) + 10)
                        answers.append((rid, sheet_id, lot["id"], answer[0], day, *answer[1:]))
                        out.states[sheet_id] = {"accepted": "acknowledged"}.get(
                            answer[0], answer[0]
                        )
    t.executemany(
        "UPDATE lots SET status = ?, sealed = ?, sent = ?, acked = ?, file = ?, "
        "sent_via = 'outbox' WHERE id = ?",
        [(*u[:4], b"\0", u[4]) for u in updates if u[0] != "open"],  # a placeholder file
    )
    t.executemany(
        "INSERT INTO sheet_returns (return_id, sheet_id, lot_id, result, day, code, label, "
        "amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        answers,
    )
    store.restate_sheets()  # the lots' states and the answers written here, not by the store
    now = _epoch(last_day)
    for sheet_id, _, age in filed:
        if age > 300 and out.states.get(sheet_id) == "paid" and rng.random() < 0.05:
            store.purge_sheet(sheet_id, now)
            out.states[sheet_id] = "purged"


def _lot(store, members, built):
    ids = [m[0] for m in members]
    fees = sum(m[1].fees for m in members)
    third = sum(m[1].third_party for m in members if m[1].payment == F.THIRD_PARTY)
    return store.new_lot(members[0][1].professional, members[0][1].fund, ids, fees, third,
                         built, {})  # fmt: skip


def _lot_update(status, at, lot_id):
    """(status, sealed, sent, acked, id): the lot's dates as far as its status went."""
    went = ("sealed", "sent", "acknowledged" if status != "rejected" else "rejected")
    depth = went.index(status) + 1 if status in went else 0
    return (status, *(at if i < depth else None for i in range(3)), lot_id)


def _lot_status(age, rejected_whole, last_day):
    at = _epoch(last_day) - (age - 1) * 86400
    if age <= 4:
        return "open", None
    if age <= 6:
        return "sealed", at
    if age <= 13 and not rejected_whole:
        return "sent", at
    return ("rejected" if rejected_whole else "acknowledged"), at


def _answer(sheet, rng):
    """(result, code, label, amount) of the fund's answer on a sheet, or None (none yet:
    a third-party sheet unpaid)."""
    x = rng.random()
    if x < 0.03:
        return "rejected", "DNO", REJECTION, None
    if sheet.payment != F.THIRD_PARTY:
        return "accepted", None, None, None
    if x < 0.13:
        return None
    if x < 0.15:
        return "paid", None, None, sheet.third_party - 100  # paid short
    return "paid", None, None, sheet.third_party


def describe(where, sheets) -> Seeded:
    """What a seeded database holds, read back from it (the bench's kept file)."""
    from host_agent.store.sheet_search import Filters

    out = Seeded()
    store = Store(where)
    try:
        out.funds, out.professionals = (list(c) for c in store.sheet_choices())
        patients = {}
        for row in store.search_sheets(Filters(size=sheets, sort="numero", descending=False)):
            out.states[row["id"]] = row["state"]
            if row["patient"]:
                patients.setdefault(row["insured"], (row["patient"], row["insured"], row["fund"]))
        out.patients = list(patients.values())
    finally:
        store.close()
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.seed_sheets", description=__doc__)
    parser.add_argument("db", help="the database to create (a new file, or postgresql://...)")
    parser.add_argument("--sheets", type=int, default=100000)
    parser.add_argument("--last-day", type=int, default=DAY, help="YYYYMMDD (default %(default)s)")
    args = parser.parse_args(argv)
    began = time.monotonic()
    seeded = seed(args.db, args.sheets, args.last_day)
    print("%d sheets seeded in %.1f s" % (len(seeded.states), time.monotonic() - began))
    return 0


if __name__ == "__main__":
    sys.exit(main())
