"""A real PostgreSQL server for the tests, started by the suite itself from Debian's
`postgresql` package (docs/testing.md "PostgreSQL"): initdb in a temporary folder, then the
server (`postgres`) in the foreground on a Unix socket in that folder only (no TCP port),
as the user `nobody` when the tests run as root (CI does: PostgreSQL refuses to run as
root), killed with the session.

The server runs in a process group of its own (emulator/procgroup.py) with Linux's
parent-death signal set (setpriv --pdeathsig): a killed pytest takes it along. `pg_ctl
start` is not used for that reason: it detaches the server into a session of its own, which
a killed test run would leave running.

One server per pytest process (so one per xdist worker); each test gets a database of its
own, copied from a template the agent has already migrated (CREATE DATABASE ... TEMPLATE:
a few milliseconds, no migration per test). Durability is off (fsync, synchronous_commit,
full_page_writes): the tests never cut this server's power, and a fresh server each session.
"""

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

from emulator import procgroup

BIN = Path(os.environ.get("TLA_POSTGRES_BIN", "/usr/lib/postgresql/15/bin"))
SUPERUSER = "tla"
CLERK, CLERK_PASSWORD = "clerk", "clerk-secret-1"  # a role that logs in with a password
START_S = 60  # liveness bound for the server to answer: generous, never a pass/fail timing


def missing() -> str:
    """Why no server can be started here ("" when it can)."""
    for tool in ("initdb", "postgres"):
        if not (BIN / tool).exists():
            return (
                "PostgreSQL is not installed: %s is missing (apt-get install postgresql; "
                "or TLA_POSTGRES_BIN=the folder of initdb and postgres)" % (BIN / tool)
            )
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return "running as root needs setpriv (util-linux) to start PostgreSQL as nobody"
    return ""


def required() -> bool:
    """Under CI (CI=true) or TLA_REQUIRE_POSTGRES=1 a missing server fails, never skips."""
    return os.environ.get("CI", "").lower() in ("true", "1") or bool(
        os.environ.get("TLA_REQUIRE_POSTGRES")
    )


def _as_owner(cmd: list) -> list:
    if os.geteuid() != 0:
        return cmd
    return [
        "setpriv",
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
        "--pdeathsig=KILL",
    ] + cmd


class Server:
    """A running server: `url(name)` of a database, `new_database()` a fresh migrated one."""

    def __init__(self, durable: bool = False):
        self.durable = durable  # the bench's: fsync and synchronous commits as in a practice
        self.folder = Path(tempfile.mkdtemp(prefix="tla-pg-"))
        self.data = self.folder / "data"
        self.proc = None
        self._count = 0
        if os.geteuid() == 0:
            os.chown(self.folder, 65534, 65534)
        self.log = self.folder / "server.log"

    def start(self) -> "Server":
        out = procgroup.run(
            _as_owner(
                [
                    str(BIN / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--locale=C.UTF-8",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ]
            ),
            timeout=120,
        )
        if out.returncode != 0:
            raise RuntimeError("initdb failed: %s" % (out.stderr or out.stdout))
        # The superuser without a password; every other role with its password (scram).
        (self.data / "pg_hba.conf").write_text(
            "local all %s trust\nlocal all all scram-sha-256\n" % SUPERUSER
        )
        self.log_file = open(self.log, "ab")
        self._launch()
        self._setup()
        return self

    def _launch(self) -> None:
        settings = [
            "listen_addresses=",
            "unix_socket_directories=%s" % self.folder,
            "max_connections=60",
            "shared_buffers=16MB" if not self.durable else "shared_buffers=128MB",
        ]
        if not self.durable:
            settings += ["fsync=off", "synchronous_commit=off", "full_page_writes=off"]
        cmd = [str(BIN / "postgres"), "-D", str(self.data)]
        for s in settings:
            cmd += ["-c", s]
        self.proc = procgroup.start(
            _as_owner(cmd),
            stdin=procgroup.subprocess.DEVNULL,
            stdout=self.log_file,
            stderr=self.log_file,
        )
        self._wait()

    def halt(self) -> None:
        """Stop the server as an outage would (fast shutdown: clients cut off)."""
        self._shutdown()

    def restart(self) -> None:
        """Start the halted server again on the same data."""
        self._launch()

    def _wait(self) -> None:
        import psycopg

        deadline = time.monotonic() + START_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("PostgreSQL stopped at once: %s" % self.log.read_text()[-2000:])
            try:
                psycopg.connect(self.conninfo("postgres"), connect_timeout=5).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        "PostgreSQL did not answer: %s" % self.log.read_text()[-2000:]
                    ) from None
                time.sleep(0.05)

    def conninfo(self, database: str, user: str = SUPERUSER) -> str:
        return "host=%s dbname=%s user=%s" % (self.folder, database, user)

    def url(self, database: str, user: str = SUPERUSER, password: str = "") -> str:
        auth = user + (":" + password if password else "")
        return "postgresql://%s@/%s?host=%s" % (auth, database, self.folder)

    def sql(self, statement: str, database: str = "postgres", args=None):
        """Run one statement as the superuser (autocommit); its rows, if any."""
        import psycopg

        with psycopg.connect(self.conninfo(database), autocommit=True) as con:
            cur = con.execute(statement, args)
            return cur.fetchall() if cur.description else None

    def _setup(self) -> None:
        from host_agent.store import Store

        self.sql("CREATE ROLE %s LOGIN PASSWORD '%s'" % (CLERK, CLERK_PASSWORD))
        self.sql("CREATE DATABASE tla_template")
        Store(self.url("tla_template")).close()  # migrated once, copied for each test

    def new_database(self, migrated: bool = True) -> str:
        """The URL of a database of its own for one test: migrated (from the template) or
        empty, as the practice's IT person creates it."""
        self._count += 1
        name = "t%d" % self._count
        template = "tla_template" if migrated else "template0"
        self.sql("CREATE DATABASE %s TEMPLATE %s" % (name, template))
        return self.url(name)

    def _shutdown(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # fast shutdown: clients cut off
            try:
                self.proc.wait(10)
            except procgroup.subprocess.TimeoutExpired:
                pass
            procgroup.kill_group(self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            self._shutdown()
            self.log_file.close()
            self.proc = None
        shutil.rmtree(self.folder, ignore_errors=True)
