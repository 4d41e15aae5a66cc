"""A signed update through the terminal's sealed link (every interpreter; docs/board.md
"Updates"): the manifest checked, the image taken chunk by chunk into the spare slot, the
switch once idle, the trial boot, the self-test and the confirmation; the counter raised so
that no older image is taken again; the next update into the other slot. The bad bundles
are in test_update_refused.py, power cuts in tests/test_update_powercut.py."""

from _update_kit import (
    EXPECT,
    IMAGE,
    NEWER,
    SIGNED,
    again,
    ask,
    check_screen,
    idle_past_sync,
    paired,
    reset_version,
    send_chunks,
    send_manifest,
    sheets_of,
    start,
    state,
)

from firmware import update_screens
from hw import hal
from protocol import messages
from protocol import update_messages as um


def _take(app, agent, name="ok", image=IMAGE):
    mtype, reply = send_manifest(agent, SIGNED[name])
    assert (mtype, reply) == (messages.UPDATE, {"next": 0, "ready": False}), reply
    mtype, reply = send_chunks(agent, image)
    assert mtype == messages.UPDATE and reply["ready"] is True, reply


def _switch(app):
    """Step the idle App until it restarts; the record it left."""
    try:
        idle_past_sync(app)
    except hal.Restart:
        return app.board.boot_records().read()
    raise AssertionError("the terminal did not switch")


def test_an_update_is_taken_switched_on_trial_and_confirmed_sheets_kept():
    app, agent = paired()
    before = sheets_of(app)
    s = state(agent)
    assert s["run"] == ["0.1.0", 1] and s["slot"] is None and s["last"] is None, s
    assert EXPECT["ok"] == "ok"
    _take(app, agent)
    assert ("EVENT", {"update_ready": "0.2.0"}) in app.board.events
    assert app.notice == update_screens.ready("0.2.0")
    s = state(agent)
    assert s["slot"][0] == 2 and s["slot"][2] == 5 and s["ready"] is True, s
    record = _switch(app)
    assert record["try"][:2] == [0, 2] and record["try"][3:] == [0, "0.2.0"], record
    assert record["held"] == [4, 3, False], record  # next record 4, 3 sheets not acked
    assert app.board.display.lines == update_screens.switching("0.2.0")

    new = start(app.board.power_cycle())  # the bootloader boots slot 0 on trial
    try:
        assert new.board.boot_state == "trial"
        record = new.board.boot_records().read()
        assert record["active"] == 0 and record["floor"] == 2 and record["try"] is None, record
        assert record["last"] == [2, "0.2.0", "ok", "", True]
        assert new.notice == update_screens.confirmed("0.2.0")
        assert sheets_of(new) == before
        agent = again(new, agent)
        s = state(agent)
        assert s["run"] == ["0.2.0", 2] and s["last"] == [2, "0.2.0", "ok", ""], s
        # Booted again: the confirmed version, no trial, no message.
        third = start(new.board.power_cycle())
        assert third.board.boot_state is None and third.board.booted.slot == 0
        assert third.notice is None and sheets_of(third) == before
    finally:
        reset_version()


def test_the_confirmed_counter_is_the_floor_and_the_next_update_goes_to_the_other_slot():
    app, agent = paired()
    _take(app, agent)
    _switch(app)
    new = start(app.board.power_cycle())
    try:
        agent = again(new, agent)
        # The same update again, or any at or below counter 2: refused.
        mtype, reply = send_manifest(agent, SIGNED["ok"])
        assert mtype == messages.ERROR and reply["code"] == messages.E_UPDATE, reply
        assert "counter 2" in reply["msg"]
        mtype, reply = send_manifest(agent, SIGNED["newer"])
        assert reply == {"next": 0, "ready": False}, reply
        mtype, reply = send_chunks(agent, NEWER)
        assert reply["ready"] is True, reply
        record = _switch(new)
        assert record["try"][0] == 1 and record["active"] == 0, record  # the other slot
        third = start(new.board.power_cycle())
        record = third.board.boot_records().read()
        assert record["active"] == 1 and record["floor"] == 3, record
        assert third.board.booted.manifest.version == "0.3.0"
    finally:
        reset_version()


def test_an_interrupted_transfer_resumes_after_a_reboot():
    app, agent = paired()
    send_manifest(agent, SIGNED["ok"])
    mtype, reply = send_chunks(agent, IMAGE, 0, 3)
    assert reply == {"next": 3, "ready": False}, reply
    # The terminal restarts (its slot holds the manifest and 3 chunks): asked, it says so.
    new = start(app.board.power_cycle())
    try:
        assert new.board.boot_state is None and new.update is None
        agent = again(new, agent)
        s = state(agent)
        assert s["slot"][2] == 3 and s["ready"] is False, s
        # The same manifest again: nothing rewritten, the same place.
        assert send_manifest(agent, SIGNED["ok"])[1] == {"next": 3, "ready": False}
        mtype, reply = send_chunks(agent, IMAGE, 3)
        assert reply == {"next": 5, "ready": True}, reply
    finally:
        reset_version()


def test_a_repeated_chunk_is_answered_without_being_written_again():
    app, agent = paired()
    send_manifest(agent, SIGNED["ok"])
    send_chunks(agent, IMAGE, 0, 2)
    writes = app.board.flash.writes
    mtype, reply = ask(agent, um.chunk(0, IMAGE[:1024]))  # its answer was lost: sent again
    assert reply == {"next": 2, "ready": False} and app.board.flash.writes == writes


def test_the_switch_waits_for_an_idle_terminal():
    app, agent = paired()
    _take(app, agent)
    app.board.keypad.keys.append("OK")  # the "update received" screen, seen
    app.step()  # a sync message a moment ago: the sync is running
    assert app.notice is None and app.board.boot_records().read()["try"] is None
    app.board.clock.sleep_ms(6000)
    app.board.keypad.keys.append("MENU")  # the menu owns the screen
    app.step()
    assert app.owner() is app.menu
    app.step()
    assert app.board.boot_records().read()["try"] is None
    app.board.keypad.keys.append("CANCEL")  # the menu closed: the switch comes
    record = _switch(app)
    assert app.owner() is None
    assert record["try"] is not None


def test_every_update_screen_is_four_lines_of_twenty_ascii():
    for reason in list(update_screens.WHY) + ["unknown"]:
        check_screen(update_screens.refused(reason, "0.1.0"))
    for lines in (
        update_screens.ready("0.12.345"),
        update_screens.switching("0.12.345"),
        update_screens.rolled_back("10.20.30-rc1", "0.1.0"),
        update_screens.confirmed("0.2.0"),
        update_screens.damaged(),
        update_screens.refused("chunk", "16-characters-xx"),
    ):
        check_screen(lines)
