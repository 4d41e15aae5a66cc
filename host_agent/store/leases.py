"""Which PC is unloading a terminal (issue 19 item 3): a sync takes the terminal's lease
before it opens a session, and gives it back at its end, so that the same terminal synced
from two PCs (or two processes of one PC) at once is synced by one; the other is told in one
line which PC holds it (docs/agent.md "Group practice").

The lease is a row of `settings` (key `sync_lease:<terminal id>`, no migration): the holder's
PC name, process id, start and a token of its own, for the message. Whether its holder still
lives is decided apart from the row, so a holder SIGKILLed or cut off never blocks a terminal:

- PostgreSQL: a session advisory lock (key LEASE_LOCK, the terminal's id) on the holder's
  connection. The server releases it the moment that connection ends (process killed, PC
  off, cable pulled: the server's TCP keepalive), and a PC whose try succeeds overwrites a
  row left behind.
- SQLite (one PC): the holder's process is asked whether it still runs (system.process_alive);
  a row written by another machine (a file on a share, which the store does not support)
  is taken as lapsed after FOREIGN_LEASE_S.
"""

import json
import os
import secrets
import socket
import time

from host_agent.store.connection import Connection
from host_agent.system import current as system

LEASE_LOCK = 0x746C62  # pg_try_advisory_lock(LEASE_LOCK, terminal id): not the writers' key
FOREIGN_LEASE_S = 3600


def _key(terminal_id: int) -> str:
    return "sync_lease:%d" % terminal_id


class Leases:
    """Methods of Store (its `db` and `transaction()`)."""

    db: Connection

    def transaction(self):
        raise NotImplementedError  # Store's

    def take_lease(self, terminal_id: int, now: int | None = None) -> tuple[dict | None, dict]:
        """(None, ours) when this connection now holds the terminal's lease; (holder, {})
        when a living holder has it: {"pc", "pid", "since"}."""
        ours = {
            "pc": socket.gethostname()[:64],
            "pid": os.getpid(),
            "since": int(time.time()) if now is None else now,
            "token": secrets.token_hex(8),
        }
        if self.db.dialect != "sqlite":
            got = self.db.execute(
                "SELECT pg_try_advisory_lock(?, ?)", (LEASE_LOCK, terminal_id)
            ).scalar()
            if not got:
                return self.lease_holder(terminal_id) or {"pc": "?", "pid": 0, "since": 0}, {}
        try:
            with self.transaction() as db:
                if db.dialect == "sqlite":
                    holder = self.lease_holder(terminal_id)
                    if holder is not None and _alive(holder, ours["since"]):
                        return holder, {}
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
        """End the lease `ours` (its row, if still ours, and the server's lock)."""
        holder = self.lease_holder(terminal_id)
        if holder is not None and holder["token"] == ours.get("token"):
            self.db.execute("DELETE FROM settings WHERE key = ?", (_key(terminal_id),))
        self._unlock(terminal_id)

    def _unlock(self, terminal_id: int) -> None:
        if self.db.dialect != "sqlite" and not self.db.raw.invalidated:
            self.db.execute("SELECT pg_advisory_unlock(?, ?)", (LEASE_LOCK, terminal_id)).scalar()


def _alive(holder: dict, now: int) -> bool:
    """SQLite: whether the lease row's holder still runs (module docstring)."""
    if holder["pid"] <= 0:
        return False
    if holder["pc"] != socket.gethostname()[:64]:
        return now - holder["since"] < FOREIGN_LEASE_S
    return system.process_alive(holder["pid"])
