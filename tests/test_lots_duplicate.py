"""The paper duplicate (`tla-agent duplicate`, host_agent/duplicate.py) and the patient's copy
(`tla-agent sheets export`): the PDF, turned into text by pypdf, carries every R161-42
item in plain French, the identities, amounts, dates and the order number; a PNG of its
first page is written to out/lots/ for people to look at."""

import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from host_agent import duplicate, lotfile
from host_agent.store import Store
from protocol import bundle, nomenclature, sheet_validation
from protocol import sheet_fields as F
from protocol.sheet import Accident, Act
from tests import lots_kit as kit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out" / "lots"


def busy_sheet():
    """A nurse's sheet for a dependant with every optional item: a work accident, an
    exemption, a prior agreement, a prescription, ranked acts, part third-party payment."""
    s = kit.make_sheet("nurse", "family", 4242, third_party=True, dependant=2)
    s.acts.insert(1, Act(code="AIS", coef=300, date=kit.DAY, rank=2))
    s.accident = Accident(kind=F.WORK_ACCIDENT, date=20261010, ref="AT-69-2026-00042")
    s.exemption = F.WORK_RELATED
    s.agreement = "AP-2026-5567"
    nomenclature.price(s)
    s.third_party = s.fees - 250
    assert sheet_validation.problems(s, kit.DAY) == []
    return s


def text_of(pdf_path):
    """The PDF's text in reading order (pypdf: pdftotext -layout interleaves the letters of
    the mark across the page with the lines they cross)."""
    return "\n".join(p.extract_text() for p in PdfReader(pdf_path).pages)


def test_the_duplicate_carries_every_item_in_french(tmp_path, db_where):
    store, _ = kit.store_with_day(db_where)
    s = busy_sheet()
    signed = kit.sign(s, "nurse", "family")
    sid = kit.file_sheet(store, s, signed)
    store.close()
    OUT.mkdir(parents=True, exist_ok=True)
    pdf = OUT / ("duplicata-%d.pdf" % sid)
    proc = kit.agent(db_where, "duplicate", str(sid), "-o", str(pdf))
    assert proc.returncode == 0, proc.stderr
    assert len(PdfReader(pdf).pages) == 1
    text = " ".join(text_of(pdf).split())
    b = s.beneficiary
    expected = {
        "the mark": "DUPLICATA",
        "order number (R161-44 1°)": "N° d'ordre de la feuille 4242",
        "insured's name (from the Vitale certificate)": "DUPONT MARIE",
        "insured's NIR (R161-42 1°)": duplicate.nir_text(s.insured),
        "dependant's birth date and rank (R161-42 1° b)": "Date de naissance %s"
        % duplicate.french_date(b.birth),
        "dependant's rank": "Rang de naissance %d" % b.birth_rank,
        "professional's name (from the CPS certificate)": "PETIT LUC",
        "professional's identifier (R161-42 2°)": "Identifiant %s" % s.professional,
        "practice situation (R161-42 2°)": s.situation,
        "profession": "Infirmier",
        "accident (R161-42 4°)": "Accident du travail ou maladie professionnelle, le 10/10/2026, référence AT-69-2026-00042",
        "prior agreement (R161-42 6°)": "AP-2026-5567",
        "exemption (R161-42 9°)": "art. L431-1 du CSS",
        "prescription (R161-44 2°)": "Prescrits le %s par %s, référence %s"
        % (
            duplicate.french_date(s.prescription.date),
            s.prescription.prescriber,
            s.prescription.ref,
        ),
        "completion date (R161-42 10°)": "Date de rédaction %s"
        % duplicate.french_date(s.completion),
        "fees (R161-42 8°)": "Total des honoraires %s" % duplicate.euros(s.fees),
        "third-party amount (R161-42 8°)": "Dispense d'avance de frais %s"
        % duplicate.euros(s.third_party),
        "paid by the patient": "Payé par l'assuré %s" % duplicate.euros(s.fees - s.third_party),
        "fund": s.fund,
        "deadline (R161-47 I 1°)": "30/11/2026",
        "signatures (R161-43)": "Signature de l'assuré",
        "digest of the signed sheet": bundle.digest(s.encode()).hex()[:40],
    }
    for act in s.acts:  # R161-42 3°, 5°, 7°, 8°: date, code, rating, rank, fee
        expected["act %s" % act.code] = "%s %s" % (duplicate.french_date(act.date), act.code)
        expected["rating of %s" % act.code] = duplicate.rating(act, s.profession)
        expected["fee of %s" % act.code] = duplicate.euros(act.fee)
    # Amounts are the pages' (host_agent/french.py): a no-break space before the euro sign.
    missing = {k: v for k, v in expected.items() if " ".join(v.split()) not in text}
    assert missing == {}, text
    assert "AIS 3" in text and "AMI 1" in text  # ratings as written on paper
    png = _png(pdf)
    print("duplicate of sheet %d: %s, first page %s" % (sid, pdf, png))


def _png(pdf):
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "90",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(pdf.with_suffix("")),
        ],
        check=True,
    )
    png = pdf.with_suffix(".png")
    assert png.stat().st_size > 10000
    return png


def test_the_patients_copy_and_the_signed_export(tmp_path, db_where):
    store, filed = kit.store_with_day(db_where)
    sid, (pro, patient, s) = next(iter(filed.items()))
    stored = bytes(store.db.execute("SELECT bundle FROM sheets WHERE id = ?", (sid,)).fetchone()[0])
    store.close()
    OUT.mkdir(parents=True, exist_ok=True)
    copy = OUT / ("copie-%d.pdf" % sid)
    proc = kit.agent(db_where, "sheets", "export", str(sid), "-o", str(copy))
    assert proc.returncode == 0, proc.stderr
    text = " ".join(text_of(copy).split())
    assert "COPIE" in text and "DUPLICATA" not in text
    assert "N° d'ordre de la feuille %d" % s.order_no in text
    signed = tmp_path / "sheet.tla"
    proc = kit.agent(db_where, "sheets", "export", str(sid), "--signed", "-o", str(signed))
    assert proc.returncode == 0 and signed.read_bytes() == stored
    print("patient's copy: %s, first page %s" % (copy, _png(copy)))


def test_no_such_sheet_is_one_line(tmp_path, db_where):
    kit.store_with_day(db_where)[0].close()
    proc = kit.agent(db_where, "duplicate", "999", "-o", str(tmp_path / "x.pdf"))
    assert (
        proc.returncode == 1
        and proc.stderr.strip() == "error: there is no sheet 999 (see tla-agent status)"
    )
    assert not (tmp_path / "x.pdf").exists()


def test_a_sheet_with_a_paper_duplicate_stays_out_of_lots(tmp_path, db_where):
    """R161-47 I: a sheet sent on paper is not sent electronically too (double billing),
    unless the user says so for that sheet, which its lot records."""
    db = db_where
    store, filed = kit.store_with_day(db)
    store.close()
    proc = kit.agent(db, "duplicate", "1", "-o", str(tmp_path / "d.pdf"), "--reason", "panne")
    assert proc.returncode == 0, proc.stderr
    proc = kit.agent(db, "lots", "build")
    assert proc.returncode == 0, proc.stderr
    store = Store(db)
    in_lots = {r[0] for r in store.db.execute("SELECT sheet_id FROM lot_sheets")}
    assert 1 not in in_lots and in_lots == set(filed) - {1}
    # Explicitly, sheet 1 too: its lot records that it went despite its duplicate.
    proc = kit.agent(db, "lots", "build", "--despite-duplicate", "1")
    assert proc.returncode == 0, proc.stderr
    mark = store.db.execute("SELECT despite_duplicate FROM lot_sheets WHERE sheet_id = 1")
    assert mark.fetchone()[0] is not None
    proc = kit.agent(db, "lots", "build", "--despite-duplicate", "2")  # no duplicate of 2
    assert proc.returncode == 1 and "sheet 2 has no paper duplicate" in proc.stderr


def test_the_copy_of_a_sheet_not_sent_does_not_say_transmitted(tmp_path, db_where):
    db = db_where
    kit.store_with_day(db)[0].close()
    copy = tmp_path / "copie.pdf"
    proc = kit.agent(db, "sheets", "export", "1", "-o", str(copy))
    assert proc.returncode == 0, proc.stderr
    text = " ".join(text_of(copy).split())
    assert "pas encore transmise à la caisse" in text
    assert "électronique transmise" not in text


def test_a_duplicate_after_the_build_takes_the_sheet_out_of_its_open_lot(tmp_path, db_where):
    from emulator.cards import fixtures
    from host_agent import lots, sealing

    store, _ = kit.store_with_day(db_where)
    lots.build(store, kit.NOW)
    app = kit.cps_app("nurse")
    lot = sealing.lots_to_seal(store, app, [])[0][0]
    members = lots.sheets_of(store, lot["id"])
    first = members[0]["id"]
    assert lots.record_duplicate(store, first, kit.NOW, "panne") == lots.name(lot)
    after = lots.find(store, lots.name(lot))
    assert [s["id"] for s in lots.sheets_of(store, lot["id"])] == [m["id"] for m in members[1:]]
    assert after["sheets"] == len(members) - 1
    assert after["fees"] == sum(m["fees"] for m in members[1:])
    sealing.unlock(app, bytearray(fixtures.pin("nurse").encode()))
    file = sealing.seal(store, app, after, kit.NOW + 60, kit.root_der())
    app.forget()
    assert len(lotfile.parse(file).bundles) == len(members) - 1
    # Had it stayed in (a lot built with the sheet, then the duplicate noted by hand),
    # sealing would refuse: never billed twice.
    store.db.execute(
        "INSERT INTO lot_sheets (lot_id, sheet_id, position) VALUES (?, ?, 99)",
        (after["id"], first),
    )
    with pytest.raises(lots.LotError, match="went on paper since the lot was built"):
        lots.body(store, after, kit.NOW + 120)


def test_no_duplicate_of_a_sheet_in_a_sealed_lot_and_no_sending_of_one(tmp_path, db_where):
    """Found by an outside review: build, seal, then `duplicate` used to print a paper
    duplicate of a sheet whose sealed lot was then sent (billed twice, R161-47 I)."""
    from emulator.cards import fixtures
    from host_agent import lots, sealing, sending

    db = db_where
    store, _ = kit.store_with_day(db)
    lots.build(store, kit.NOW)
    app = kit.cps_app("nurse")
    lot = sealing.lots_to_seal(store, app, [])[0][0]
    first = lots.sheets_of(store, lot["id"])[0]["id"]
    sealing.unlock(app, bytearray(fixtures.pin("nurse").encode()))
    sealing.seal(store, app, lot, kit.NOW + 60, kit.root_der())
    app.forget()
    store.close()
    pdf = tmp_path / "d.pdf"
    proc = kit.agent(db, "duplicate", str(first), "-o", str(pdf))
    assert proc.returncode == 1 and "would bill it twice" in proc.stderr, proc.stderr
    assert not pdf.exists()
    store = Store(db)
    assert lots.duplicated(store) == {}
    with pytest.raises(lots.LotError, match="would bill it twice"):
        lots.record_duplicate(store, first, kit.NOW, "panne")
    # A duplicate noted by another way (an older agent, by hand): the lot is never sent.
    store.db.execute(
        "INSERT INTO paper_duplicates (sheet_id, made, reason) VALUES (?, ?, '')",
        (first, kit.NOW),
    )
    sealed = lots.find(store, lots.name(lot))
    transport = sending.Outbox(tmp_path / "outbox")
    with pytest.raises(sending.SendError, match="would be billed twice"):
        sending.send(store, transport, sealed, kit.NOW + 120)
    assert lots.find(store, lots.name(lot))["status"] == lots.SEALED
    assert not (tmp_path / "outbox").exists() or not any((tmp_path / "outbox").rglob("*.tla"))
