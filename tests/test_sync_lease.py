"""Several PCs, one terminal (issue 19 item 3; docs/agent.md "Group practice"): any PC of
the practice unloads any paired terminal (a second agent process with a data folder of its
own, on the same database); while another process holds the terminal's lease, `tla-agent
sync` ends in one line naming the PC and process that hold it (exit 11) and files nothing;
once that holder is SIGKILLed its lease is found dead (PostgreSQL: its advisory lock went
with its connection; SQLite: the kernel dropped its lease file's flock) and the sync goes
through. A row left behind (a failed DELETE, a process id given to another process) blocks
nothing.

Real processes on a real pty, both backends."""

import os
import signal
import socket
import subprocess
import sys
import threading

from emulator import procgroup
from emulator.waiting import until
from host_agent import errors
from host_agent.store import Store
from host_agent.sync import busy
from tests import lots_kit
from tests import sync_kit as kit
from tests.test_sync_pty import LIVENESS_S, Terminal

AGENT = [sys.executable, "-m", "host_agent.cli"]

# Another PC's agent in the middle of a sync: it holds the lease and waits.
_HOLDER = """import sys, time
from host_agent.store import Store
store = Store(sys.argv[1])
holder, lease = store.take_lease(store.terminal(sys.argv[2]))
print("held" if holder is None else "refused", flush=True)
time.sleep(600)
"""


def _sync(port, db, root, data_home):
    """`tla-agent sync` as a PC whose own data folder is `data_home`."""
    return subprocess.run(
        AGENT + ["sync", "--port", port, "--db", lots_kit.db_setting(db), "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=LIVENESS_S,
        env=dict(os.environ, XDG_DATA_HOME=str(data_home)),
    )


def _lease_gone(db, serial) -> bool:
    store = Store(db)
    try:
        holder, lease = store.take_lease(store.terminal(serial))
        if holder is None:
            store.give_back_lease(store.terminal(serial), lease)
        return holder is None
    finally:
        store.close()


def test_a_second_pc_is_told_who_holds_the_terminal_then_unloads_it(tmp_path, db_where):
    term = Terminal(tmp_path, "cpython", 6)
    root = kit.write_root(tmp_path)
    store = Store(db_where)  # PC A pairs
    holder = None
    try:
        kit.pair_over_port(term.t, store, term.port)
        holder = procgroup.start(
            [sys.executable, "-c", _HOLDER, lots_kit.db_setting(db_where), kit.SERIAL],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        refused = _sync(term.port, db_where, root, tmp_path / "pc-b")
        assert refused.returncode == errors.EXIT_BUSY, refused.stderr
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1, lines
        assert (
            "is being synced by %s (process %d, since "
            % (
                socket.gethostname()[:64],
                holder.pid,
            )
            in lines[0]
        ), lines
        assert kit.host_records(store) == ({}, {})  # nothing filed, the terminal keeps all
        holder.send_signal(signal.SIGKILL)  # that PC's agent dies in the middle
        holder.wait(30)
        assert until(lambda: _lease_gone(db_where, kit.SERIAL), LIVENESS_S)
        synced = _sync(term.port, db_where, root, tmp_path / "pc-b")  # PC B, its own folder
        assert synced.returncode == 0, synced.stderr
        assert "6 sheets filed" in synced.stdout, synced.stdout
        filed, quarantined = kit.host_records(store)
        assert filed == term.saved and not quarantined
        again = _sync(term.port, db_where, root, tmp_path / "pc-a")  # PC A: the same cursor
        assert again.returncode == 0 and "0 sheets filed" in again.stdout, again.stderr
        assert _lease_gone(db_where, kit.SERIAL)  # each sync gave its lease back
    finally:
        if holder is not None:
            procgroup.kill_group(holder)
            if holder.stdout is not None:
                holder.stdout.close()
        store.close()
        term.close()


def test_two_connections_of_one_process_take_turns(db_where):
    """Two syncs of one terminal in one `serve` (two worker threads, two connections): the
    second is refused while the first holds the lease, whose row names this process."""
    first, second = Store(db_where), Store(db_where)
    try:
        terminal_id = first.terminal(kit.SERIAL)
        holder, lease = first.take_lease(terminal_id)
        assert holder is None
        results: list = []
        thread = threading.Thread(target=lambda: results.append(second.take_lease(terminal_id)))
        thread.start()
        thread.join(LIVENESS_S)
        ((refused_by, none),) = results
        assert none == {} and refused_by["pid"] == os.getpid()
        error = busy(kit.SERIAL, refused_by)
        assert error.exit_code == errors.EXIT_BUSY and "\n" not in str(error)
        assert refused_by["pc"] in error.french
        first.give_back_lease(terminal_id, lease)
        holder, lease = second.take_lease(terminal_id)
        assert holder is None and lease["pid"] == os.getpid()
        second.give_back_lease(terminal_id, lease)
    finally:
        first.close()
        second.close()


def _stale_row(store, terminal_id, pid) -> None:
    """A lease row of this PC naming process `pid`, whose holder no longer holds it."""
    with store.transaction() as db:
        db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?)",
            ("sync_lease:%d" % terminal_id,
             '{"pc": "%s", "pid": %d, "since": 1, "token": "old"}'
             % (socket.gethostname()[:64], pid)),
        )  # fmt: skip


def test_a_row_naming_a_live_unrelated_process_does_not_block(db_where):
    """The holder died and the system gave its process id to another process (here a
    `sleep`, alive): the row is no lease, the terminal is unloaded."""
    store = Store(db_where)
    unrelated = procgroup.start(["sleep", "600"])
    try:
        terminal_id = store.terminal(kit.SERIAL)
        _stale_row(store, terminal_id, unrelated.pid)
        holder, lease = store.take_lease(terminal_id)
        assert holder is None and lease["pid"] == os.getpid()
        assert store.lease_holder(terminal_id)["token"] == lease["token"]  # overwritten
        store.give_back_lease(terminal_id, lease)
        assert store.lease_holder(terminal_id) is None
    finally:
        procgroup.kill_group(unrelated)
        store.close()


def test_a_lease_whose_delete_failed_does_not_block_this_process(db_where):
    """A `serve` gives a lease back and the DELETE of its row fails (the disk, the server):
    the row stays, naming this very process, alive; the next unloading goes through all
    the same, from another connection of the same process."""
    first, second = Store(db_where), Store(db_where)
    try:
        terminal_id = first.terminal(kit.SERIAL)
        holder, lease = first.take_lease(terminal_id)
        assert holder is None
        execute = first.db.execute

        def failing(sql, args=()):
            if sql.startswith("DELETE FROM settings"):
                raise OSError("disk I/O error")
            return execute(sql, args)

        first.db.execute = failing
        try:
            first.give_back_lease(terminal_id, lease)
        except OSError:
            pass
        first.db.execute = execute
        assert second.lease_holder(terminal_id)["pid"] == os.getpid()  # the row stayed
        holder, lease = second.take_lease(terminal_id)
        assert holder is None, holder
        second.give_back_lease(terminal_id, lease)
    finally:
        first.close()
        second.close()


def test_a_closed_store_drops_its_leases(db_where):
    """A `serve` worker's store closed in the middle of a sync (its thread's error): the
    lease goes with it, as with a process that ends."""
    first, second = Store(db_where), Store(db_where)
    try:
        terminal_id = first.terminal(kit.SERIAL)
        assert first.take_lease(terminal_id)[0] is None
        assert second.take_lease(terminal_id)[0] is not None  # held
        first.close()
        holder, lease = second.take_lease(terminal_id)
        assert holder is None, holder
        second.give_back_lease(terminal_id, lease)
    finally:
        second.close()
