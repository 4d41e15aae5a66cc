"""A whole practice's database onto another backend (`tla-agent db copy SRC DST`, docs/agent.md
"Group practice"): every row of every table (tables.py, parents before children), in one
transaction of the destination, which must hold no row yet; then each PostgreSQL id
sequence moved past the ids copied. Also the store's dump, every row in order, which the
tests compare before and after a refused change ("nothing changed").
"""

from sqlalchemy import func, select, text

from host_agent.store import tables
from host_agent.store.errors import StoreError

CHUNK = 500  # rows per INSERT batch: bounded memory, whatever the size of the practice


def _ordered(table):
    return select(*table.columns).order_by(*(table.primary_key.columns or table.columns))


def dump(db) -> list:
    """[(table name, [row tuple, ...])] of every table, rows in primary-key order."""
    out = []
    for table in tables.metadata.sorted_tables:
        result = db.guarded(db.raw.execute, _ordered(table))
        out.append((table.name, [tuple(r) for r in result]))
    return out


def counts(db) -> dict:
    """{table name: number of rows}."""
    return {
        t.name: db.guarded(db.raw.execute, select(func.count()).select_from(t)).scalar()
        for t in tables.metadata.sorted_tables
    }


def copy(source, destination, progress=None) -> dict:
    """Copy every row of the open store `source` into the open, empty store `destination`
    (both at the same schema revision); `progress(table, done, total)` after each batch.
    Returns {table: rows copied}. Nothing is written if anything fails."""
    if source.revision != destination.revision:
        raise StoreError(
            "the two databases are at different schema revisions (%s, %s): open both with "
            "this tla-agent first" % (source.revision, destination.revision)
        )
    held = {name: n for name, n in counts(destination.db).items() if n}
    if held:
        raise StoreError(
            "the destination %s already holds rows (%s): tla-agent db copy only fills an "
            "empty database" % (destination.path, ", ".join(sorted(held)))
        )
    totals = counts(source.db)
    copied = {}
    dst = destination.db
    with destination.transaction():
        for table in tables.metadata.sorted_tables:
            done, total = 0, totals[table.name]
            result = source.db.guarded(source.db.raw.execute, _ordered(table))
            while True:
                part = source.db.guarded(result.fetchmany, CHUNK)
                if not part:
                    break
                names = [c.name for c in table.columns]
                dst.guarded(
                    dst.raw.execute,
                    table.insert(),
                    [dict(zip(names, r, strict=True)) for r in part],
                )
                done += len(part)
                if progress is not None:
                    progress(table.name, done, total)
            copied[table.name] = done
            if dst.dialect == "postgresql" and "id" in table.columns and done:
                dst.guarded(
                    dst.raw.execute,
                    text(
                        "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                        "(SELECT MAX(id) FROM %s))" % table.name
                    ),
                    {"t": table.name},
                )
    return copied
