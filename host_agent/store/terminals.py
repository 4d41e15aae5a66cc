"""The terminals this PC knows, its pairings with them, the card certificates they sent, the
sync sessions and the agent's settings (Store has these methods through Terminals)."""

import socket
import time

from host_agent.store.connection import Connection
from host_agent.store.sheet_search import like_escaped
from protocol.pairing import Pairing

# A revoked pairing's key, overwritten with as many zero bytes (never readable again).
_ZEROS = {
    "sqlite": "zeroblob(length(pairing_key))",
    "postgresql": "decode(repeat('00', length(pairing_key)), 'hex')",
}


class Terminals:
    """Methods of Store (its `db` and `transaction()`)."""

    db: Connection

    def transaction(self):
        raise NotImplementedError  # Store's

    # ---------------------------------------------------------------- terminals

    def terminal(self, serial: str, model: str = "", firmware: str = "") -> int:
        """Id of the terminal with this serial number, registered on first sight."""
        now = int(time.time())
        row = self.db.execute("SELECT id FROM terminals WHERE serial = ?", (serial,)).fetchone()
        if row:
            self.db.execute(
                "UPDATE terminals SET last_seen = ?, model = COALESCE(NULLIF(?, ''), model), "
                "firmware = COALESCE(NULLIF(?, ''), firmware) WHERE id = ?",
                (now, model, firmware, row["id"]),
            )
            return row["id"]
        return self.db.execute(
            "INSERT INTO terminals (serial, model, firmware, first_seen, last_seen) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            (serial, model, firmware, now, now),
        ).scalar()

    def terminal_row(self, serial: str):
        return self.db.execute("SELECT * FROM terminals WHERE serial = ?", (serial,)).fetchone()

    def order_highs(self, serial: str, limit: int) -> list:
        """(professional, highest order number) of the sheets filed from terminal `serial`,
        one pair per professional, for the `limit` professionals whose sheets came last."""
        return [
            (row["professional"], row["high"])
            for row in self.db.execute(
                "SELECT s.professional, MAX(s.order_no) AS high FROM sheets s "
                "JOIN terminals t ON t.id = s.terminal_id WHERE t.serial = ? "
                "GROUP BY s.professional ORDER BY MAX(s.id) DESC LIMIT ?",
                (serial, limit),
            )
        ]

    def note_status(self, terminal_id: int, status: dict, clock_offset: int | None = None) -> None:
        """What the terminal said of itself (STATUS): sheets it holds unacknowledged, the
        rejected ones it shows, its opposition list version."""
        self.db.execute(
            "UPDATE terminals SET pending = ?, rejected = ?, opposition = ?, "
            "clock_offset = COALESCE(?, clock_offset) WHERE id = ?",
            (status["unacked"], status["rejected"], status["opp"], clock_offset, terminal_id),
        )

    # ---------------------------------------------------------------- settings

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row["value"] if row else default

    def set_setting(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def agent_id(self) -> str:
        """The name this agent gives itself when pairing (kept, so it stays the same)."""
        name = self.setting("agent_id")
        if name is None:
            name = ("tla-agent@" + socket.gethostname())[:64]
            self.set_setting("agent_id", name)
        return name

    # ---------------------------------------------------------------- pairings

    def save_pairing(self, serial: str, pairing: Pairing, agent_id: str, model="", firmware=""):
        """Keep a new pairing with the terminal `serial`; an older one is revoked."""
        now = int(time.time())
        with self.transaction() as db:
            terminal_id = self.terminal(serial, model, firmware)
            db.execute(
                "UPDATE pairings SET revoked = ?, pairing_key = %s "
                "WHERE terminal_id = ? AND revoked IS NULL" % _ZEROS[db.dialect],
                (now, terminal_id),
            )
            db.execute(
                "INSERT INTO pairings (terminal_id, pairing_id, pairing_key, agent_id, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (terminal_id, pairing.pairing_id, pairing.key, agent_id, now),
            )

    def pairing(self, serial: str) -> Pairing | None:
        """The pairing in force with the terminal `serial`, or None."""
        row = self.db.execute(
            "SELECT p.pairing_id, p.pairing_key FROM pairings p JOIN terminals t "
            "ON t.id = p.terminal_id WHERE t.serial = ? AND p.revoked IS NULL "
            "ORDER BY p.id DESC LIMIT 1",
            (serial,),
        ).fetchone()
        if row is None:
            return None
        return Pairing(bytes(row["pairing_id"]), bytes(row["pairing_key"]), serial)

    def forget_pairing(self, serial: str) -> int:
        """Revoke the pairing with `serial` (the key stays unusable); returns how many."""
        cur = self.db.execute(
            "UPDATE pairings SET revoked = ?, pairing_key = %s WHERE revoked IS NULL AND "
            "terminal_id = (SELECT id FROM terminals WHERE serial = ?)" % _ZEROS[self.db.dialect],
            (int(time.time()), serial),
        )
        return cur.rowcount

    # ---------------------------------------------------------------- certificates

    def certificates(self) -> dict:
        """{certificate id: DER} of every card certificate received."""
        return {
            bytes(r["cert_id"]): bytes(r["der"])
            for r in self.db.execute("SELECT cert_id, der FROM certificates")
        }

    def certificates_naming(self, numbers) -> dict:
        """{certificate id: DER} of the certificates whose subject holds one of `numbers`
        (professional ids, RPPS numbers, card serials): those that may name them, for a
        page to show their holders' names without reading a year's patients' cards. The
        subject (RFC 4514, as filing writes it) only narrows: host_agent/names.py reads
        each DER's own attributes; a subject of another form (a release before it wrote
        the RFC 4514 one: no "=") is read too."""
        wanted = sorted({str(n) for n in numbers if str(n or "")})
        out: dict = {}
        for i in range(0, max(1, len(wanted)), 200):
            part = wanted[i : i + 200]
            clauses = " OR ".join(
                ["subject NOT LIKE '%=%'"] + ["subject LIKE ? ESCAPE '\\'"] * len(part)
            )
            for r in self.db.execute(
                "SELECT cert_id, der FROM certificates WHERE " + clauses,
                ["%" + like_escaped(n) + "%" for n in part],
            ):
                out[bytes(r["cert_id"])] = bytes(r["der"])
        return out

    # ---------------------------------------------------------------- syncs

    def start_sync(self, terminal_id: int | None) -> int:
        return self.db.execute(
            "INSERT INTO sync_sessions (terminal_id, started, status) "
            "VALUES (?, ?, 'running') RETURNING id",
            (terminal_id, int(time.time())),
        ).scalar()

    def end_sync(self, sync_id: int, status: str, error: str | None = None, nbytes: int = 0):
        """Close a sync session: ok, interrupted or failed (the reason in `error`)."""
        self.db.execute(
            "UPDATE sync_sessions SET ended = ?, status = ?, error = ?, bytes = bytes + ? "
            "WHERE id = ?",
            (int(time.time()), status, error, nbytes, sync_id),
        )

    def finish_sync(self, terminal_id: int, sync_id: int, nbytes: int) -> None:
        now = int(time.time())
        with self.transaction() as db:
            db.execute("UPDATE terminals SET last_sync = ? WHERE id = ?", (now, terminal_id))
            db.execute(
                "UPDATE sync_sessions SET ended = ?, status = 'ok', bytes = bytes + ? WHERE id = ?",
                (now, nbytes, sync_id),
            )
