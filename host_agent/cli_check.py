"""`tla-agent check`: verify the whole database (host_agent/check.py, docs/agent.md
"Checking the database")."""

from pathlib import Path
from typing import Annotated

import typer

from host_agent import check
from host_agent.cli_lots import DEFAULT_DB, DbOption
from host_agent.output import console, fail
from host_agent.sync import SyncError, load_root
from host_agent.sync_errors import EXIT_DATABASE

EXIT_FINDINGS = 8  # check found damage or an inconsistency


def check_database(
    db: DbOption = DEFAULT_DB,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            envvar="TLA_ROOT_CERT",
            help="The card PKI's root certificate (default: $TLA_ROOT_CERT, else root.pem "
            "next to the database; without one, signatures are checked by key only).",
            show_default=False,
        ),
    ] = None,
):
    """Verify the whole database: stored sheets, record numbers, quarantine, access log, lots.

    SQLite's integrity check; every stored sheet against its digest and signatures (with
    the root certificate, its certificates and signers too); each terminal's record numbers
    without a hole; the quarantine's and the access log's hashes; each sealed lot against
    its file. Reads only; exit 8 when something is wrong, each finding on its own line."""
    if not db.is_file():
        fail("no database at %s" % db, EXIT_DATABASE)
    root_path = root if root is not None else db.parent / "root.pem"
    root_cert = None
    if root_path.exists():
        try:
            root_cert = load_root(root_path)
        except SyncError as e:
            fail(str(e))
    elif root is not None:
        fail("no root certificate at %s" % root)
    try:
        report = check.check_database(db, root_cert)
    except Exception as e:  # sqlite3.Error, a page that cannot be read, bad UTF-8
        fail(
            "the database %s cannot be read to the end (%s: %s): it is damaged; restore it "
            "from a backup" % (db, type(e).__name__, e),
            EXIT_DATABASE,
        )
    for finding in report.findings:
        console.print(finding)
    if report.more:
        console.print("... and %d more" % report.more)
    counted = ", ".join("%d %s" % (n, what) for what, n in report.counted.items())
    if report:
        console.print(
            "the database is consistent: %s checked%s"
            % (
                counted,
                "" if root_cert is not None else " (signatures by key only: no root certificate)",
            )
        )
        return
    fail(
        "%d problem(s) found in %s (%s checked)"
        % (len(report.findings) + report.more, db, counted),
        EXIT_FINDINGS,
    )


def register(app: typer.Typer) -> None:
    app.command("check")(check_database)
