"""`tla-agent update`: the signed firmware updates this PC offers its terminals (docs/agent.md
"Updates"). `update add FILE` checks a release bundle (its m of n release signatures, its
image against its digest and chunk hashes) and keeps it beside the database; the next sync
of a terminal of its board that runs an older counter sends it, and the terminal switches
once idle. `update list` shows what is kept."""

from pathlib import Path
from typing import Annotated

import typer

from host_agent import updates
from host_agent.cli.common import (
    DEFAULT_DB,
    DbOption,
    JsonOption,
    console,
    err,
    print_json,
    refused,
)

update_app = typer.Typer(
    help=__doc__, no_args_is_help=True, context_settings={"help_option_names": ["-h", "--help"]}
)


@update_app.command("add")
def add_update(
    bundle: Annotated[
        Path, typer.Argument(help="A release bundle (.tlaup) as published.", show_default=False)
    ],
    db: DbOption = DEFAULT_DB,
):
    """Check a release bundle and keep it (0600, in the folder `updates` beside the
    database): the next sync offers it to every terminal of its board that runs an older
    counter. A bundle that does not check is refused in one line, and nothing is kept."""
    try:
        kept, new = updates.add(db, bundle)
    except updates.UpdateError as e:
        refused(e)
    m = kept.manifest
    console.print(
        "update %s (counter %d) for board %s %s: %s, offered at the next sync"
        % (m.version, m.counter, m.board, "kept" if new else "already kept", kept.path)
    )


@update_app.command("list")
def list_updates(db: DbOption = DEFAULT_DB, as_json: JsonOption = False):
    """The updates kept, by board and counter; a kept file that no longer checks is named
    on stderr and never offered."""
    problems: list = []
    found = updates.kept(db, problems)
    if as_json:
        print_json(
            [
                {
                    "board": b.manifest.board,
                    "version": b.manifest.version,
                    "counter": b.manifest.counter,
                    "size": b.manifest.size,
                    "sha256": b.manifest.sha.hex(),
                    "file": str(b.path),
                }
                for b in found
            ]
        )
    else:
        if not found:
            console.print("no update kept (tla-agent update add FILE)")
        for b in found:
            m = b.manifest
            console.print(
                "%s %s counter %d: %d bytes, sha256 %s"
                % (m.board, m.version, m.counter, m.size, m.sha.hex()[:16])
            )
    for line in problems:
        err.print("warning: " + line)
