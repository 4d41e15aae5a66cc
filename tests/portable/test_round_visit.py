"""A round patient's visit on the terminal (firmware/visit_round.py), both interpreters:
the cards replay the transcript recorded for the same visit keyed by hand, so a round
visit that signs is one whose sheet is byte for byte the hand-keyed one; 7 keys, PIN
included. A card the round names wrongly, another professional, a visit already done:
a plain screen, then the normal visit. Every screen fits 4 x 20 ASCII."""

from _cardkit import ReplaySlot, events, load_transcripts, press, run_scenario, settle
from _roundkit import DUPONT, NURSE, PRESC, gp_martin, install, other
from _visitkit import PRO, make_visit_app, sheets

from firmware import round_store, screens, visit_round
from hw import hal
from protocol import bundle, sheet

TRANSCRIPTS = load_transcripts()


def _app(entries, **options):
    t = TRANSCRIPTS["visit"]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    app = make_visit_app(vitale, cps)
    if entries is not None:
        install(app.storage, entries, **options)
    return app, vitale, cps


def _keys(app):
    return len(app.board.keypad.keys)


def _fits(app):
    for shown in app.board.display.history:
        assert len(shown) <= 4, shown
        for line in shown:
            assert len(line) <= 20 and all(32 <= ord(c) < 127 for c in line), shown


class Counter:
    def __init__(self, app):
        self.app = app
        self.n = 0

    def press(self, keys):
        for word in keys.split(" "):
            self.n += 1 if word in hal.KEYS else len(word)
        press(self.app, keys)


def test_a_round_visit_is_the_hand_keyed_sheet_in_seven_keys():
    app, vitale, cps = _app([other("DURAND ANNE"), gp_martin()])
    keys = Counter(app)
    settle(app)
    cps.insert()
    settle(app)
    keys.press("4827")
    keys.press("OK")
    vitale.insert()
    settle(app)
    lines = app.board.display.lines
    print(lines)
    assert lines[0] == "Tournee 2/2" and lines[1] == "MARTIN PAUL"
    assert lines[2].startswith("VG MD IK") and lines[2].endswith("44,27")
    assert lines[3] == "OK 4:majo MENU:modif"
    keys.press("OK")
    assert app.board.display.lines[0].startswith("Total"), app.board.display.lines
    keys.press("OK")
    settle(app)
    assert app.board.display.lines[1] == "Enregistree no 1", app.board.display.lines
    assert keys.n == 7
    # Every exchange of the hand-keyed visit's transcript, the signatures included: the
    # cards signed the digest of the same sheet bytes.
    assert vitale.pos == len(vitale.exchanges) and cps.pos == len(cps.exchanges)
    stored = sheets(app)
    s = sheet.decode(bundle.decode(stored[0].payload).sheet)
    assert [a.code for a in s.acts] == ["VG", "MD", "IK"] and s.fees == 4427
    assert events(app, "round_done") == [{"round_done": 1}]
    store = round_store.of(app.storage)
    assert store.done == {1: stored[0].rec_no}
    _fits(app)


def _refused_then_normal(entries, refusal, **options):
    app, vitale, cps = _app(entries, **options)
    run_scenario(app, vitale, cps, "4827 OK")
    lines = app.board.display.lines
    print(lines)
    assert lines == screens.message(refusal), lines  # this refusal, not one like it
    assert events(app, "round_refused")[-1] == {"round_refused": refusal}
    press(app, "OK")
    assert app.board.display.lines[0] == "MARTIN PAUL", app.board.display.lines
    assert round_store.of(app.storage).id == 1  # the round is kept
    _fits(app)
    return app


def test_a_round_visit_is_refused_once_the_practices_hard_cap_is_reached():
    app, vitale, cps = _app([gp_martin()])
    j = app.storage.journal
    j.append_sheet(b"x" * 40, j.reserve_order(PRO), PRO, 20261118, True)
    run_scenario(app, vitale, cps, "4827 OK")
    assert app.board.display.lines[0] == "Tournee 1/1", app.board.display.lines
    app.waiting.set_caps((0, 1, 0, 0))  # reached with the cards in: no card arrives
    press(app, "OK")
    lines = app.board.display.lines
    print(lines)
    assert lines == screens.cap_reached()[:3] + ["OK: continuer"] and app.visit.sheet is None
    assert len(sheets(app)) == 1


def test_a_visit_done_is_not_offered_again():
    app, vitale, cps = _app([gp_martin()])
    round_store.of(app.storage).mark_done(0, 1)
    run_scenario(app, vitale, cps, "4827 OK")
    assert app.board.display.lines[:2] == ["Visite de la tournee", "deja faite: visite"]
    press(app, "OK")
    assert app.board.display.lines[0] == "MARTIN PAUL", app.board.display.lines


def test_an_entry_whose_rank_is_not_on_the_card_is_refused_plainly():
    _refused_then_normal([gp_martin(ben=[20180305, 2])], visit_round.RANK_DIFFERS)


def test_a_round_name_on_a_card_with_another_nir_is_refused_plainly():
    _refused_then_normal([gp_martin(nir=DUPONT)], visit_round.NIR_DIFFERS)


def test_a_round_of_another_professional_is_not_offered():
    _refused_then_normal([gp_martin()], visit_round.OTHER_PRO, pro=NURSE)


def test_a_round_of_another_day_is_not_offered():
    _refused_then_normal([gp_martin()], visit_round.OTHER_DAY, day=20261117)


def test_a_prescription_used_up_today_is_not_offered_again():
    # Entry 0 done with the prescription's last session: entry 1 shares the prescription.
    app, vitale, cps = _app([gp_martin(left=1, presc=PRESC), gp_martin(left=1, presc=PRESC)])
    round_store.of(app.storage).mark_done(0, 7)
    run_scenario(app, vitale, cps, "4827 OK")
    assert app.board.display.lines[0] == "Prescription", app.board.display.lines
    press(app, "OK")
    assert app.board.display.lines[0] == "MARTIN PAUL", app.board.display.lines
    _fits(app)


def test_cancel_leaves_the_offer_for_a_normal_visit_and_menu_opens_the_sheet():
    app, vitale, cps = _app([gp_martin()])
    run_scenario(app, vitale, cps, "4827 OK")
    assert app.board.display.lines[0] == "Tournee 1/1"
    press(app, "CANCEL")
    assert app.board.display.lines[0] == "MARTIN PAUL", app.board.display.lines
    assert app.visit.sheet is None
    app2, vitale2, cps2 = _app([gp_martin()])
    run_scenario(app2, vitale2, cps2, "4827 OK")
    press(app2, "MENU")
    assert app2.board.display.lines[0] == "Actes:3 44,27 EUR", app2.board.display.lines
    _fits(app)
    _fits(app2)


def test_without_a_round_the_visit_is_the_normal_one():
    app, vitale, cps = _app(None)
    run_scenario(app, vitale, cps, "4827 OK")
    assert app.board.display.lines[0] == "MARTIN PAUL"
    assert app.visit.round is None and not app.storage.fs.exists(round_store.PATH)


def test_every_round_screen_fits_and_says_it_all():
    from firmware import visit_round

    for text in visit_round.MESSAGES:
        lines = screens.message(text)
        assert " ".join(x for x in lines[:3] if x) == text, lines  # nothing cut off
        for line in lines:
            assert len(line) <= 20 and all(32 <= ord(c) < 127 for c in line), lines
    # the offer's screen, with the longest numbers and codes it can show
    o = visit_round.Offer(None, _Who(), 59, 60, gp_martin(left=999, presc=PRESC), 999)
    o.entry[4] = [["AMI", 100, 1]] * 8
    for line in o.screen(999999):
        assert len(line) <= 20 and all(32 <= ord(c) < 127 for c in line), line


class _Who:
    usage_name = "DE LA FONTAINE-MONTMORENCY"
    first_names = ["JEAN-BAPTISTE"]


def test_a_night_surcharge_is_added_to_a_round_visit_in_two_keys():
    """Issue 23: on the offer, 4 opens the surcharges on the one the hour calls for (the
    GP's MN at 21h), OK adds it: 2 keys; the offer shows it priced, the review too."""
    app, vitale, cps = _app([gp_martin()])
    app.board.clock.set(app.board.clock.now() + (21 * 60 - (12 * 60 + 6)) * 60)  # 21:00
    run_scenario(app, vitale, cps, "4827 OK")
    assert app.board.display.lines[2].endswith("44,27"), app.board.display.lines
    keys = Counter(app)
    keys.press("4")
    lines = app.board.display.lines
    print(lines)
    assert lines[0] == "Majoration" and lines[2] == ">2 MN Nuit 20-0,6-8", lines
    keys.press("OK")
    lines = app.board.display.lines
    print(lines)
    assert keys.n == 2 and lines[0] == "Tournee 1/1" and lines[2].startswith("VG MD IK MN")
    assert lines[2].endswith("79,27") and events(app, "round_added") == [{"round_added": "MN"}]
    press(app, "OK")
    assert app.board.display.lines[0] == "Total      79,27 EUR", app.board.display.lines
    assert [a.code for a in app.visit.sheet.acts] == ["VG", "MD", "IK", "MN"]
    _fits(app)


def test_a_surcharge_out_of_its_hours_or_days_is_refused_and_the_offer_kept():
    """At 12:06 on a Wednesday: the night surcharge is not for this hour, the Sunday one
    not for this day, two night ones do not add up; each said plainly, the offer as it
    was (the acts and fees of the round), CANCEL on the menu leaves it too."""
    app, vitale, cps = _app([gp_martin()])
    run_scenario(app, vitale, cps, "4827 OK")
    offer = app.board.display.lines
    press(app, "4 2")  # MN at noon
    assert app.board.display.lines == ["Acte 4: code", "pas a cette heure", "", "OK: corriger"]
    press(app, "OK")
    assert app.board.display.lines == offer
    press(app, "4 1")  # F on a Wednesday
    assert app.board.display.lines[1] == "dimanche/ferie seul", app.board.display.lines
    press(app, "OK")
    press(app, "4 CANCEL")
    assert app.board.display.lines == offer
    press(app, "4 9")
    assert app.board.display.lines[0] == "Choix 9 inconnu.", app.board.display.lines
    press(app, "OK")  # the menu again
    assert app.board.display.lines[0] == "Majoration", app.board.display.lines
    press(app, "CANCEL")
    assert app.board.display.lines == offer and events(app, "round_added") == []
    app.board.clock.set(app.board.clock.now() + 9 * 3600)  # 21:06: MN, then MM refused
    press(app, "4 2")
    press(app, "4 3")
    assert app.board.display.lines[1] == "pas a cette heure", app.board.display.lines
    press(app, "OK")
    assert app.board.display.lines[2].startswith("VG MD IK MN"), app.board.display.lines
    _fits(app)
