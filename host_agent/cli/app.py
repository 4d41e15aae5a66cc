"""`tla-agent`: the practice-PC agent of tla, assembled from its command groups (one module
each: terminal, sheets, lots, returns, paper, check). Errors are one plain line on stderr
and a non-zero exit code (docs/agent.md)."""

import typer

from host_agent.cli import check, lots, paper, returns, rounds, sheets, terminal
from host_agent.cli.common import guard

app = typer.Typer(
    help=__doc__,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root():
    """tla-agent: collect, verify and file the care sheets of tla terminals.

    Pair a terminal once (`pair`), then `sync` it (or let `watch` sync it whenever it is
    plugged in)."""


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
app.add_typer(returns.acks_app, name="acks")
app.command("status")(returns.show_status)
app.command("purge")(returns.purge_doubles)
app.command("duplicate")(paper.print_duplicate)
app.command("check")(check.check_database)
app.add_typer(rounds.round_app, name="round")  # docs/round.md


def main():
    try:
        app()
    except Exception as e:  # the last guard: one plain line, never a traceback
        raise SystemExit(guard(e)) from None
