"""The store's statements as its modules write them (`?` marks, one per value), run through
SQLAlchemy Core on either backend (docs/architecture.md "Decisions": Core, not the ORM).

`Connection.execute(sql, args)` turns the marks into named binds once per statement (a
`text()` clause, compiled once per dialect), returns rows that read as sqlite3's did
(`row["fees"]`, `row[0]`, `dict(row)`), and makes a backend's failure what the agent knows:
on SQLite the driver's own sqlite3 error (the agent's damage and read-only handling stay as
they were), on PostgreSQL one StoreError line, a lost connection saying that nothing of
the change in progress was written (the server rolled it back).
"""

import sqlite3

from sqlalchemy import exc, text

from host_agent.store import rows
from host_agent.store.errors import StoreConflict, StoreError

_CLAUSES: dict = {}  # sql -> (text clause, number of marks)


def _clause(sql: str):
    """The text() clause of `sql` with its `?` marks (outside quotes) named p0, p1, ..."""
    found = _CLAUSES.get(sql)
    if found is None:
        out, n, quoted = [], 0, False
        for ch in sql:
            if ch == "'":
                quoted = not quoted
            if ch == "?" and not quoted:
                out.append(":p%d" % n)
                n += 1
            else:
                out.append(ch)
        found = _CLAUSES[sql] = (text("".join(out)), n)
    return found


def _binds(n: int, args) -> dict:
    values = tuple(args)
    if len(values) != n:
        raise sqlite3.ProgrammingError("%d values for %d marks" % (len(values), n))
    return {"p%d" % i: v for i, v in enumerate(values)}


class Row(tuple):
    """A row read: by position, by column name, and as a mapping (keys())."""

    _names: dict

    def __new__(cls, values, names):
        row = super().__new__(cls, values)
        row._names = names
        return row

    def __getitem__(self, key):
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list:
        return list(self._names)

    def get(self, key, default=None):
        return self[key] if key in self._names else default


class Result:
    """What a statement gave: its rows (iterable, fetchone, fetchall), rowcount."""

    def __init__(self, connection, result):
        self.connection = connection
        self._result = result
        self.rowcount = result.rowcount if result is not None else 0
        if result is not None and result.returns_rows:
            self._keys = list(result.keys())
            self._names: dict | None = {}
            for i, key in enumerate(self._keys):
                self._names.setdefault(key, i)  # a name twice: the first, as sqlite3.Row
        else:
            self._keys, self._names = [], None

    def _row(self, values):
        values = tuple(values)
        expected = self.connection.expected
        if expected:
            for name, value in zip(self._keys, values, strict=True):
                admitted = expected.get(name)
                if admitted is not None and type(value) not in admitted:
                    raise rows.RowDamaged(
                        rows.damage_line(self._keys, values, name, value, admitted)
                    )
        return Row(values, self._names)

    def __iter__(self):
        while self._names is not None:
            part = self.connection.guarded(self._result.fetchmany, 500)
            if not part:
                return
            for values in part:
                yield self._row(values)

    def fetchone(self):
        if self._names is None:
            return None
        values = self.connection.guarded(self._result.fetchone)
        return None if values is None else self._row(values)

    def fetchall(self) -> list:
        return list(self)

    def scalar(self):
        """The first column of the first row (None when no row); the result is closed."""
        if self._names is None:
            return None
        values = self.connection.guarded(self._result.first)
        return None if values is None else self._row(values)[0]


class Connection:
    """One SQLAlchemy connection in autocommit, its transactions opened by the store."""

    def __init__(self, engine, connection, where):
        self.engine = engine
        self.raw = connection
        self.where = where  # the file's Path or the Server, for messages
        self.dialect = engine.dialect.name  # "sqlite" or "postgresql"
        self.expected: dict = {}  # SQLite: {column: admitted Python types} (rows.py)
        self.in_transaction = False

    def execute(self, sql: str, args=()) -> Result:
        clause, n = _clause(sql)
        params = _binds(n, args)
        return Result(self, self.guarded(self.raw.execute, clause, params))

    def executemany(self, sql: str, many) -> Result:
        clause, n = _clause(sql)
        params = [_binds(n, args) for args in many]
        if not params:  # SQLAlchemy would run the statement once, with no values
            return Result(self, None)
        return Result(self, self.guarded(self.raw.execute, clause, params))

    def driver(self, sql: str):
        """A statement of the store's own (BEGIN, PRAGMA), as the driver takes it."""
        return self.guarded(self.raw.exec_driver_sql, sql)

    def guarded(self, fn, *args):
        try:
            return fn(*args)
        except exc.DBAPIError as e:
            raise self.failure(e) from e
        except exc.SQLAlchemyError as e:  # a connection lost before, not yet rolled back
            raise StoreError(
                "the connection to the database %s cannot be used (%s): nothing more was "
                "written; run the command again" % (self.where, _first_line(e))
            ) from e

    def failure(self, e: exc.DBAPIError) -> BaseException:
        """The backend's error as the agent tells it (module docstring)."""
        if self.dialect == "sqlite" and isinstance(e.orig, sqlite3.Error):
            return e.orig
        reason = _first_line(e.orig)
        if isinstance(e, exc.IntegrityError):
            return StoreConflict("the database refused a row: %s" % reason)
        if e.connection_invalidated or isinstance(e, (exc.OperationalError, exc.InterfaceError)):
            return StoreError(
                "lost the connection to the database server %s (%s): nothing of the change "
                "in progress was written; run the command again once the server is back"
                % (self.where, reason),
                french="La connexion au serveur de la base de données a été perdue : rien de "
                "l'opération en cours n'a été enregistré. Recommencez quand il répond.",
            )
        return StoreError("the database server %s refused: %s" % (self.where, reason))

    def close(self) -> None:
        try:
            self.raw.close()
        except exc.DBAPIError:
            pass  # a connection the server dropped: nothing left to close
        self.engine.dispose()


def _first_line(error) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__)[:300]
