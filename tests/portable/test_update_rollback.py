"""A new version that does not boot, or fails its self-test, is rolled back (docs/board.md
"Updates"), every interpreter: the bootloader boots a version on trial at most MAX_TRIES
times; the version that never confirms itself, or whose self-test fails, gives way to the
one before, which says so once; that image is never taken again; the sheets untouched."""

from _update_kit import (
    IMAGE,
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
)

from firmware import update_screens, version
from hw import bootloader, hal
from protocol import messages
from protocol import update_messages as um


def _switched():
    """A terminal that took SIGNED["ok"] and restarted into it; (board, agent, sheets)."""
    app, agent = paired()
    before = sheets_of(app)
    send_manifest(agent, SIGNED["ok"])
    assert send_chunks(agent, IMAGE)[1]["ready"] is True
    try:
        idle_past_sync(app)
    except hal.Restart:
        return app.board, agent, before
    raise AssertionError("no switch")


def _gives_up(board):
    """The trial's first boot: its self-test fails and it restarts."""
    try:
        start(board)
    except hal.Restart:
        return
    raise AssertionError("the trial went on")


def _back_screen(app):
    lines = update_screens.rolled_back("0.2.0", "0.1.0")
    check_screen(lines)
    assert app.notice == lines, app.notice
    app.step()
    assert app.board.display.lines == lines


def test_a_version_that_never_confirms_itself_is_rolled_back():
    board, agent, before = _switched()
    try:
        for tries in range(1, bootloader.MAX_TRIES + 1):
            board = board.power_cycle()  # the new version dies before its self-test
            assert board.boot_state == "trial" and board.booted.slot == 0
            assert board.boot_records().read()["try"][3] == tries
        board = board.power_cycle()  # its boots are spent: the factory image runs
        assert board.booted.slot == bootloader.FACTORY and board.boot_state == "back"
        app = start(board)
        assert version.FIRMWARE_VERSION == "0.1.0"
        _back_screen(app)
        record = board.boot_records().read()
        assert record["last"] == [2, "0.2.0", "back", "it did not confirm itself", True]
        assert sheets_of(app) == before
        # Said once: the next boot is a plain one.
        assert start(board.power_cycle()).notice is None
        # The same image is never taken again.
        agent = again(app, agent)
        s = um.read_state(ask(agent, um.query())[1])
        assert s["last"] == [2, "0.2.0", "back", "it did not confirm itself"], s
        mtype, reply = send_manifest(agent, SIGNED["ok"])
        assert mtype == messages.ERROR and reply["code"] == messages.E_UPDATE, reply
        assert app.notice == update_screens.refused("failed", "0.1.0")
        # A newer one is.
        assert send_manifest(agent, SIGNED["newer"])[1] == {"next": 0, "ready": False}
    finally:
        reset_version()


def test_a_version_whose_self_test_fails_gives_its_trial_up():
    board, agent, before = _switched()
    try:
        board = board.power_cycle()
        assert board.boot_state == "trial"
        board.booted.manifest.version = "0.2.0-other"  # the image is not what it says
        _gives_up(board)
        record = board.boot_records().read()
        assert record["try"] is None and record["active"] == -1, record
        assert record["last"][2:4] == ["back", "it is not the version its manifest names"]
        board = board.power_cycle()
        assert board.booted.slot == bootloader.FACTORY and board.boot_state == "back"
        app = start(board)
        _back_screen(app)
        assert sheets_of(app) == before
    finally:
        reset_version()


def test_a_self_test_that_misses_a_sheet_gives_its_trial_up():
    board, agent, before = _switched()
    try:
        record = board.boot_records().read()
        record["held"][1] += 1  # the old version held one more sheet than the new one finds
        board.boot_records().write(record)
        board = board.power_cycle()
        _gives_up(board)
        record = board.boot_records().read()
        assert record["last"][3] == "it does not find every sheet kept", record
    finally:
        reset_version()


def test_a_damaged_active_slot_boots_the_factory_image():
    board, agent, before = _switched()
    try:
        board = board.power_cycle()
        app = start(board)  # confirmed: slot 0 active
        assert board.boot_records().read()["active"] == 0
        slot = board.update_slots()[0]
        slot.dev.ioctl(6, 4)  # a block of its image erased
        board = board.power_cycle()
        assert board.booted.slot == bootloader.FACTORY and board.boot_state == "damaged"
        app = start(board)
        assert app.notice == update_screens.damaged()
        assert sheets_of(app) == before
    finally:
        reset_version()
