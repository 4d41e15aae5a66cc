"""Screens that tell (issue 13), on both interpreters: the terminal's menu opens with a CPS
in (pairing works on the PIN and 'insert Vitale' screens, the sheet without the Vitale card
is an item there); the day's sheets and total on OK from the idle screen; a sync running
counts the sheets sent, and its result stays until a key; a patient seen before is offered
the last sheet again. Every screen shown fits 4 x 20 ASCII."""

from _cardkit import ReplaySlot, load_transcripts, press, settle
from _visitkit import PRO, VISITS, make_visit_app, run_visit

from firmware import screens
from firmware.sync import RUNNING_MS, _Stream

TRANSCRIPTS = load_transcripts()


def _slots(name):
    t = TRANSCRIPTS[name]
    return ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])


def _fits(app):
    for shown in app.board.display.history:
        assert len(shown) <= 4, shown
        for line in shown:
            assert len(line) <= 20 and all(32 <= ord(c) < 127 for c in line), shown


def test_the_menu_and_pairing_with_a_cps_in():
    vitale, cps = _slots("read")
    app = make_visit_app(vitale, cps)
    settle(app)
    cps.insert()
    settle(app)
    assert app.board.display.lines[1].startswith("Code PIN")
    press(app, "MENU")  # on the PIN screen: the terminal's menu, no sheet without card
    lines = app.board.display.lines
    print(lines)
    assert lines[:2] == ["Menu (ANNUL: retour)", ">1 Appairer un PC"]
    assert len(app.menu.entry.items) == 4
    press(app, "CANCEL")
    assert app.board.display.lines[1].startswith("Code PIN")
    press(app, "4827 OK")
    assert app.board.display.lines[2:] == ["Inserer carte Vitale", "MENU: autres choix"]
    press(app, "MENU DOWN DOWN DOWN DOWN")
    lines = app.board.display.lines
    print(lines)
    assert lines[3] == ">5 Sans la Vitale"  # a verified CPS, no Vitale card: item 5
    press(app, "1")  # pair a PC, the CPS still in
    lines = app.board.display.lines
    print(lines)
    assert lines[0] == "Appairage d'un PC" and app.pairing.active()
    press(app, "CANCEL")
    assert app.board.display.lines[2] == "Inserer carte Vitale"
    press(app, "MENU 5")  # why without the card first (R161-43), one key
    assert app.board.display.lines[:2] == ["Pourquoi sans carte?", ">1 Carte oubliee"]
    press(app, "1")
    assert app.board.display.lines[1] == "NIR assure + cle:"
    _fits(app)


def test_the_days_sheets_and_total_on_ok_from_the_idle_screen():
    vitale, cps = _slots("visit")
    app = make_visit_app(vitale, cps)
    run_visit(app, vitale, cps, *VISITS["visit"][2:])
    vitale.remove()
    cps.remove()
    settle(app)
    lines = app.board.display.lines
    print(lines)
    assert lines[2] == "1 FSE: envoi 23/11"  # patient paid, 18/11: 3 working days
    press(app, "OK")
    lines = app.board.display.lines
    print(lines)
    assert lines == [
        "Jour 18/11: 1 FSE",
        "Total      44,27 EUR",
        "1 VG,MD,IK    44,27",
        "OK: retour",
    ]
    press(app, "OK")
    assert app.board.display.lines[0].startswith("tla ")
    _fits(app)


def test_a_sync_running_counts_the_sheets_then_says_its_result():
    vitale, cps = _slots("read")
    app = make_visit_app(vitale, cps)
    j = app.storage.journal
    j.append_sheet(b"x" * 40, j.reserve_order(PRO), PRO, 20261118, True)
    sync = app.sync
    s = sync.stream = _Stream(1, 0, None)
    s.total, s.sheets = 12, 3
    sync.seen()
    settle(app)
    assert app.board.display.lines[2:] == ["Synchro en cours", "Envoi FSE 3/12"]
    s.sheets = 4
    settle(app)
    assert app.board.display.lines[3] == "Envoi FSE 4/12"  # the screen follows the count
    sync.result = (12, 1)
    app.board.clock.sleep_ms(RUNNING_MS)
    settle(app)
    assert (
        app.board.display.lines[2:]
        == screens.synced(12, 1)
        == [
            "Synchro terminee",
            "12 recues 1 refus",
        ]
    )
    press(app, "1")  # seen: the idle screen shows the sheets waiting again
    assert app.board.display.lines[2] == "1 FSE: envoi 30/11"
    _fits(app)


def test_every_new_screen_fits_4_x_20_ascii_at_its_widest():
    from firmware import entry
    from firmware.daylist import DayList

    shown = [
        screens.idle("TLA-T1", "TLA-EMU-0001", 1795000000, "FSE: delai depasse!", "x"),
        [screens.waiting_line(n, 20261231) for n in (1, 99, 999)],
        [screens.waiting_line(n, 20261231) for n in (9999, 60000)],
        screens.syncing(9999, 9999) + screens.synced(9999, 9999),
        screens.cap_reached(),
        screens.insert_vitale("BERNARD CLAIRE", "Medecin"),
    ]
    items = ["Payer, signer"] + ["%02d item de 16 car" % i for i in range(14)]
    for cursor in range(len(items)):
        m = entry.Menu("Acte 13: code", [i[:16] for i in items], base=0, cursor=cursor)
        shown.append(screens.menu(m))
    day = DayList(None, None)
    day.day, day.rows = 20261118, [(99999, "AMI,IFD,IK,MAU", 999999)] * 3
    shown.append(day.screen())
    day.top = 1
    shown.append(day.screen())
    from firmware.roundlist import RoundList, _line

    rounds = RoundList(None)
    wide = ["Z" * 24, None, "Z" * 24, "", [["MAU", 100, 0]] * 8]
    rounds.day, rounds.done, rounds.rows = 20261118, 999, [_line("!", wide)] * 999
    shown.append(rounds.screen())
    rounds.rows = []
    shown.append(rounds.screen())
    for lines in shown:
        print(lines)
        assert len(lines) <= 4, lines
        for line in lines:
            assert len(line) <= 20 and all(32 <= ord(c) < 127 for c in line), lines


def test_a_status_sets_the_caps_and_hostile_caps_are_refused():
    from firmware.idle import DEFAULT_CAPS, Waiting
    from protocol import sync_messages as sm
    from protocol.security_errors import MalformedMessage

    vitale, cps = _slots("read")
    app = make_visit_app(vitale, cps)
    assert app.waiting.caps == DEFAULT_CAPS
    app.sync._status(sm.status_request(0), 1)  # no caps: the defaults stay
    assert app.waiting.caps == DEFAULT_CAPS
    app.sync._status(sm.status_request(5, (30, 80, 1, 4)), 2)
    assert app.waiting.caps == (30, 80, 1, 4)
    assert Waiting(app.storage.journal, app.storage.fs).caps == (30, 80, 1, 4)  # in flash
    for bad in ([1, 2, 3], [1, 2, 3, 70000], [1, 2, 3, -1], "caps", [1, 2, 3, True]):
        try:
            app.sync._status({"caps": bad}, 3)
        except MalformedMessage as e:
            print("refused", bad, e)
        else:
            raise AssertionError("accepted %r" % (bad,))
    assert app.waiting.caps == (30, 80, 1, 4)  # the previous caps kept
