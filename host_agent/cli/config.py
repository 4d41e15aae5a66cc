"""The settings file in tla-agent's commands (docs/agent.md "Settings"): `--config FILE`
(or $TLA_AGENT_CONFIG) read before any command, its values given to the commands' options
as their defaults (click's default_map: a flag, then its variable, then the setting, then
the built-in default), and `tla-agent init`, which asks the questions and writes the file."""

from pathlib import Path
from typing import Annotated

import click
import typer

from host_agent import settings, settings_file
from host_agent.cli.common import console, fail

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar=settings.CONFIG_ENV,
        help="The settings file (TOML). Default: $%s, else %s."
        % (settings.CONFIG_ENV, settings.default_path()),
        show_default=False,
    ),
]

_current: list = []  # the Settings the root callback read, for the commands that ask


def current() -> settings.Settings:
    """The settings of this run (read by `use`; the default file when no callback ran)."""
    if not _current:
        _current.append(_load(None))
    return _current[-1]


def _load(config) -> settings.Settings:
    try:
        return settings.load(config)
    except settings.SettingsError as e:
        fail(str(e), e.exit_code)


# click parameter name -> the setting that is its default, when the file gives one
_FROM_SETTINGS = {
    "db": lambda s: s.get("", "database"),
    "root": lambda s: s.root(),
    "port": lambda s: s.port(),
    "vid": lambda s: "%04x" % s.get("terminal", "usb_vid") if s.get("terminal", "usb_vid") else None,
    "pid": lambda s: "%04x" % s.get("terminal", "usb_pid") if s.get("terminal", "usb_pid") else None,
    "via": lambda s: s.get("sending", "route"),
    "outbox": lambda s: s.get("sending", "outbox"),
}


def default_map(group: click.Group, loaded: settings.Settings) -> dict:
    """{command: {parameter: value}} for every command under `group` whose options the
    settings give (init excepted: it writes them)."""
    out = {}
    for name, command in group.commands.items():
        if name == "init":
            continue
        if isinstance(command, click.Group):
            sub = default_map(command, loaded)
            if sub:
                out[name] = sub
            continue
        values = {}
        for param in command.params:
            get = _FROM_SETTINGS.get(param.name or "")
            value = get(loaded) if get else None
            if value is not None:
                values[param.name] = str(value)
        if values:
            out[name] = values
    return out


def use(ctx: typer.Context, config) -> None:
    """Read the settings (the root callback, before the command) and make them the
    defaults of the command's options."""
    loaded = _load(config)
    _current.append(loaded)
    ctx.default_map = default_map(ctx.command, loaded)


def init_settings(
    ctx: typer.Context,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Ask nothing: the flags, else the file's values, else the defaults.")
    ] = False,
    db: Annotated[Path | None, typer.Option("--db", help="The database.", show_default=False)] = None,
    root: Annotated[Path | None, typer.Option(help="The root certificate.", show_default=False)] = None,
    port: Annotated[str | None, typer.Option(help="The terminal's port (empty: by USB ids).")] = None,
    name: Annotated[str | None, typer.Option(help="The practice's name.")] = None,
    address: Annotated[
        list[str] | None, typer.Option(help="A line of the practice's address (repeat it).")
    ] = None,
    situation: Annotated[
        str | None, typer.Option(help="The billing number (9 digits) of that practice situation.")
    ] = None,
    route: Annotated[str | None, typer.Option(help="How lots are sent: outbox or smtp.")] = None,
    outbox: Annotated[Path | None, typer.Option(help="The outbox folder.", show_default=False)] = None,
    mailbox: Annotated[str | None, typer.Option(help="The IMAP server the funds answer to.")] = None,
):
    """Write the settings file, asking each question (or none with --yes).

    The file (TOML, 0600) holds the database, the root certificate, the terminal's port or
    USB ids, the practice's name, address and situation (printed on paper duplicates), how
    lots are sent, and the mailbox of the funds' returns. Run it again to change them: the
    current values are offered. Passwords are never written (TLA_SMTP_PASSWORD,
    TLA_IMAP_PASSWORD)."""
    path, _ = settings.config_path(ctx.parent.params.get("config") if ctx.parent else None)
    values = settings_file.defaults(db)
    try:
        existing = settings.read(path)
    except settings.SettingsError as e:
        fail("%s; fix it or remove it to start anew" % e, e.exit_code)
    values.update(existing.values)
    given = {
        ("", "database"): db, ("", "root"): root, ("terminal", "port"): port,
        ("practice", "name"): name, ("practice", "address"): list(address) if address else None,
        ("practice", "situation"): situation, ("sending", "route"): route,
        ("sending", "outbox"): outbox, ("mailbox", "host"): mailbox,
    }
    values.update({k: v for k, v in given.items() if v is not None})
    for q in settings_file.QUESTIONS:
        key = (q.table, q.key)
        if yes or given.get(key) is not None or not q.when(values):
            if given.get(key) is not None:
                _check(q, values[key])
            continue
        while True:
            text = typer.prompt(q.english, default=settings_file.shown(values.get(key)), show_default=True)
            answer = settings_file.typed(q, text)
            try:
                settings_file.check_answer(q, answer)
                break
            except settings.SettingsError as e:
                console.print(str(e).removeprefix("settings: "))
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
