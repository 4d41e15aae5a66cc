"""The CPS's PIN, handed to host_agent/sealing.py as a bytearray, is zeros once sealing has
refused it or used it, whatever the outcome: malformed (never sent to the card), wrong
(the card counts a try), right (the lots sealed). What the CLI and the page pass is then
all that could have kept it, and it no longer holds it."""

import pytest

from emulator.cards import fixtures
from host_agent import lots, sealing
from tests import lots_kit as kit


@pytest.fixture
def session(tmp_path, db_where):
    store, _ = kit.store_with_day(db_where)
    lots.build(store, kit.NOW)
    app = kit.cps_app("nurse")
    chosen, others = sealing.lots_to_seal(store, app, [])
    yield store, sealing.Session(app, sealing.holder(app), chosen, others, 3)
    app.forget()
    store.close()


def _sealed(store):
    return lots.all_lots(store, (lots.SEALED,))


@pytest.mark.parametrize("typed", [b"12", b"12a4", b"123456"])
def test_a_malformed_pin_is_wiped_and_never_reaches_the_card(session, typed):
    store, s = session
    pin = bytearray(typed)
    with pytest.raises(sealing.SealError, match="4 digits"):
        sealing.seal_lots(store, s, pin, kit.root_der())
    assert pin == bytearray(len(typed))
    assert s.app.tries_left() == 3 and not _sealed(store)


def test_a_wrong_pin_is_wiped(session):
    store, s = session
    right = fixtures.pin("nurse")
    wrong = ("%04d" % ((int(right) + 1) % 10000)).encode()
    pin = bytearray(wrong)
    with pytest.raises(sealing.SealError, match="wrong PIN"):
        sealing.seal_lots(store, s, pin, kit.root_der())
    assert pin == bytearray(4) and not _sealed(store)


def test_the_right_pin_is_wiped_once_the_lots_are_sealed(session):
    store, s = session
    pin = bytearray(fixtures.pin("nurse").encode())
    done = sealing.seal_lots(store, s, pin, kit.root_der())
    assert done and pin == bytearray(4)
