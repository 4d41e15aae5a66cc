"""The commands that show health data write who ran them, and what they showed, into the
PC's access log before they show it (R162-1-10 c; the web pages do the same through
host_agent/web/access.py). Who: the PC's user running tla-agent.

Every command is in SHOWS or in SHOWS_NOTHING: tests/test_people_cli.py walks the command
tree, so a new command classed in neither fails it. The line is written when the command
starts, before it reads anything: one that is then refused (a missing file) has its line
too, rather than one that shows something without it.
"""

import functools

from host_agent import people
from host_agent.cli.common import fail
from host_agent.errors import AgentError

# "group command": what the access log says was seen (its options fill the {names}).
SHOWS = {
    "access-log": "les journaux des accès des terminaux",
    "access": "le journal des accès du PC",
    "status": "les feuilles en attente et leurs délais",
    "duplicate": "le duplicata papier de la feuille {sheet_id}",
    "sheets list": "la liste des feuilles de soins",
    "sheets show": "la feuille de soins {sheet_id}",
    "sheets summary": "le résumé des feuilles de soins",
    "sheets export": "l'export de la feuille {sheet_id}",
    "lots show": "les feuilles du lot {lot}",
    "returns report": "les retours des caisses",
    "returns import": "les retours des caisses importés",  # each sheet's answer, its reason
    "returns fetch": "les retours des caisses relevés",
    "round show": "les tournées et leurs patients",
    "round prepare": "la tournée du {professional} pour le terminal {terminal}",
}
SHOWS_NOTHING = frozenset(
    (
        "init",
        "hello",
        "pair",
        "unpair",
        "sync",
        "watch",
        "purge",
        "check",
        "serve",
        "opposition push",
        "sheets attach",
        "lots build",
        "lots list",
        "lots seal",
        "lots send",
        "acks import",
        "round prescription",
        "update add",
        "update list",
        "db copy",
        "users add",
        "users list",
        "users disable",
        "users enable",
        "users password",
    )
)


class _Blank(dict):
    def __missing__(self, key):
        return "?"


def shows(what: str):
    """Wrap a command: its viewing logged (opening its --db) before it runs."""

    def wrap(command):
        @functools.wraps(command)  # typer reads the options off the wrapped signature
        def run(*args, **options):
            sheet = options.get("sheet_id")  # the sheet shown, as a page's line names it
            log_command(options.get("db"), what.format_map(_Blank(options)), sheet)
            return command(*args, **options)

        run.shows = what
        return run

    return wrap


def log_command(db, what: str, sheet_id=None) -> None:
    """One line for the PC's user. No database: the command itself says so (it shows
    nothing); one that cannot take the line: the command's error, nothing shown."""
    if db is None:
        return
    try:
        people.log_at(
            db, people.pc_user("cli"), what, sheet_id if isinstance(sheet_id, int) else None
        )
    except AgentError as e:
        if not db.exists():
            return
        fail("cannot write the PC's access log, so nothing is shown: %s" % e, e.exit_code)


def apply(app, prefix: str = "") -> None:
    """Wrap every command of `app` (a typer.Typer, with its groups) that SHOWS names."""
    for info in app.registered_commands:
        name = info.name or info.callback.__name__.replace("_", "-").lower()
        path = (prefix + " " + name).strip()
        if path in SHOWS and not hasattr(info.callback, "shows"):
            info.callback = shows(SHOWS[path])(info.callback)
    for group in app.registered_groups:
        apply(group.typer_instance, (prefix + " " + (group.name or "")).strip())
