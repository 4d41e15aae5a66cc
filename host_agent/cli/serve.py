"""`tla-agent serve`: the practice's web app in French (host_agent/web/), on this PC only
(127.0.0.1) unless the practice has accounts (`tla-agent users`) or a password is given
(its first administrator's); then anyone who can reach it must log in as themselves."""

from pathlib import Path
from typing import Annotated

import typer

from host_agent.cli.common import (
    DEFAULT_DB,
    DbOption,
    RootOption,
    console,
    current_settings,
    fail,
)

DEFAULT_PORT = 8765


def address(host: str, port: int) -> str:
    return "http://%s:%d/" % ("[%s]" % host if ":" in host else host, port)


def serve(
    db: DbOption = DEFAULT_DB,
    root: RootOption = None,
    host: Annotated[
        str,
        typer.Option(
            help="The address to listen on; beyond 127.0.0.1, the practice needs an account "
            "(tla-agent users add) or --password-file."
        ),
    ] = "127.0.0.1",
    # Not named `port`: the settings' [terminal] port is the default of the commands' --port.
    web_port: Annotated[
        int, typer.Option("--port", help="The web app's TCP port.", min=1, max=65535)
    ] = DEFAULT_PORT,
    password_file: Annotated[
        Path | None,
        typer.Option(
            help="A file (0600) whose first line is a password: while the practice has no "
            "account, it becomes the administrator 'admin''s (then manage the accounts with "
            "tla-agent users or the page Comptes).",
            show_default=False,
        ),
    ] = None,
    terminal_port: Annotated[
        str,
        typer.Option(
            help="The terminal's port the home page proposes (default: the settings' [terminal] "
            "port, else a USB one)."
        ),
    ] = "",
    outbox: Annotated[
        Path | None,
        typer.Option(
            help="Where lots are sent (default: 'outbox' beside the database).", show_default=False
        ),
    ] = None,
):
    """Serve the practice's web app: unload the terminal, the sheets by patient, lots (build,
    seal with the CPS, send), the funds' returns, paper duplicates, quarantine, access log,
    check. Ctrl-C stops it. The pages are in French; this help stays in English."""
    import uvicorn

    from host_agent import workspace
    from host_agent.web import security
    from host_agent.web.app import create_app

    password = None
    if password_file is not None:
        try:
            password = security.read_password_file(password_file)
        except (OSError, ValueError, UnicodeDecodeError) as e:
            fail(
                "cannot use the password file %s: %s"
                % (password_file, getattr(e, "strerror", None) or e)
            )
    loaded = current_settings()  # the practice's address on paper, the sending route
    try:
        config = security.Config(
            db,
            root=root,
            host=host,
            password=password,
            terminal_port=terminal_port or str(loaded.port() or ""),
            outbox=outbox,
            settings=loaded,
        )
    except ValueError as e:
        fail(str(e))
    if isinstance(config.db, Path) and config.db.exists():
        # SQLite's quick_check, once: each page opens the file without it (security.py).
        workspace.open_store(config.db).close()
    if password is not None:
        made = security.first_administrator(config)
        if made is not None:
            console.print(
                "the password file's password is now the administrator admin's: log in as "
                "admin, then add everyone's account (tla-agent users add, or the page Comptes)"
                if made
                else "note: the practice has accounts; everyone logs in with their own "
                "(--password-file only makes the first administrator)"
            )
    console.print("tla-agent serve: open %s in a browser (Ctrl-C stops)" % address(host, web_port))
    uvicorn.run(create_app(config), host=host, port=web_port, log_level="warning", access_log=False)
