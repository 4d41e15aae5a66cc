"""`tla-agent users add/list/disable/enable/password`: the practice's accounts, one per person
(host_agent/people.py), and `tla-agent access`: the PC's access log, who saw what, per person
(R162-1-10 c). A password is typed twice without echo, or read from the first line of
stdin (--password-stdin, for scripts): never an argument, never printed or logged."""

import sys
from typing import Annotated

import typer

from host_agent import people
from host_agent.cli.common import (
    DEFAULT_DB,
    MAX_ID,
    DbOption,
    JsonOption,
    console,
    instant,
    open_store,
    print_json,
    record,
    refused,
    table,
)

users_app = typer.Typer(
    help="The practice's accounts: one per person, each with a role (professional with their "
    "RPPS number, secretary, administrator) and a password. The web app asks everyone to log "
    "in once one account exists; an administrator manages them there too (page Comptes).",
    no_args_is_help=True,
)
Login = Annotated[str, typer.Argument(help="The account's login (tla-agent users list).")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of stdin instead of asking it (scripts).",
    ),
]


def read_password(from_stdin: bool) -> str:
    """The new password, checked (8 characters or more); the command's error line else."""
    if from_stdin:
        given = sys.stdin.readline().rstrip("\r\n")
    else:
        given = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        return people.check_password(given)
    except people.PeopleError as e:
        refused(e)


@users_app.command("add")
def add_user(
    login: Login,
    name: Annotated[str, typer.Option(help="The person's name, as the pages show it.")],
    role: Annotated[
        str, typer.Option(help="professional, secretary or administrator.", metavar="ROLE")
    ],
    rpps: Annotated[
        str | None,
        typer.Option(help="A professional's RPPS number (11 digits, as on their CPS)."),
    ] = None,
    db: DbOption = DEFAULT_DB,
    password_stdin: PasswordStdin = False,
):
    """Add an account (its password asked twice, or --password-stdin).

    A professional seals only lots of their own RPPS number, with their own CPS; a secretary unloads terminals, builds and sends lots, imports returns, prints
    duplicates; an administrator does a secretary's work and manages the accounts."""
    store = open_store(db)  # a mistyped --db creates nothing
    try:
        people.check_login(login), people.check_name(name), people.check_role(role, rpps)
        people.add(store, login, name, role, rpps, read_password(password_stdin))
    except people.PeopleError as e:
        refused(e)
    console.print("added %s (%s, %s)" % (login, name, role))


@users_app.command("list")
def list_users(db: DbOption = DEFAULT_DB, as_json: JsonOption = False):
    """List the accounts: login, name, role, RPPS number, enabled or disabled."""
    rows = people.accounts(open_store(db))
    names = ("login", "name", "role", "rpps", "created", "changed")
    if as_json:
        print_json([dict(record(r, *names), disabled=bool(r["disabled"])) for r in rows])
        return
    out = table("accounts", "login", "name", "role", "rpps", "state", "changed")
    for r in rows:
        state = "disabled" if r["disabled"] else "enabled"
        out.add_row(
            r["login"], r["name"], r["role"], r["rpps"] or "-", state, instant(r["changed"])
        )
    console.print(out)


def _switch(db, login: str, disabled: bool) -> None:
    try:
        people.set_disabled(open_store(db), login, disabled)
    except people.PeopleError as e:
        refused(e)
    console.print("%s: %s" % (login, "disabled (its sessions end)" if disabled else "enabled"))


@users_app.command("disable")
def disable_user(login: Login, db: DbOption = DEFAULT_DB):
    """Disable an account: it can no longer log in.

    Its open sessions end at their next page. Its lines in the access log stay. The last administrator cannot be disabled."""
    _switch(db, login, True)


@users_app.command("enable")
def enable_user(login: Login, db: DbOption = DEFAULT_DB):
    """Enable a disabled account again."""
    _switch(db, login, False)


@users_app.command("password")
def set_user_password(
    login: Login, db: DbOption = DEFAULT_DB, password_stdin: PasswordStdin = False
):
    """Give an account a new password (asked twice, or --password-stdin).

    Its open sessions end at their next page."""
    store = open_store(db)
    try:
        people.known(store, login)  # before the password is asked
        people.set_password(store, login, read_password(password_stdin))
    except people.PeopleError as e:
        refused(e)
    console.print("%s: new password set" % login)


def show_access(
    db: DbOption = DEFAULT_DB,
    user: Annotated[
        str, typer.Option("--user", "-u", help="Only this person (a login, or a PC user name).")
    ] = "",
    limit: Annotated[
        int,
        typer.Option(help="At most this many lines, newest first (0: all).", min=0, max=MAX_ID),
    ] = 50,
    as_json: JsonOption = False,
):
    """Show the PC's access log: who saw which health data, per person (--user).

    Who: their login in the web pages, the PC's user with tla-agent's commands; and the
    refused logins (R162-1-10 c). The terminals' own logs: tla-agent access-log."""
    rows = people.views(open_store(db), user, limit)
    if as_json:
        print_json([record(r, "at", "who", "via", "what", "sheet_id") for r in rows])
        return
    out = table("PC access log", "when", "who", "via", "what")
    for r in rows:
        out.add_row(instant(r["at"]), r["who"], r["via"], r["what"])
    console.print(out)
