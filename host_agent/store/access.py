"""The access log, the opposition list and its versions, and the per-terminal listings of
sheets, quarantine and access log (Store has these methods through Logs)."""

import time

from host_agent.store.connection import Connection
from protocol import opposition_entries


class Logs:
    """Methods of Store (its `db` and `transaction()`)."""

    db: Connection

    def transaction(self):
        raise NotImplementedError  # Store's

    # ---------------------------------------------------------------- access log

    def log_head(self, terminal_id: int):
        """(entry number, SHA-256) of the last access-log entry filed, or (0, None)."""
        row = self.db.execute(
            "SELECT entry_no, chain FROM access_log WHERE terminal_id = ? "
            "ORDER BY entry_no DESC LIMIT 1",
            (terminal_id,),
        ).fetchone()
        return (row["entry_no"], bytes(row["chain"])) if row else (0, None)

    def add_log(self, terminal_id: int, entries) -> None:
        """File access-log entries (host_agent.answers.LogEntry) and move the cursor."""
        if not entries:
            return
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO access_log (terminal_id, entry_no, at, who, card, card_id, what, prev,"
                " chain, chain_ok) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                [(terminal_id, *e.row()) for e in entries],
            )
            db.execute(
                "UPDATE terminals SET access_cursor = ? WHERE id = ? AND access_cursor < ?",
                (entries[-1].number, terminal_id, entries[-1].number),
            )

    # ---------------------------------------------------------------- opposition list

    def opposition_version(self):
        """(version, count, SHA-256) of the current list, or (0, 0, None) when none."""
        row = self.db.execute(
            "SELECT version, count, sha256 FROM opposition_versions ORDER BY version DESC LIMIT 1"
        ).fetchone()
        return (row["version"], row["count"], bytes(row["sha256"])) if row else (0, 0, None)

    def replace_opposition(self, entries: list, source: str):
        """Make `entries` (sorted, distinct 5-byte entries) the current list: a new version
        with its changes, unless it is the same list. Returns (version, added, removed)."""
        version, _, sha = self.opposition_version()
        digest = opposition_entries.digest(entries)
        if digest == sha:
            return version, 0, 0
        wanted = set(entries)
        with self.transaction() as db:
            held = {bytes(r[0]) for r in db.execute("SELECT entry FROM opposition")}
            added = sorted(wanted - held)
            removed = sorted(held - wanted)
            version += 1
            db.executemany("DELETE FROM opposition WHERE entry = ?", [(e,) for e in removed])
            db.executemany("INSERT INTO opposition (entry) VALUES (?)", [(e,) for e in added])
            db.executemany(
                "INSERT INTO opposition_changes (version, entry, added) VALUES (?, ?, ?)",
                [(version, e, 1) for e in added] + [(version, e, 0) for e in removed],
            )
            db.execute(
                "INSERT INTO opposition_versions (version, created, count, sha256, source) "
                "VALUES (?, ?, ?, ?, ?)",
                (version, int(time.time()), len(entries), digest, source),
            )
        return version, len(added), len(removed)

    def opposition_entries(self):
        """The current list's entries, ascending."""
        for (entry,) in self.db.execute("SELECT entry FROM opposition ORDER BY entry"):
            yield bytes(entry)

    def opposition_delta(self, base: int):
        """(added, removed) entries, ascending, that turn version `base` into the current
        list; None when `base` is not a version of this database."""
        current = self.opposition_version()[0]
        if base < 1 or base > current:
            return None
        rows = self.db.execute(
            "SELECT entry, added FROM opposition_changes c WHERE version > ? AND version = "
            "(SELECT MAX(version) FROM opposition_changes d WHERE d.entry = c.entry AND "
            "d.version > ?) ORDER BY entry",
            (base, base),
        ).fetchall()
        added = [bytes(r["entry"]) for r in rows if r["added"]]
        removed = [bytes(r["entry"]) for r in rows if not r["added"]]
        return added, removed

    # ---------------------------------------------------------------- reading (tla-agent)

    def sheets(self, serial: str | None = None, limit: int = 0) -> list:
        """Filed sheets, newest first, with their terminal's serial."""
        return self._per_terminal("sheets", serial, "x.id DESC", limit)

    def quarantined(self, serial: str | None = None, limit: int = 0) -> list:
        return self._per_terminal("quarantine", serial, "x.id DESC", limit)

    def sheet_row(self, sheet_id: int, quarantine: bool = False):
        table = "quarantine" if quarantine else "sheets"
        return self.db.execute(_WITH_SERIAL % table + " WHERE x.id = ?", (sheet_id,)).fetchone()

    def access_log(self, serial: str | None = None, limit: int = 0) -> list:
        return self._per_terminal("access_log", serial, "t.serial, x.entry_no DESC", limit)

    def _per_terminal(self, table: str, serial: str | None, order: str, limit: int) -> list:
        """The rows of `table` (of `serial`'s terminal only, if given) with their terminal's
        serial, in `order`, at most `limit` (0: all)."""
        sql = _WITH_SERIAL % table
        args: tuple = ()
        if serial:
            sql += " WHERE t.serial = ?"
            args = (serial,)
        sql += " ORDER BY " + order + (" LIMIT %d" % limit if limit else "")
        return self.db.execute(sql, args).fetchall()


# A table's rows (as x) with their terminal's serial (as terminal).
_WITH_SERIAL = "SELECT x.*, t.serial AS terminal FROM %s x JOIN terminals t ON t.id = x.terminal_id"
