"""`tla-agent check`: verify the whole database (host_agent/check.py, docs/agent.md
"Checking the database"): parses its options, calls check.check_files(), prints."""

from pathlib import Path
from typing import Annotated

import typer

from host_agent import check
from host_agent.cli.common import DEFAULT_DB, DbOption, console, fail, plural, refused
from host_agent.errors import EXIT_FINDINGS, AgentError

# What check counts (check.Report.counted), one of each.
ONE = {"sheets": "sheet", "quarantined": "quarantined", "log entries": "log entry", "lots": "lot"}


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
    try:
        report, root_cert = check.check_files(db, root)
    except AgentError as e:
        refused(e)
    for finding in report.findings:
        console.print(finding)
    if report.more:
        console.print("... and %d more" % report.more)
    counted = ", ".join(plural(n, ONE[what], what) for what, n in report.counted.items())
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
        "%s found in %s (%s checked)"
        % (plural(len(report.findings) + report.more, "problem"), db, counted),
        EXIT_FINDINGS,
    )
