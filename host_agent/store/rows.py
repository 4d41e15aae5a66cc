"""Rows read from the agent's database are of the type their column declares (docs/agent.md,
"Errors and exit codes"): a database edited by hand (`UPDATE sheets SET fees = 'abc'`,
`bundle = 'text'`, `UPDATE lots SET sent = 1e300`) gives exit 6 naming the damaged row, at
the moment the row is read, instead of a TypeError or OverflowError deep in a command
(exit 70). SQLite keeps any value in any column; only the declared type says what belongs. A
PostgreSQL server keeps each column to its type itself: nothing to check there.
"""

import sqlite3

# The storage class each declared type admits (NULL is kept out by NOT NULL where it must).
_KINDS = {"INTEGER": (int,), "TEXT": (str,), "BLOB": (bytes,)}
_NAMES = {int: "an integer", str: "text", bytes: "bytes", float: "a real number"}
_SQL = {int: "integer", str: "text", bytes: "blob"}  # SQLite's typeof() of each


class RowDamaged(sqlite3.DatabaseError):
    """A stored value not of its column's type; one plain sentence naming the row."""


def _tables(db) -> list:
    return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def _quoted(name) -> str:
    return '"%s"' % name.replace('"', '""')


def _columns(db, table) -> list:
    """[(column name, the Python types of its declared type, or None)] of `table`."""
    info = db.execute("PRAGMA table_info(%s)" % _quoted(table)).fetchall()
    return [(c[1], _KINDS.get(str(c[2]).upper())) for c in info]


def expected_types(db) -> dict:
    """{column name: the Python types its values may have}, over every table of `db`; a name
    declared with two types in two tables admits both, an undeclared type is not checked.
    Empty on PostgreSQL, which keeps each column to its type."""
    if db.dialect != "sqlite":
        return {}
    kinds = {}
    for table in _tables(db):
        for name, kind in _columns(db, table):
            kinds.setdefault(name, []).append(kind)
    return {
        name: tuple(t for kind in found for t in kind) + (type(None),)
        for name, found in kinds.items()
        if None not in found
    }


def damaged_values(db) -> list:
    """One sentence per stored value not of its column's type, its table and row named
    (`tla-agent check` reports them all rather than stopping at the first)."""
    found: list = []
    if db.dialect != "sqlite":
        return found
    for table in _tables(db):
        columns = _columns(db, table)
        names = [name for name, _kind in columns]
        key = _quoted("id" if "id" in names else names[0])
        for name, kind in columns:
            if kind is None:
                continue
            sql = "SELECT %s, %s FROM %s WHERE typeof(%s) NOT IN (?, 'null')" % (
                key,
                _quoted(name),
                _quoted(table),
                _quoted(name),
            )
            for row, value in db.execute(sql, (_SQL[kind[0]],)):
                found.append(
                    "%s row %s: column %s holds %s, not %s"
                    % (table, row, name, _NAMES.get(type(value), "another type"), _NAMES[kind[0]])
                )
    return found


def damage_line(names, values, name, value, admitted) -> str:
    """The sentence of a row read (`names`, `values`) whose column `name` holds `value`,
    not of the `admitted` types (host_agent/store/connection.py checks each row read)."""
    row = "row %s" % values[names.index("id")] if "id" in names else "a row"
    return (
        "the database is damaged: column %s of %s holds %s, not %s (edited by hand?): run "
        "tla-agent check, or restore it from a backup"
        % (name, row, _NAMES.get(type(value), "another type"), _NAMES[admitted[0]])
    )
