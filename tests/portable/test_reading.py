"""The terminal's card reading (firmware/reading.py through App), on both interpreters: cards
replay transcripts recorded from the virtual cards. The scenario, wrong and blocked PINs,
refused cards, a card pulled during every exchange, and the PIN kept out of everything."""

from _cardkit import (
    OPPOSED,
    SCENARIOS,
    ReplaySlot,
    ScriptedSlot,
    events,
    load_transcripts,
    make_app,
    press,
    run_scenario,
    settle,
)

from firmware.cards.vitale import VitaleApp
from firmware.cards.errors import CpsNotVerified
from hw import hal

TRANSCRIPTS = load_transcripts()


def _setup(name):
    t = TRANSCRIPTS[name]
    vitale = ReplaySlot("vitale", t["vitale"])
    cps = ReplaySlot("cps", t["cps"])
    return make_app(vitale, cps, OPPOSED), vitale, cps


def _run(name):
    app, vitale, cps = _setup(name)
    run_scenario(app, vitale, cps, SCENARIOS[name][2])
    assert vitale.pos == len(vitale.exchanges) and cps.pos == len(cps.exchanges), name
    return app


def _everything_shown(app):
    """Every text the terminal produced: screens, events, access log."""
    parts = [repr(lines) for lines in app.board.display.history]
    parts += [repr(e) for e in app.board.events]
    parts += [repr(e.as_list()) for e in app.access_log.entries()]
    return "\n".join(parts)


def test_read_shows_patient_and_twins_and_logs_it():
    app = _run("read")
    lines = app.board.display.lines
    print(lines)
    assert lines[0] == "DUPONT MARIE"
    assert lines[3] == "Choisir le patient v"  # issue 23: what to do, more below
    press(app, "DOWN")
    press(app, "DOWN")
    lines = app.board.display.lines
    assert lines[1].startswith("3 LEO ") and lines[1].endswith("05/03/2018")
    assert lines[2].startswith("4 LEA ") and lines[3] == "Choisir le patient"
    assert lines[2][-10:] == lines[1][-10:]  # twins: same birth date
    press(app, "DOWN")  # the last one shown: no further
    assert app.board.display.lines == lines
    patient = app.reading.patient
    assert [b.rank for b in patient.beneficiaries] == [1, 2, 3, 4]
    assert len(patient.exemptions) == 2 and patient.exemptions[0].legal_ref == "L160-14 3"
    log = [e.as_list() for e in app.access_log.entries()]
    for entry in log:
        print(entry)
    assert log[-1][1:] == [
        "10001234565",
        "vitale",
        "1000000022",
        "identite,beneficiaires,exonerations",
    ]
    assert events(app, "read")[-1]["read"]["ranks"] == [1, 2, 3, 4]


def test_pin_screen_shows_stars_and_tries_after_a_wrong_pin():
    app, vitale, cps = _setup("wrong-pin-then-read")
    settle(app)
    cps.insert()
    settle(app)
    press(app, "62")
    assert app.board.display.lines[1] == "Code PIN: **", app.board.display.lines
    press(app, "BACK")
    assert app.board.display.lines[1] == "Code PIN: *"
    assert app.reading.pin == bytearray(b"6\x00\x00\x00")  # the digit is wiped in place
    press(app, "284 OK")
    assert app.board.display.lines[2] == "Essais restants: 2", app.board.display.lines
    press(app, "1593 OK")
    vitale.insert()
    settle(app)
    assert app.reading.patient is not None
    assert events(app, "pin") == [
        {"pin": {"ok": False, "tries_left": 2}},
        {"pin": {"ok": True}},
    ]
    print(app.board.display.lines)


def test_three_wrong_pins_block_the_cps_and_the_terminal_says_so():
    app = _run("pin-blocks")
    lines = app.board.display.lines
    print(lines)
    assert lines[0] == "Lecteur CPS:" and lines[1].startswith("Code PIN bloque")
    assert events(app, "pin")[-1] == {"pin": {"ok": False, "blocked": True}}
    assert [e.as_list()[4] for e in app.access_log.entries()][-1] == "refus PinBlocked"
    assert app.reading.cps_card is None and app.reading.patient is None
    for pin in ("7391", "8462", "5173"):
        assert pin not in _everything_shown(app), pin


def test_blocked_card_is_refused_at_once():
    app = _run("blocked-card")
    print(app.board.display.lines)
    assert "Code PIN bloque" in app.board.display.lines[1]
    assert events(app, "error")[-1]["error"] == "PinBlocked"


def test_pin_appears_nowhere():
    app = _run("read")
    text = _everything_shown(app)
    assert "4827" not in text
    assert "34383237" not in text
    assert "Code PIN: ****" in text


def test_refused_vitale_cards_say_why_and_are_logged():
    for name, error in (
        ("expired-card", "CardExpired"),
        ("opposed", "CardOpposed"),
        ("expired-rights", "RightsExpired"),
        ("unknown-in-vitale", "NotAVitaleCard"),
        ("cps-in-vitale", "WrongSlot"),
    ):
        app = _run(name)
        lines = app.board.display.lines
        print(name, lines)
        assert lines[0] == "Lecteur Vitale:" and lines[3] == "Retirez la carte", lines
        assert events(app, "error")[-1]["error"] == error
        last = app.access_log.entries()
        entry = [e.as_list() for e in last][-1]
        assert entry[1] == "10001234565" and entry[2] == "vitale"
        assert entry[4] == "refus " + error
        assert app.reading.patient is None
        # Nothing more is done until the card leaves; then the terminal waits for the next.
        app.reading.vitale.slot.remove()
        settle(app)
        assert app.board.display.lines[2:] == ["Inserer carte Vitale", "MENU: autres choix"]


def test_vitale_card_in_the_cps_slot():
    app = _run("vitale-in-cps")
    print(app.board.display.lines)
    assert app.board.display.lines[1:3] == ["Carte Vitale dans le", "lecteur CPS."]


def test_cover_kept_only_with_consent():
    with_consent = _run("cover-consent").reading.patient
    without = _run("cover-no-consent").reading.patient
    assert with_consent.beneficiaries[0].cover.organisation == "88888888"
    assert without.beneficiaries[0].cover is None
    assert without.beneficiaries[0].cover_consent is False


def test_card_without_signature_key_is_read():
    patient = _run("no-key").reading.patient
    assert patient.cert_id is None
    assert _run("read").reading.patient.cert_id is not None


def test_mute_card_gives_a_message_and_an_access_log_entry():
    app, vitale, cps = _setup("read")
    mute = ScriptedSlot("vitale", lambda apdu: None)
    mute.remove()
    app.board.slots["vitale"] = app.reading.vitale.slot = app.reading.vitale.channel.slot = mute
    run_scenario(app, mute, cps, "4827 OK")
    print(app.board.display.lines)
    assert app.board.display.lines[0] == "Carte muette"
    assert events(app, "error")[-1]["error"] == "CardIOError"
    assert [e.as_list() for e in app.access_log.entries()][-1][4] == "refus CardIOError"


def test_restricted_data_refused_by_the_firmware_before_asking():
    t = TRANSCRIPTS["read"]
    slot = ReplaySlot("vitale", t["vitale"])
    slot.insert()
    app = VitaleApp(slot)
    app.open()
    before = slot.count

    class NoCps:
        def ready(self):
            return False

    for fn, args in (
        (app.read_exemptions, (None, None)),
        (app.read_exemptions, (None, NoCps())),
        (app.read_copies, (NoCps(),)),
        (app.sign, (b"\0" * 32, NoCps())),
    ):
        e = None
        try:
            fn(*args)
        except CpsNotVerified as caught:
            e = caught
        assert e is not None, fn
    assert slot.count == before  # not a single APDU reached the card
    print(str(e))


def _check_pulled(app, pulled, n, slot_name, seen):
    """After each action of the scenario: once the card was pulled (exchange n), the screen
    says so at once, and nothing of the read is kept."""
    if pulled.count < n or seen:
        return
    seen.append(n)
    lines = app.board.display.lines
    assert lines[0] == "Carte retiree", (n, lines)
    assert events(app, "error")[-1]["error"] == "CardRemoved", n
    assert app.reading.patient is None, n
    if slot_name == "cps":
        assert app.reading.cps_card is None and not app.reading.cps.verified, n
    assert "read" not in events(app)[-1], n


def _pull_everywhere(slot_name):
    """Pull the card of `slot_name` during each exchange of the read scenario in turn."""
    keys = SCENARIOS["read"][2]
    total = len(TRANSCRIPTS["read"][slot_name])
    for n in range(1, total + 1):
        app, vitale, cps = _setup("read")
        pulled = vitale if slot_name == "vitale" else cps
        pulled.pull_after(n)
        seen = []
        run_scenario(
            app,
            vitale,
            cps,
            keys,
            lambda a=app, p=pulled, k=n, s=seen: _check_pulled(a, p, k, slot_name, s),
        )
        assert seen == [n], "the card was not pulled at exchange %d" % n
        # Back to a sane state: both cards out and in again, and the scenario completes.
        vitale.remove()
        cps.remove()
        press(app, "OK")
        run_scenario(app, vitale, cps, keys)
        assert app.reading.patient is not None, (n, app.board.display.lines)
    return total


def test_pulling_the_cps_during_each_exchange():
    print(_pull_everywhere("cps"), "positions")


def test_pulling_the_vitale_during_each_exchange():
    print(_pull_everywhere("vitale"), "positions")


def test_cps_leaving_drops_the_session_and_the_patient():
    app = _run("read")
    app.reading.cps.slot.remove()
    settle(app)
    assert app.reading.patient is None and app.reading.cps_card is None
    assert app.board.display.lines[0] == "Carte retiree"
    assert events(app)[-1] == {"removed": "cps"}


def test_session_expires():
    t = TRANSCRIPTS["read"]
    vitale, cps = ReplaySlot("vitale", t["vitale"]), ReplaySlot("cps", t["cps"])
    from _cardkit import FakeBoard, MemoryOppositionList, NOW
    from firmware.app import App

    board = FakeBoard()
    board.slots = {"vitale": vitale, "cps": cps}
    board.clock.set(NOW)
    app = App(board, opposition=MemoryOppositionList(OPPOSED), cps_session_s=60)
    run_scenario(app, vitale, cps, "4827 OK")
    assert app.reading.patient is not None
    board.clock.sleep_ms(61000)
    cps.pos = 0  # the card is powered again and read anew
    settle(app)
    assert events(app, "session") == [{"session": "expired"}]
    assert app.reading.patient is None and not app.reading.cps.verified
    print(app.board.display.lines)
    assert app.board.display.lines[1] == "Code PIN: "


def test_hal_error_for_a_card_absent_is_handled():
    assert issubclass(CpsNotVerified, hal.CardError)
