"""The agent's pairing counts down while the terminal waits for its OK (issue 13: "press OK
on the terminal", not 120 s of silence), on a virtual clock: each second left is told once,
in order, until OK is pressed; without OK the pairing ends at the deadline, nothing kept."""

from emulator.linksim import Faults, World
from host_agent.client import LinkClient
from host_agent.pair import PairError, pair
from host_agent.store import Store
from tests.sync_kit import SERIAL


def _pair(tmp_path, press_ok_at, db_where):
    world = World(serial=SERIAL, seed=0, faults=Faults.none())
    store = Store(db_where)
    world.press("MENU", "1")
    world.run_for(0.1)
    link = LinkClient(world.agent_port(), clock=world.monotonic)
    told = []

    def waiting(left):
        told.append(left)
        if left == press_ok_at:
            world.press("OK")  # the user reads "press OK on the terminal" and does

    def confirm(code, serial):
        return world.app.pairing.attempt.code == code

    try:
        pair(
            link,
            store,
            confirm,
            rng=world.random_bytes,
            sleep=world.run_for,
            waiting=waiting,
            wait_s=20,
        )
        return told, None, store
    except PairError as e:
        return told, e, store


def test_the_wait_for_ok_counts_down_each_second(tmp_path, db_where):
    told, error, store = _pair(tmp_path, press_ok_at=17, db_where=db_where)
    print(told)
    assert error is None and store.pairing(SERIAL) is not None
    assert told[:4] == [20, 19, 18, 17] and told == sorted(set(told), reverse=True)


def test_without_ok_the_countdown_ends_at_the_deadline_and_nothing_is_kept(tmp_path, db_where):
    told, error, store = _pair(tmp_path, press_ok_at=-1, db_where=db_where)
    assert error is not None and "within 20 s" in str(error)
    assert told == list(range(20, 0, -1))
    assert store.pairing(SERIAL) is None
