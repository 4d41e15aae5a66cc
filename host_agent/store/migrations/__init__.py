"""The agent's schema migrations: Alembic revisions (versions/) that the agent runs itself
when it opens its database, never an `alembic` command for the user to type (docs/agent.md
"The database"; docs/architecture.md "Decisions").

- A new database (a file, or an empty PostgreSQL database) is built by the revisions.
- A SQLite file of a release before Alembic (PRAGMA user_version 1 to 6) is first brought
  to schema 6 by its own numbered migrations (host_agent/store/schema.py), then stamped
  with revision 0001, which is that schema, and its user_version set to 7: a release that
  knew only those migrations then refuses the file instead of writing into a schema it does
  not know.
- A database whose revision this agent does not know was made by a newer agent: refused.

It all runs in one of the store's write transactions (host_agent/store/base.py): two agents
opening the same new database at once migrate it once. Alembic is imported only when there
is something to do (it costs a third of a second at every command otherwise).
"""

from pathlib import Path

from host_agent.store import schema
from host_agent.store.errors import StoreError

HEAD = "0004"  # the newest revision in versions/ (tests/test_store_release_upgrade.py)
USER_VERSION = len(schema.MIGRATIONS) + 1  # 7: a SQLite file under Alembic
FOLDER = Path(__file__).resolve().parent


def revision(db) -> str | None:
    """The database's Alembic revision, or None when it has none (new, or a legacy file)."""
    if db.dialect == "sqlite":
        found = db.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        ).fetchone()
    else:
        found = db.execute("SELECT to_regclass('alembic_version')").scalar()
    if not found:
        return None
    return db.execute("SELECT version_num FROM alembic_version").scalar()


def bring_up_to_date(db) -> None:
    """Migrate the open database `db` (a store Connection) to HEAD, inside the caller's
    write transaction."""
    if db.dialect == "sqlite":
        user_version = db.execute("PRAGMA user_version").scalar()
        if user_version > USER_VERSION:
            raise _newer(db, "schema %d" % user_version)
        if 0 < user_version < USER_VERSION:
            _adopt_legacy(db, user_version)
    current = revision(db)
    if current == HEAD:
        return
    config, script = _scripts()
    if current is not None and current not in {s.revision for s in script.walk_revisions()}:
        raise _newer(db, "schema revision %s" % current)
    _run(db, config, script)
    if db.dialect == "sqlite":
        db.driver("PRAGMA user_version = %d" % USER_VERSION)


def _adopt_legacy(db, user_version: int) -> None:
    for number in range(user_version, len(schema.MIGRATIONS)):
        for statement in schema.statements(schema.MIGRATIONS[number]):
            db.driver(statement)
    db.driver("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)")
    db.driver("INSERT INTO alembic_version (version_num) VALUES ('0001')")
    db.driver("PRAGMA user_version = %d" % USER_VERSION)


def _scripts():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(FOLDER / "versions"))
    return config, ScriptDirectory.from_config(config)


def _run(db, config, script) -> None:
    from alembic.runtime.environment import EnvironmentContext

    from host_agent.store import tables

    def upgrade(rev, _context):
        return script._upgrade_revs("head", rev)

    with EnvironmentContext(config, script, fn=upgrade) as env:
        env.configure(connection=db.raw, target_metadata=tables.metadata)
        env.run_migrations()


def _newer(db, what: str) -> StoreError:
    return StoreError(
        "the database %s was made by a newer tla-agent (%s, this one knows up to %s): "
        "install that version of tla-agent" % (db.where, what, HEAD),
        french="La base de données a été faite par une version plus récente de tla-agent : "
        "installez cette version.",
    )
