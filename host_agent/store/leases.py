"""Which PC is unloading a terminal (issue 19 item 3): a sync takes the terminal's lease
before it opens a session, and gives it back at its end, so that the same terminal synced
from two PCs (or two processes of one PC) at once is synced by one; the other is told in one
line which PC holds it (docs/agent.md "Group practice").

The lease is a row of `settings` (key `sync_lease:<terminal id>`, no migration): the holder's
PC name, process id, start and a token of its own, for the message only. Whether its holder
still lives is a lock the system drops with its holder, never the row, so a holder SIGKILLed
or cut off, a row its DELETE failed to remove, or a row naming a process id the system has
given to another process since, never blocks a terminal:

- PostgreSQL: a session advisory lock (key LEASE_LOCK, the terminal's id) on the holder's
  connection. The server releases it the moment that connection ends (process killed, PC
  off, cable pulled: the server's TCP keepalive).
- SQLite (one PC): an exclusive flock of the file `<id>` in the folder `<database>-leases`
  beside the database (0700; system.try_lock), held by the holder's open file: the kernel
  drops it when that file is closed or its process ends.

A PC whose try gets the lock overwrites a row left behind.
"""

import json
import os
import secrets
import socket
import time

from host_agent import files
from host_agent.store.connection import Connection
from host_agent.system import current as system

LEASE_LOCK = 0x746C62  # pg_try_advisory_lock(LEASE_LOCK, terminal id): not the writers' key


def _key(terminal_id: int) -> str:
    return "sync_lease:%d" % terminal_id


class Leases:
    """Methods of Store (its `db` and `transaction()`)."""

    db: Connection
    # {terminal id: the open lease file holding its flock (SQLite), or None (PostgreSQL's
    # advisory lock)}: the leases this store holds (Store.__init__ makes it, close drops them).
    leases_held: dict

    def transaction(self):
        raise NotImplementedError  # Store's

    def take_lease(self, terminal_id: int, now: int | None = None) -> tuple[dict | None, dict]:
        """(None, ours) when this store now holds the terminal's lease; (holder, {}) when
        another holds it: {"pc", "pid", "since"} as its row says."""
        ours = {
            "pc": socket.gethostname()[:64],
            "pid": os.getpid(),
            "since": int(time.time()) if now is None else now,
            "token": secrets.token_hex(8),
        }
        if not self._lock(terminal_id):
            return self.lease_holder(terminal_id) or {"pc": "?", "pid": 0, "since": 0}, {}
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO settings (key, value) VALUES (?, ?) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (_key(terminal_id), json.dumps(ours)),
                )
        except BaseException:
            try:
                self._unlock(terminal_id)  # a `serve` connection lives on: never left locked
            except Exception:
                pass  # the first error is the one to tell
            raise
        return None, ours

    def lease_holder(self, terminal_id: int) -> dict | None:
        """Who the lease row names (alive or not), or None."""
        row = self.db.execute(
            "SELECT value FROM settings WHERE key = ?", (_key(terminal_id),)
        ).fetchone()
        if row is None:
            return None
        try:
            holder = json.loads(row["value"])
            return {
                "pc": str(holder["pc"]),
                "pid": int(holder["pid"]),
                "since": int(holder["since"]),
                "token": str(holder.get("token", "")),
            }
        except (ValueError, KeyError, TypeError):
            return {"pc": "?", "pid": 0, "since": 0, "token": ""}  # unreadable: lapsed

    def give_back_lease(self, terminal_id: int, ours: dict) -> None:
        """End the lease `ours`: its row, if still ours, then the lock, even when the row
        could not be deleted (the next holder overwrites it)."""
        try:
            holder = self.lease_holder(terminal_id)
            if holder is not None and holder["token"] == ours.get("token"):
                self.db.execute("DELETE FROM settings WHERE key = ?", (_key(terminal_id),))
        finally:
            self._unlock(terminal_id)

    def _lock(self, terminal_id: int) -> bool:
        """Whether this store now holds the terminal's lock (module docstring)."""
        held = self.leases_held
        if terminal_id in held:
            return False  # this store holds it already: one sync at a time still
        if self.db.dialect != "sqlite":
            got = self.db.execute(
                "SELECT pg_try_advisory_lock(?, ?)", (LEASE_LOCK, terminal_id)
            ).scalar()
            if got:
                held[terminal_id] = None
            return bool(got)
        folder = self.db.where.with_name(self.db.where.name + "-leases")
        files.private_folder(folder)
        fd = system.try_lock(folder / str(int(terminal_id)))
        if fd is None:
            return False
        held[terminal_id] = fd
        return True

    def _unlock(self, terminal_id: int) -> None:
        held = self.leases_held
        if terminal_id not in held:
            return
        fd = held.pop(terminal_id)
        if fd is not None:
            os.close(fd)  # the kernel drops the flock with it
        elif not self.db.raw.invalidated:
            self.db.execute("SELECT pg_advisory_unlock(?, ?)", (LEASE_LOCK, terminal_id)).scalar()

    def close_leases(self) -> None:
        """The store closes: its leases' locks dropped now (the server would drop its
        advisory locks with the connection, but only once it has seen it end)."""
        for terminal_id in list(self.leases_held):
            try:
                self._unlock(terminal_id)
            except Exception:
                pass  # a server gone: it dropped them with the connection
