"""`tla-agent init`: the settings file (docs/agent.md "Settings") written from questions, or
from flags with --yes. How the commands read it is in host_agent/cli/common.py."""

from pathlib import Path
from typing import Annotated

import typer

from host_agent import settings, settings_file
from host_agent.cli.common import console, fail
from host_agent.store import location


def init_settings(
    ctx: typer.Context,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", "-y", help="Ask nothing: the flags, else the file's values, else the defaults."
        ),
    ] = False,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            parser=location.parse,
            metavar="PATH|URL",
            help="The database: a file, or postgresql://user@host/database.",
            show_default=False,
        ),
    ] = None,
    root: Annotated[
        Path | None, typer.Option(help="The root certificate.", show_default=False)
    ] = None,
    port: Annotated[
        str | None, typer.Option(help="The terminal's port (empty: by USB ids).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The practice's name.")] = None,
    address: Annotated[
        list[str] | None, typer.Option(help="A line of the practice's address (repeat it).")
    ] = None,
    situation: Annotated[
        str | None, typer.Option(help="The billing number (9 digits) of that practice situation.")
    ] = None,
    route: Annotated[str | None, typer.Option(help="How lots are sent: outbox or smtp.")] = None,
    outbox: Annotated[
        Path | None, typer.Option(help="The outbox folder.", show_default=False)
    ] = None,
    mailbox: Annotated[
        str | None, typer.Option(help="The IMAP server the funds answer to.")
    ] = None,
):
    """Write the settings file, asking each question (or none with --yes).

    The file (TOML, 0600) holds the database, the root certificate, the terminal's port or
    USB ids, the practice's name, address and situation (printed on paper duplicates), how
    lots are sent, and the mailbox of the funds' returns. Run it again to change them: the
    current values are offered. Passwords are never written (TLA_SMTP_PASSWORD,
    TLA_IMAP_PASSWORD)."""
    path, _ = settings.config_path(ctx.parent.params.get("config_file") if ctx.parent else None)
    values = settings_file.defaults(db)
    try:
        existing = settings.read(path)
    except settings.SettingsError as e:
        fail("%s; fix it or remove it to start anew" % e, e.exit_code)
    values.update(existing.values)
    given = {
        ("", "database"): db,
        ("", "root"): root,
        ("terminal", "port"): port,
        ("practice", "name"): name,
        ("practice", "address"): list(address) if address else None,
        ("practice", "situation"): situation,
        ("sending", "route"): route,
        ("sending", "outbox"): outbox,
        ("mailbox", "host"): mailbox,
    }
    values.update({k: v for k, v in given.items() if v is not None})
    for q in settings_file.QUESTIONS:
        key = (q.table, q.key)
        if yes or given.get(key) is not None or not q.when(values):
            if given.get(key) is not None:
                _check(q, values[key])
            continue
        while True:
            text = typer.prompt(
                q.english, default=settings_file.shown(q, values.get(key)), show_default=True
            )
            answer = settings_file.typed(q, text)
            try:
                settings_file.check_answer(q, answer)
                break
            except settings.SettingsError as e:
                console.print(str(e).removeprefix("settings: "))
        if key == ("", "database"):  # the root and outbox beside it follow it, if defaults
            before, after = settings_file.defaults(values[key]), settings_file.defaults(answer)
            for k in (("", "root"), ("sending", "outbox")):
                if values.get(k) == before[k] and given.get(k) is None:
                    values[k] = after[k]
        values[key] = answer
    try:
        written = settings_file.write(path, settings_file.kept(values), existing.funds)
    except settings.SettingsError as e:
        fail(str(e), e.exit_code)
    except OSError as e:
        fail("cannot write %s: %s" % (path, e.strerror or e), settings.EXIT_SETTINGS)
    console.print("wrote the settings %s (readable by you only)" % path)
    if not written.get("practice", "situation"):
        console.print("no practice situation: paper duplicates leave the address blank")


def _check(question, value) -> None:
    try:
        settings_file.check_answer(question, value)
    except settings.SettingsError as e:
        fail(str(e), e.exit_code)
