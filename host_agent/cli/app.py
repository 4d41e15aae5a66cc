"""`tla-agent`: the practice-PC agent of tla, assembled from its command groups (one module
each: terminal, sheets, lots, returns, paper, check). Errors are one plain line on stderr
and a non-zero exit code (docs/agent.md)."""

from importlib import metadata
from typing import Annotated

import typer

from host_agent.cli import (
    check,
    config,
    database,
    funds,
    lots,
    paper,
    returns,
    rounds,
    serve,
    sheets,
    terminal,
    updates,
    users,
    viewing,
)
from host_agent.cli.common import ConfigOption, console, guard, use_settings

PROG = "tla-agent"
HELP = "\n\n".join(  # paragraphs, each one line: the help wraps them to the terminal
    (
        "tla-agent: collect, verify and file the care sheets of tla terminals, then build, "
        "seal and send their lots to the funds.",
        "Write the settings once (init), pair a terminal once (pair), then sync it (or let "
        "watch sync it whenever it is "
        "plugged in). Errors are one plain line on stderr and a non-zero exit code "
        "(docs/agent.md); listings take --json for scripts.",
        "This command line is in English, for the person who looks after the practice's "
        "computers; the practice's own pages are in French.",
    )
)

app = typer.Typer(
    help=HELP,
    no_args_is_help=True,
    add_completion=True,  # --install-completion, --show-completion (bash, zsh, fish, pwsh)
    context_settings={"help_option_names": ["-h", "--help"]},
)


def version() -> str:
    """This agent's version: the installed package's (pyproject.toml)."""
    try:
        return metadata.version("tla")
    except metadata.PackageNotFoundError:  # run from a checkout that was not installed
        return "unknown (not installed)"


def _show_version(wanted: bool):
    if wanted:
        console.print("%s %s" % (PROG, version()))
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the version and exit.",
            callback=_show_version,
            is_eager=True,
        ),
    ] = False,
    config_file: ConfigOption = None,
):
    """tla-agent: collect, verify and file the care sheets of tla terminals."""
    use_settings(ctx, config_file)


app.command("init")(config.init_settings)
app.command("hello")(terminal.hello)
app.command("pair")(terminal.pair_terminal)
app.command("unpair")(terminal.unpair_terminal)
app.command("sync")(terminal.sync_terminal)
app.command("watch")(terminal.watch_terminals)
sheets.sheets_app.command("export")(paper.export_sheet)
app.add_typer(sheets.sheets_app, name="sheets")
app.add_typer(sheets.opposition_app, name="opposition")
app.command("access-log")(sheets.show_access_log)
app.add_typer(lots.lots_app, name="lots")
app.add_typer(funds.returns_app, name="returns")
app.add_typer(returns.acks_app, name="acks")
app.command("status")(returns.show_status)
app.command("purge")(returns.purge_doubles)
app.command("duplicate")(paper.print_duplicate)
app.command("check")(check.check_database)
app.command("serve")(serve.serve)  # the practice's web app (host_agent/web/)
app.add_typer(rounds.round_app, name="round")  # docs/round.md
app.add_typer(updates.update_app, name="update")  # docs/agent.md "Updates"
app.add_typer(database.db_app, name="db")  # docs/agent.md "Group practice"
app.add_typer(users.users_app, name="users")  # docs/agent.md "Accounts"
app.command("access")(users.show_access)
viewing.apply(app)  # the commands that show health data log their viewer (R162-1-10 c)


def main():
    try:
        app(prog_name=PROG)
    except Exception as e:  # the last guard: one plain line, never a traceback
        raise SystemExit(guard(e)) from None
