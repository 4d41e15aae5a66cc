"""The practice's accounts and the PC's access log: who saw what on the PC's pages and
commands (R162-1-10 c). Store has these methods through People; host_agent/people.py says
what an account may hold and do."""

from host_agent.people import ADMINISTRATOR
from host_agent.store.connection import Connection

_ACCOUNT = "SELECT id, login, name, role, rpps, password, disabled, created, changed FROM accounts"


class People:
    """Methods of Store (its `db` and `transaction()`)."""

    db: Connection

    def transaction(self):
        raise NotImplementedError  # Store's

    # ---------------------------------------------------------------- accounts

    def accounts(self) -> list:
        return self.db.execute(_ACCOUNT + " ORDER BY login").fetchall()

    def account(self, login: str):
        """The account of `login`, or None."""
        return self.db.execute(_ACCOUNT + " WHERE login = ?", (login,)).fetchone()

    def account_by_id(self, account_id: int):
        return self.db.execute(_ACCOUNT + " WHERE id = ?", (account_id,)).fetchone()

    def has_accounts(self) -> bool:
        return self.db.execute("SELECT 1 FROM accounts LIMIT 1").fetchone() is not None

    def add_account(self, login, name, role, rpps, password, now: int, only_first=False):
        """The new account's id; None when `login` is taken, or (`only_first`) when the
        practice has an account already (two agents starting at once make one first
        administrator)."""
        with self.transaction() as db:
            taken = db.execute(
                "SELECT 1 FROM accounts" + ("" if only_first else " WHERE login = ?"),
                () if only_first else (login,),
            ).fetchone()
            if taken:
                return None
            return db.execute(
                "INSERT INTO accounts (login, name, role, rpps, password, disabled, created, "
                "changed) VALUES (?, ?, ?, ?, ?, 0, ?, ?) RETURNING id",
                (login, name, role, rpps, password, now, now),
            ).scalar()

    def set_password(self, login: str, password: str, now: int) -> bool:
        """False when no account has that login."""
        with self.transaction() as db:
            return _change(db, login, "password = ?", (password,), now)

    def set_disabled(self, login: str, disabled: bool, now: int) -> bool | None:
        """False when no account has that login; None, nothing changed, when disabling it
        would leave no enabled administrator. Decided inside the change's transaction (one
        writer at a time on both backends, base.py): of two administrators disabling each
        other at once, the second sees the first's change and is refused."""
        with self.transaction() as db:
            if disabled and _last_administrator(db, login):
                return None
            return _change(db, login, "disabled = ?", (1 if disabled else 0,), now)

    # ---------------------------------------------------------------- the PC's access log

    def log_view(self, at: int, account_id, who: str, via: str, what: str, sheet_id=None):
        """One line of the PC's access log, committed before what it names is shown."""
        with self.transaction() as db:
            db.execute(
                "INSERT INTO pc_access_log (at, account_id, who, via, what, sheet_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (at, account_id, who, via, what, sheet_id),
            )

    def views(self, who: str | None = None, limit: int = 0) -> list:
        """The PC's access log, newest first: of `who` only (a login or OS user), if given."""
        sql = "SELECT id, at, account_id, who, via, what, sheet_id FROM pc_access_log"
        args: tuple = ()
        if who:
            sql, args = sql + " WHERE who = ?", (who,)
        sql += " ORDER BY id DESC" + (" LIMIT %d" % limit if limit else "")
        return self.db.execute(sql, args).fetchall()

    def old_views(self, before: int, delete: bool = False) -> int:
        """The PC's access-log lines older than `before` whose sheet (if they name one) has
        no electronic double any more (host_agent/retention.py): how many; deleted, inside
        the caller's transaction, when `delete`."""
        where = (
            " FROM pc_access_log WHERE at < ? AND (sheet_id IS NULL OR NOT EXISTS (SELECT 1 "
            "FROM sheets s WHERE s.id = pc_access_log.sheet_id AND s.purged IS NULL))"
        )
        if delete:
            return self.db.execute("DELETE" + where, (before,)).rowcount
        return int(self.db.execute("SELECT COUNT(*)" + where, (before,)).scalar())

    def viewers(self) -> list:
        """Everyone the PC's access log names, in order."""
        rows = self.db.execute("SELECT DISTINCT who FROM pc_access_log ORDER BY who")
        return [r["who"] for r in rows]


def _last_administrator(db: Connection, login: str) -> bool:
    """Whether `login` is an enabled administrator and no other one is (read in the
    caller's transaction)."""
    row = db.execute(
        "SELECT COUNT(*) FILTER (WHERE login = ?), COUNT(*) FILTER (WHERE login <> ?) "
        "FROM accounts WHERE role = ? AND disabled = 0",
        (login, login, ADMINISTRATOR),
    ).fetchone()
    return row[0] == 1 and row[1] == 0


def _change(db: Connection, login: str, assignment: str, args: tuple, now: int) -> bool:
    # `changed` always moves on (a second change in the same second too): an open session
    # holds the value it saw, and a change must end it (web/security.py).
    row = db.execute(
        "UPDATE accounts SET %s, changed = CASE WHEN changed < ? THEN ? ELSE changed + 1 END "
        "WHERE login = ? RETURNING id" % assignment,
        (*args, now, now, login),
    ).fetchone()
    return row is not None
