"""Opening the practice's database on its backend: a SQLite file with its pragmas (WAL,
full sync, foreign keys, freed pages zeroed), or a PostgreSQL 15+ server through psycopg 3.
A server that cannot be reached, a refused login or a server too old is one StoreError
line, before anything is read or written (docs/agent.md "Group practice").
"""

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from host_agent.store.connection import Connection, _first_line
from host_agent.store.errors import StoreError
from host_agent.store.location import Server

MIN_SERVER = 150000  # PostgreSQL 15, Debian 12's: the oldest the store is tested on
CONNECT_TIMEOUT = 10  # seconds: an unreachable server is said, not waited for


def open_file(path: Path, read_only: bool = False) -> Connection:
    """A connection to the SQLite file `path` (created if missing and not `read_only`)."""
    if read_only:
        url = "sqlite:///file:%s?mode=ro&uri=true" % path
    else:
        url = "sqlite:///%s" % path
    # check_same_thread off: a page of `serve` uses its one connection from the worker
    # threads its steps run in, one step at a time (web/app.py).
    engine = create_engine(
        url, poolclass=NullPool, connect_args={"timeout": 10, "check_same_thread": False}
    )
    if not read_only:
        event.listen(engine, "connect", _pragmas)
    engine = engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        raw = engine.connect()
    except exc.DBAPIError as e:
        raise e.orig if isinstance(e.orig, sqlite3.Error) else e from e
    return Connection(engine, raw, path)


def _pragmas(dbapi_connection, _record):
    dbapi_connection.isolation_level = None  # the store's BEGIN IMMEDIATE, not the driver's
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
        dbapi_connection.execute("PRAGMA " + pragma)
    # Freed and overwritten content is zeroed, not left in free pages (pairing keys).
    dbapi_connection.execute("PRAGMA secure_delete=ON")


def server_url(server: Server):
    """The SQLAlchemy URL of `server` (psycopg 3), refused in one line when malformed."""
    try:
        url = make_url(server.url)
    except (exc.ArgumentError, ValueError):
        raise StoreError(
            "the database setting %s is not a URL such as postgresql://user@host/database" % server,
            french="Le réglage de la base de données n'est pas une adresse valable.",
        ) from None
    if url.get_backend_name() not in ("postgresql", "postgres"):
        raise StoreError("the database URL %s is not postgresql://..." % server)
    if not url.database:
        raise StoreError(
            "the database URL %s names no database (postgresql://user@host/database)" % server
        )
    return url.set(drivername="postgresql+psycopg")


def open_server(server: Server) -> Connection:
    """A connection to the PostgreSQL database `server`, its version checked."""
    url = server_url(server)
    engine = create_engine(
        url,
        poolclass=NullPool,
        connect_args={"connect_timeout": CONNECT_TIMEOUT, "application_name": "tla-agent"},
    ).execution_options(isolation_level="AUTOCOMMIT")
    try:
        raw = engine.connect()
    except exc.DBAPIError as e:
        engine.dispose()
        raise StoreError(
            "cannot connect to the database server %s: %s" % (server, _first_line(e.orig)),
            french="Le serveur de la base de données ne répond pas ou refuse la connexion : "
            "vérifiez le réglage de la base ou appelez la personne qui s'occupe de "
            "l'informatique.",
        ) from None
    connection = Connection(engine, raw, server)
    number = server_version(connection)
    if number < MIN_SERVER:
        connection.close()
        raise StoreError(
            "the database server %s runs PostgreSQL %s; tla-agent needs PostgreSQL 15 or newer"
            % (server, _version_text(number)),
            french="Le serveur de la base de données est trop ancien (PostgreSQL 15 ou plus "
            "récent est nécessaire).",
        )
    return connection


def server_version(connection: Connection) -> int:
    """The server's version as a number (150004 for 15.4)."""
    return int(connection.execute("SHOW server_version_num").scalar())


def _version_text(number: int) -> str:
    major = number // 10000
    return (
        "%d.%d" % (major, number % 10000) if major >= 10 else "%d.%d" % (major, number // 100 % 100)
    )
