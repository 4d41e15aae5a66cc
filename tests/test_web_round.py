"""The nurse's round from the page (issue 20 item 6; docs/web.md "Tournée"): a prescription
chosen from the patients and prescribers of earlier sheets, or typed (NIR key and RPPS key
checked), kept in the database; a day's round prepared for a paired terminal (what `round
prepare` does: the next unloading sends it); a first visit keyed on the terminal made the
prescription of the next rounds from its sheet's page. Bad input: a French sentence, a 422,
nothing kept; hostile markup shown as text."""

import pytest

from host_agent import round_form
from host_agent.store import Store
from tests import lots_kit as kit
from tests import sync_kit
from tests import web_kit as web

NURSE = kit.professional("nurse")
PRESCRIBER = "10009876543"
MARTIN = "170047511223384"


def _form(token, **changes):
    form = {
        "csrf": token,
        "professional": NURSE,
        "patient": "",
        "insured": MARTIN,
        "dependant": "",
        "name": "Martin Paul",
        "prescriber": PRESCRIBER,
        "date": "2026-11-02",
        "ref": "1102",
        "acts": "AMI 2 1 + IFD",
        "sessions": "10",
    }
    form.update(changes)
    return form


def _rows(db, what="prescriptions"):
    store = Store(db)
    try:
        return store.prescriptions() if what == "prescriptions" else store.db.execute(
            "SELECT * FROM rounds").fetchall()  # fmt: skip
    finally:
        store.close()


def test_the_form_offers_earlier_patients_and_prescribers_and_keeps_one(tmp_path, db_where):
    db = web.day(tmp_path, db_where)
    c = web.client(db)
    page = web.text(c.get("/tournee"))
    assert '<option value="%s">' % PRESCRIBER in page  # from the earlier sheets
    store = Store(db)
    try:
        known = store.known_patients()
    finally:
        store.close()
    single = next(r for r in known if r["beneficiary"] is None)
    assert 'value="%s"' % single["insured"] in page and single["patient"] in page
    token = web.csrf(c, "/tournee")
    r = c.post("/tournee/prescription", data=_form(token, patient=single["insured"], insured=""
                                                    , name=""))  # fmt: skip
    assert r.status_code == 200 and "Prescription gardée" in web.text(r), web.text(r)[:3000]
    (kept,) = _rows(db)
    assert kept["insured"] == single["insured"] and kept["beneficiary"] is None
    assert kept["name"] == round_form.ascii_name(single["patient"]) and kept["name"]
    assert kept["acts"] == "AMI 200 1,IFD 100 0" and kept["sessions"] == 10
    assert "10 séances à faire" in web.text(c.get("/tournee"))


def test_a_typed_patient_is_kept_with_its_name_in_ascii(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    r = c.post("/tournee/prescription", data=_form(web.csrf(c, "/tournee"), name="Hélène Noël"))
    assert "Prescription gardée : HELENE NOEL" in web.text(r)
    assert [p["name"] for p in _rows(db)] == ["HELENE NOEL"]


BAD = [
    ({"insured": "170047511223385"}, "n'en est pas un"),  # the key off by one
    ({"insured": "1700475112233"}, "n'en est pas un"),
    ({"insured": "../../etc/passwd"}, "n'en est pas un"),
    ({"prescriber": "1000987654x"}, "9 chiffres"),
    ({"prescriber": "123"}, "9 chiffres"),
    ({"professional": "12345678901"}, "dont le dernier est la clé"),
    ({"patient": "999999999999999"}, "pas dans la liste"),
    ({"name": "<>\u202e"}, "Le nom du patient"),
    ({"name": "x" * 10000}, "Le nom du patient"),
    ({"date": "2026-02-30"}, "pas une date du calendrier"),
    ({"ref": "ORD-1"}, "de 1 à 20 chiffres"),
    ({"acts": "XYZ 2"}, "un code de la nomenclature"),
    ({"sessions": "0"}, "de 1 à 999"),
    ({"dependant": "2018-03-05"}, "comme 20180305/2"),
    ({"name": "1234"}, "Le nom du patient"),
    ({"sessions": "٣"}, "de 1 à 999"),
]


@pytest.mark.parametrize("changes,said", BAD, ids=[s + str(i) for i, (_, s) in enumerate(BAD)])
def test_bad_input_is_said_in_french_and_nothing_is_kept(tmp_path, changes, said):
    db = web.day(tmp_path)
    c = web.client(db)
    r = c.post("/tournee/prescription", data=_form(web.csrf(c, "/tournee"), **changes))
    assert r.status_code == 422, r.status_code
    page = web.text(r)
    assert "Rien n'a été gardé" in page and said in page, page[:3000]
    assert _rows(db) == []
    # The form came back with the patients' list: that viewing is in the PC's access log.
    store = Store(db)
    try:
        assert store.views(None, 5)[0]["what"] == "les prescriptions et les patients de la tournée"
    finally:
        store.close()


def test_the_same_prescription_twice_is_refused(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    token = web.csrf(c, "/tournee")
    c.post("/tournee/prescription", data=_form(token))
    again = c.post("/tournee/prescription", data=_form(token))
    assert again.status_code == 422 and "déjà gardée" in web.text(again)
    assert len(_rows(db)) == 1


def test_a_hostile_name_on_earlier_sheets_is_shown_as_text(tmp_path):
    db = web.day(tmp_path)
    web.hostile_names(db)
    c = web.client(db)
    page = c.get("/tournee").text
    assert web.HOSTILE not in page and "&lt;script&gt;" in page


def test_a_days_round_prepared_for_a_paired_terminal(tmp_path):
    db = web.day(tmp_path)
    world, store, _ = sync_kit.paired_world(tmp_path, db=db)
    store.close()
    c = web.client(db)
    token = web.csrf(c, "/tournee")
    c.post("/tournee/prescription", data=_form(token))
    r = c.post(
        "/tournee/preparer",
        data={"csrf": token, "terminal": sync_kit.SERIAL, "professional": NURSE,
              "day": "2026-11-19"},
    )  # fmt: skip
    said = web.text(r)
    assert "Tournée du 19/11/2026 pour le terminal %s : 1 visite" % sync_kit.SERIAL in said
    (row,) = _rows(db, "rounds")
    assert row["day"] == 20261119 and row["professional"] == NURSE and not row["sent"]
    # An unknown terminal, a professional not offered: refused, nothing prepared.
    for bad in ({"terminal": "TLA-NOPE"}, {"professional": "<b>"}):
        form = {"csrf": token, "terminal": sync_kit.SERIAL, "professional": NURSE, **bad}
        refused = c.post("/tournee/preparer", data=form)
        assert (
            refused.status_code == 422
            and "Aucune tournée" in web.text(refused)
            or (refused.status_code == 422 and "Choisissez le professionnel" in web.text(refused))
        )
    assert len(_rows(db, "rounds")) == 1


def _file_visit(db, ref):
    """A first visit keyed on the terminal: the nurse's sheet carrying prescription `ref`."""
    store = Store(db)
    try:
        sheet = kit.make_sheet("nurse", "single", 900, kit.DAY)
        sheet.prescription.ref = ref
        sheet_id = kit.file_sheet(store, sheet, kit.sign(sheet, "nurse", "single"))
    finally:
        store.close()
    return sheet_id


def test_a_first_visit_becomes_the_prescription_of_the_next_rounds(tmp_path, db_where):
    db = web.day(tmp_path, db_where)
    sheet_id = _file_visit(db, "4242")
    c = web.client(db)
    page = "/feuilles/%d" % sheet_id
    assert "Prescription des prochaines tournées" in web.text(c.get(page))
    r = c.post(page + "/prescription", data={"csrf": web.csrf(c, page), "sessions": "12"})
    assert "Prescription gardée" in web.text(r) and "(1 déjà faite)" in web.text(r)
    (kept,) = _rows(db)
    assert (kept["ref"], kept["prescriber"], kept["sessions"]) == ("4242", PRESCRIBER, 12)
    assert kept["acts"] == "AMI 100 1,IFD 100 0" and kept["professional"] == NURSE
    assert "11 séances à faire" in web.text(c.get("/tournee"))
    again = c.post(page + "/prescription", data={"csrf": web.csrf(c, page), "sessions": "12"})
    assert "déjà gardée" in web.text(again) and len(_rows(db)) == 1


def test_a_sheet_whose_reference_is_not_digits_says_to_type_it(tmp_path):
    db = web.day(tmp_path)
    c = web.client(db)
    store = Store(db)
    try:
        # The nurse's sheets carry the kit's references, "ORD-...".
        sheet_id = next(r["id"] for r in store.sheets() if r["professional"] == NURSE)
    finally:
        store.close()
    page = "/feuilles/%d" % sheet_id
    for sessions, said in (("12", "n'est pas faite de 1 à 20"), ("abc", "de 1 à 999")):
        r = c.post(page + "/prescription", data={"csrf": web.csrf(c, page), "sessions": sessions})
        assert said in web.text(r), web.text(r)[:2000]
    assert _rows(db) == []
