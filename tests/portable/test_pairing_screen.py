"""The terminal's pairing screen against a man in the middle (both interpreters): one PAIR
step 1 answered per opening of the screen, the "abandoned" screen for any other, the
firmware alive and serving HELLO afterwards, and a new opening from the keypad that pairs.

What the attacks show: 1,000 step 1s into one opening get one answer (one terminal nonce:
one try at matching the agent's code, docs/protocol.md "Pairing"), no code and no key; a
second step 1 while the code is on screen (the old TypeError crash) ends the attempt with
the code still shown and keeps nothing.
"""

from _kit import Rng
from _sync_agent import Agent, FlashBoard, boot

from protocol import frame, keyschedule, messages, pairing, x25519

ATTACKS = 1000


def _open_screen(app):
    app.board.keypad.keys.extend(["MENU", "1"])
    app.step()
    app.step()
    assert app.board.display.lines[0] == "Appairage d'un PC", app.board.display.lines


def _step1s(rng, n):
    """n distinct step 1s of a man in the middle: his one key, a new commitment each time
    (a new nonce he could reveal), under the agent's name."""
    public = x25519.public_key(rng.bytes(32))
    for _ in range(n):
        commit = keyschedule.pair_commitment(public, rng.bytes(16))
        yield {"step": 1, "id": "PC-CABINET-01", "pub": public, "commit": commit}


def _hello_answers(agent):
    mtype, _, body = agent.ask(messages.HELLO, {})
    return mtype == messages.HELLO and body["serial"] == agent.app.board.serial_number


def _screens(board):
    return [tuple(lines) for lines in board.display.history]


def test_a_thousand_step_ones_into_one_screen_get_one_answer():
    board = FlashBoard(seed=3)
    app = boot(board)
    agent = Agent(app, seed=4)
    _open_screen(app)
    rng = Rng(5)
    answers, errors, seq = [], [], 1000
    batch = []
    for body in _step1s(rng, ATTACKS):
        seq += 1
        batch.append(frame.encode(messages.PAIR, seq, body))
        if len(batch) == 20:
            for mtype, _, reply in agent.exchange(b"".join(batch), steps=12):
                (answers if mtype == messages.PAIR else errors).append(reply)
            batch = []
    assert len(answers) + len(errors) == ATTACKS, (len(answers), len(errors))
    assert len(answers) == 1 and "nonce" in answers[0]
    assert {e["code"] for e in errors} == {messages.E_PAIRING_FAILED}
    assert app.board.display.lines[:2] == ["Appairage abandonne", "2e demande recue"]
    # No code was ever computable (no step 2 came before the abandon), none shown, no key.
    assert app.pairing.attempt.code is None
    assert not [s for s in _screens(board) if s[0].startswith("Code")]
    assert app.gate.pairing is None and ("EVENT", {"pairing": "abandoned"}) in board.events
    # The attacker reveals the nonce of his answered try: too late, nothing is shown or kept.
    mtype, _, reply = agent.ask(messages.PAIR, {"step": 2, "nonce": bytes(16)})
    assert mtype == messages.ERROR and reply["code"] == messages.E_PAIRING_FAILED
    assert app.gate.pairing is None and not [e for e in board.events if "paired" in e[1]]
    assert _hello_answers(agent)
    print(len(answers), len(errors), errors[0]["msg"], errors[-1]["msg"])
    # The user closes the screen and opens it again: a real pairing goes through.
    board.keypad.keys.append("OK")
    app.step()
    code = agent.pair()
    assert app.gate.pairing is not None and app.gate.pairing.peer == "PC-TEST"
    assert ("Code: %s %s" % (code[:3], code[3:])) in [s[0] for s in _screens(board)]


def _up_to_the_code(agent):
    """An agent's pairing up to the code on the terminal's screen; returns the AgentPairing."""
    attempt = pairing.AgentPairing("PC-TEST", agent.rng.bytes)
    request = attempt.request()
    while attempt.state != "confirming":
        mtype, _, reply = agent.ask(messages.PAIR, request)
        assert mtype == messages.PAIR, reply
        request = attempt.on_reply(reply)
    return attempt


def test_a_second_step_one_while_the_code_shows_abandons_and_the_firmware_lives():
    board = FlashBoard(seed=6)
    app = boot(board)
    agent = Agent(app, seed=7)
    _open_screen(app)
    attempt = _up_to_the_code(agent)
    shown = "%s %s" % (attempt.code[:3], attempt.code[3:])
    assert board.display.lines[0] == "Code: " + shown
    intruder = pairing.AgentPairing("PC-M", Rng(8).bytes)
    mtype, _, reply = agent.ask(messages.PAIR, intruder.request())
    assert mtype == messages.ERROR and reply["code"] == messages.E_PAIRING_FAILED
    for _ in range(5):
        app.step()  # the screen is redrawn: this used to raise TypeError (code None)
    assert board.display.lines == [
        "Appairage abandonne",
        "2e demande recue",
        "Code %s annule" % shown,
        "OK: terminer",
    ]
    # OK no longer confirms, and the agent's step 3 gets nothing
    board.keypad.keys.append("OK")
    app.step()
    mtype, _, reply = agent.ask(messages.PAIR, attempt.request())
    assert mtype == messages.ERROR and app.gate.pairing is None
    assert _hello_answers(agent)
    print(reply["msg"])
    # a new opening pairs
    assert len(agent.pair()) == 6 and app.gate.pairing is not None


def test_a_lost_reply_to_step_one_is_answered_again_without_abandon():
    board = FlashBoard(seed=9)
    app = boot(board)
    agent = Agent(app, seed=10)
    _open_screen(app)
    attempt = pairing.AgentPairing("PC-TEST", agent.rng.bytes)
    first = agent.ask(messages.PAIR, attempt.request())
    again = agent.ask(messages.PAIR, attempt.request())
    assert first[0] == again[0] == messages.PAIR and first[2] == again[2]
    assert app.pairing.attempt.state == "committed"


def _fits(board):
    """Every screen shown fits the 4 x 20 display, in ASCII."""
    for lines in board.display.history:
        assert len(lines) == 4, lines
        for line in lines:
            assert len(line) <= 20 and all(32 <= ord(c) < 127 for c in line), lines


def _mitm_step1(agent):
    public = x25519.public_key(bytes(range(1, 33)))
    commit = keyschedule.pair_commitment(public, bytes(16))
    reply = agent.ask(messages.PAIR, {"step": 1, "id": "PC-X", "pub": public, "commit": commit})
    assert reply[0] == messages.PAIR and "nonce" in reply[2]


def test_a_try_abandoned_after_step_one_is_said_on_screen():
    """Outside review F4: the man in the middle stops after step 1 (his code would not
    match): the screen says a PC answered, and closing it says the try was abandoned."""
    board = FlashBoard(seed=3)
    app = boot(board)
    agent = Agent(app, seed=4)
    _open_screen(app)
    _mitm_step1(agent)
    for _ in range(3):
        app.step()
    assert board.display.lines[1] == "Un PC a repondu", board.display.lines
    board.keypad.keys.append("CANCEL")
    app.step()
    assert board.display.lines[:2] == ["Appairage abandonne", "apres contact"]
    board.keypad.keys.append("OK")
    app.step()
    assert not app.pairing.active() and app.gate.pairing is None
    _fits(board)


def test_a_code_computed_then_failed_in_one_read_is_shown():
    """Outside review F4: step 2 and a wrong step 3 in one read computed the code and went
    from the waiting screen to "failed" without ever showing it."""
    board = FlashBoard(seed=3)
    app = boot(board)
    agent = Agent(app, seed=4)
    _open_screen(app)
    _mitm_step1(agent)
    data = agent.wire(messages.PAIR, {"step": 2, "nonce": bytes(16)})
    data += agent.wire(messages.PAIR, {"step": 3, "mac": bytes(32)})
    agent.exchange(data)
    code = app.pairing.attempt.code
    assert code is not None
    lines = board.display.lines
    print(lines)
    assert lines[0] == "Appairage echoue"
    assert lines[1] == "Code %s %s annule" % (code[:3], code[3:])
    _fits(board)


def test_every_pairing_screen_fits_4_x_20_ascii():
    from firmware import pairing as part_module

    app = boot(FlashBoard(seed=3))
    part = app.pairing
    part.open()
    part.attempt.code = "123456"
    part.attempt.agent_id = "PC-CABINET-DU-CENTRE-01"
    _fit_every_view(part, part_module)
    # The PC names itself (PAIR step 1: any text of 1 to 64 characters): on the screens
    # that show it, an accent, NUL, ESC, a combining mark, a direction override or an emoji
    # is a "?" (the paired screen, the unpair screen).
    hostile = "tla-agent@S\u00e9cr\x00\x1b[2J\u0301\u202e\U0001f600"
    part.attempt.agent_id = hostile
    app.gate.set_pairing(pairing.Pairing(bytes(8), bytes(32), hostile))
    _fit_every_view(part, part_module)
    part.view = part_module.PAIRED
    assert part.screen()[1] == "tla-agent@S?cr??[2J?"


def _fit_every_view(part, part_module):
    for view in range(part_module.CUT_OFF + 1):
        part.view = view
        lines = part.screen()
        assert len(lines) == 4, (view, lines)
        for line in lines:
            assert len(line) <= 20 and all(32 <= ord(c) < 127 for c in line), (view, lines)


def test_closing_before_any_pc_answered_says_nothing_of_contact():
    # Found by the TUI test: ANNUL on a pairing screen that no PC reached closes it.
    board = FlashBoard(seed=3)
    app = boot(board)
    _open_screen(app)
    app.board.keypad.keys.append("CANCEL")
    app.step()
    print(board.display.lines)
    assert board.display.lines[0] != "Appairage abandonne"
    assert "apres contact" not in board.display.lines
