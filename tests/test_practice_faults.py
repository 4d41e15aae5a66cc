"""A group practice under faults, the small sample (issue 19 item 5; the full size is `make
bench ARGS=multi`): two PCs (`tla-agent sync` processes with data folders of their own) and
two emulated terminals on paced ptys, one database. One agent is SIGKILLed in the middle of
its sync; on PostgreSQL the server is stopped in the middle of the other's, a sync started
while it is down ends in one line (exit 6), and it is started again. Then each PC unloads the
other's terminal, and two PCs build lots at once. At every step: no sheet acknowledged to a
terminal before its commit, none filed twice or altered; at the end every sheet filed and
acknowledged, each in one live lot, and `tla-agent check` clean.

Where the kill and the stop fall is the scheduler's; every promise holds wherever they fall,
so no outcome here depends on timing (the waits are liveness bounds)."""

import signal
import time

import pytest

from emulator.waiting import until
from host_agent import errors
from host_agent.store import Store
from tests import postgres_kit, sync_kit
from tests import practice_kit as kit
from tests.postgres_fixtures import skip_without_postgres

SHEETS = 120  # per terminal: two batches of 64, a few seconds on the paced line
SERIALS = ("TLA-PRACTICE-01", "TLA-PRACTICE-02")


@pytest.fixture
def server():
    skip_without_postgres()
    own = postgres_kit.Server()  # its own: this test stops and restarts it
    try:
        yield own.start()
    finally:
        own.stop()


def _cut_mid_sync(proc, where, serial):
    """Wait until the running sync filed something (or ended), for the fault to fall in it."""
    assert until(
        lambda: proc.poll() is not None or kit.filed_count(where, serial) > 0, kit.LIVENESS_S
    )


def _sync_until_done(term, where, root, home):
    """Sync `term` again until it holds nothing unacknowledged (a lease left by a killed PC
    is found dead; a refused sync is said in one line)."""
    for _ in range(5):
        code, out, err = kit.finished(kit.start_sync(term, where, root, home))
        assert code in (0, errors.EXIT_BUSY), (code, err)
        if code == 0 and "0 sheets filed" in out:
            return
        if code == errors.EXIT_BUSY:
            assert len(err.strip().splitlines()) == 1, err
            time.sleep(0.5)  # the dead holder's session closing: a pause, not a timing
    raise AssertionError("terminal %s not unloaded in 5 syncs" % term.serial)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_killed_agent_and_a_stopped_server_lose_nothing(tmp_path, backend, request):
    pg = request.getfixturevalue("server") if backend == "postgresql" else None
    where = pg.new_database() if pg is not None else tmp_path / "practice.db"
    root = sync_kit.write_root(tmp_path)
    homes = [tmp_path / "pc-1", tmp_path / "pc-2"]
    terminals = []
    try:
        store = Store(where)
        for n, serial in enumerate(SERIALS):
            terminals.append(kit.PtyTerminal(tmp_path / ("t%d" % n), serial, SHEETS))
            sync_kit.pair_over_port(terminals[-1].t, store, terminals[-1].port)
        store.close()
        one, two = terminals
        # PC 1's agent dies in the middle of terminal 1's sync.
        proc = kit.start_sync(one, where, root, homes[0])
        _cut_mid_sync(proc, where, one.serial)
        proc.send_signal(signal.SIGKILL)
        kit.finished(proc)
        assert kit.problems(where, terminals, final=False) == []
        if pg is not None:
            # The server stops in the middle of PC 2's sync of terminal 2.
            proc = kit.start_sync(two, where, root, homes[1])
            _cut_mid_sync(proc, where, two.serial)
            pg.halt()
            code, out, err = kit.finished(proc)
            assert code in (0, errors.EXIT_DATABASE), (code, err)
            if code:
                assert len(err.strip().splitlines()) == 1, err
            # While it is down a sync ends in one line and the terminal keeps its sheets.
            before = two.states()
            code, out, err = kit.finished(kit.start_sync(two, where, root, homes[0]))
            assert code == errors.EXIT_DATABASE and len(err.strip().splitlines()) == 1, err
            assert "database server" in err and two.states() == before
            pg.restart()
            assert kit.problems(where, terminals, final=False) == []
        # Each PC unloads the other's terminal (the killed one's lease found dead).
        _sync_until_done(one, where, root, homes[1])
        _sync_until_done(two, where, root, homes[0])
        built = [
            kit.agent(where, "lots", "build", data_home=home) for home in homes
        ]  # one after the other here; tests/test_lots_several_pcs.py runs them together
        assert all(b.returncode == 0 for b in built), [b.stderr for b in built]
        assert kit.problems(where, terminals, final=True) == []
        checked = kit.agent(where, "check", "--root", str(root), data_home=homes[0])
        assert checked.returncode == 0, checked.stdout + checked.stderr
    finally:
        for term in terminals:
            term.close()
