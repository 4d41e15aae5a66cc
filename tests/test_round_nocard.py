"""Issue 23: a round patient without the Vitale card, the firmware under CPython and under
micropython, the round pushed by the agent over the pty (docs/round.md "Without the
card"). Day 1 the nurse keys MARTIN's visit by hand and the sync files it: the PC knows
his fund. The practice keeps MARTIN's and LAMBERT's prescriptions (LAMBERT never seen:
no fund known) and prepares day 2's round, whose entries carry the NIR, the name and the
fund the PC knows. Day 2, no card: DOWN lists the round over 'insert Vitale', the cursor
on the first patient to do, OK picks him, one key says why the card is absent, OK takes
the round's sheet, OK signs with the CPS: 10 keys, PIN included. LAMBERT's fund is asked
(the PC knew none). The sync files both; `tla-agent sheets show` says why."""

import pytest

from protocol import sheet
from protocol import sheet_fields as F
from tests import round_day_kit as day
from tests import sync_kit as kit
from tests import web_kit as web
from tests.test_round_day import _agent, _sync, started_paired

FUND = "011750000"  # MARTIN's, from his card on day 1 (emulator/cards/fixtures.py)


def _without_card(reason, fund_keys=()):
    steps = [
        {"insert": "cps", "card": "nurse", "screen": "Code PIN"},
        {"keys": day.PIN + " OK", "screen": "Inserer carte Vitale"},
        {"keys": "DOWN", "screen": "OK:sans carte *faite"},
        {"keys": "OK", "screen": "Pourquoi sans carte?"},
    ]
    if fund_keys:
        steps.append({"keys": reason, "screen": "Caisse du patient"})
        steps.append({"keys": fund_keys + " OK", "screen": "OK 4:majo MENU:modif"})
    else:
        steps.append({"keys": reason, "screen": "OK 4:majo MENU:modif"})
    return steps + [
        {"keys": "OK", "screen": "OK: signer (CPS)"},
        {"keys": "OK", "screen": "Enregistree no"},
        {"remove": "cps", "screen": "tla "},
    ]


@pytest.mark.parametrize("interpreter", ["cpython", "micropython"])
def test_a_round_patient_without_the_card_in_ten_keys(tmp_path, interpreter):
    db, root, term = started_paired(interpreter, tmp_path, "nocard")
    try:
        assert len(term.play(day.DAY1, [("martin", day.by_hand("martin"))])) == 1
        assert "1 sheet filed, 0 quarantined" in _sync(term, db, root)
        for patient in ("martin", "lambert"):
            _agent(*day.prescription_args(patient), db=db)
        prepared = _agent(
            "round", "prepare", "--terminal", kit.SERIAL, "--professional", day.NURSE,
            "--day", day.DAY2_ISO, db=db,
        )  # fmt: skip
        assert "MARTIN PAUL" in prepared and "fund %s" % FUND in prepared, prepared
        assert "no fund known: typed on a visit without the card" in prepared, prepared
        assert "round 1 of 2026-11-19 sent: 2 visits" in _sync(term, db, root)
        term.t.wait_event("EVENT", 5)

        martin = _without_card("1")
        lambert = _without_card("3", "011690000")
        print("keys without the card:", day.keys_of(martin), day.keys_of(lambert))
        assert day.keys_of(martin) <= 10
        saved = term.play(day.DAY2, [("martin", martin), ("lambert", lambert)])
        assert [(s["degraded"], s["absent_reason"]) for s in saved] == [(True, 1), (True, 3)]
        out = _sync(term, db, root)
        assert "2 sheets filed, 0 quarantined" in out, out
        assert "2 visits of the round counted back" in out, out
        shown = _agent("sheets", "show", "2", db=db)
        assert "absent_reason" in shown and "the patient did not have the card" in shown, shown
        page = web.text(web.client(db, today=20261119).get("/feuilles/2"))
        assert "sans carte Vitale (art. R161-43) : le patient n'avait pas sa carte" in page
        # No card names him: the round's name is on the sheet, shown and found on the PC.
        assert "patient_name (R161-43)" in shown and "MARTIN PAUL" in shown, shown
        assert "<dt>Nom du patient</dt><dd>MARTIN PAUL (donné par le terminal" in page, page
        found = web.text(web.client(db, today=20261119).get("/feuilles?q=lambert"))
        assert "LAMBERT" in found and "MARTIN PAUL" not in found, found
    finally:
        term.stop()
    made = [sheet.decode(s) for s in term.sheets()[1:]]
    assert [(s.insured, s.fund) for s in made] == [
        (day.PATIENTS["martin"][3], FUND),
        (day.PATIENTS["lambert"][3], "011690000"),
    ]
    assert [s.absent_reason for s in made] == [F.CARD_FORGOTTEN, F.NO_CARD_YET]
    assert made[0].patient_name == "MARTIN PAUL" and made[1].patient_name.startswith("LAMBERT")
    assert all(s.degraded and s.unsigned_reason is None for s in made)
    assert [[a.code for a in s.acts] for s in made] == [["AMI", "IFD"]] * 2
    assert made[0].prescription.ref == "1102" and made[1].prescription.ref == "1104"
