"""The review before signing (firmware/visit_signing.py), both interpreters: its last line
says what OK and MENU do, and names MENU only when MENU opens the reasons the patient does
not sign (R161-43): `OK:signer MENU:sans` while she signs, `OK:signer MENU:modif` once a
reason is chosen (MENU changes it, `Le patient signe` undoes it); a Vitale 2 read for its
signature is the first case. A card without a signature key shows `OK: signer (CPS)` and
MENU does nothing (emulator/scenarios/no-signature-key.json)."""

from _cardkit import ReplaySlot, load_transcripts, press
from _screens import check_all
from _visitkit import VISIT_KEYS, VITALE2_KEYS, make_visit_app, run_visit

from firmware import screens
from protocol import sheet_fields as F

TRANSCRIPTS = load_transcripts()


def _at_review(name, pin, keys):
    t = TRANSCRIPTS[name]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    run_visit(app, vitale, cps, pin, keys)
    return app


def _last(app):
    print(app.board.display.lines)
    return app.board.display.lines[3]


def test_the_reviews_last_line_names_what_menu_does():
    app = _at_review("visit", "4827 OK", VISIT_KEYS)
    assert _last(app) == screens.REVIEW_SIGNS == "OK:signer MENU:sans"
    press(app, "MENU")
    assert app.board.display.lines[0] == "Patient sans signat."
    press(app, "1")
    assert _last(app) == screens.REVIEW_REASON == "OK:signer MENU:modif"
    assert app.visit.sheet.unsigned_reason == F.CANNOT_EXPRESS_WILL
    press(app, "MENU 4")  # "Le patient signe": the reason undone
    assert _last(app) == screens.REVIEW_SIGNS and app.visit.sheet.unsigned_reason is None
    check_all(app.board.display.history)


def test_a_vitale_2_read_for_its_signature_names_menu_too():
    # A Carte Vitale 2 signs by being read (R161-43): MENU records that she does not sign.
    app = _at_review("vitale2-cps3-visit", "3719 OK", VITALE2_KEYS[: -len(" OK")])
    assert _last(app) == screens.REVIEW_SIGNS
    assert app.visit.sheet.unsigned_reason == F.SIGNED_BY_READING
    check_all(app.board.display.history)
