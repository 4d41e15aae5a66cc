"""`tla-agent db`: the practice's database itself (docs/agent.md "Group practice").

`db copy SRC DST` moves a practice onto another backend, typically from the SQLite file of
one PC onto the practice's PostgreSQL server: every row of every table, in one transaction
of the destination (all or nothing), which must be empty; each table's rows counted as they
go. The source is only read."""

from pathlib import Path
from typing import Annotated

import typer

from host_agent.cli.common import console, open_store, refused
from host_agent.errors import AgentError
from host_agent.store import location

db_app = typer.Typer(
    help="The practice's database: copy it whole onto another backend (SQLite, PostgreSQL).",
    no_args_is_help=True,
)

SOURCE_HELP = (
    "The database to copy: a SQLite file or a postgresql://user@host/database URL. Only read."
)
DESTINATION_HELP = (
    "The database to fill: it must hold no row yet (a new file, or a database the practice's "
    "IT person just created)."
)


@db_app.command("copy")
def copy_database(
    source: Annotated[Path, typer.Argument(parser=location.parse, metavar="SRC", help=SOURCE_HELP)],
    destination: Annotated[
        Path, typer.Argument(parser=location.parse, metavar="DST", help=DESTINATION_HELP)
    ],
):
    """Copy a whole practice's database into an empty one: sheets, quarantine, pairings,
    lots, sendings, returns, access log, opposition lists, rounds, settings.

    Typically `tla-agent db copy ~/.local/share/tla/agent.db postgresql://tla@server/tla`,
    then `tla-agent check --db` on both, then `database = "postgresql://..."` in every PC's
    settings. All or nothing: a copy that fails leaves the destination as it was."""
    if location.parse(source) == location.parse(destination):
        refused(AgentError("the source and the destination are the same database"))
    src = open_store(source)
    try:
        dst = open_store(destination, create=True)
        try:
            shown = {}

            def progress(table, done, total):
                if shown.get(table) != done:
                    shown[table] = done
                    console.print("%s: %d of %d rows" % (table, done, total))

            try:
                copied = src.copy_to(dst, progress)
            except AgentError as e:
                refused(e)
        finally:
            dst.close()
    finally:
        src.close()
    console.print(
        "copied %d rows of %d tables from %s to %s: run tla-agent check --db on both"
        % (sum(copied.values()), len(copied), source, destination)
    )
