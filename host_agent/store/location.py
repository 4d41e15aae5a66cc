"""Where the practice's database is: a SQLite file (a path, the default) or a PostgreSQL
database named by its URL (`postgresql://user@host/db`), from one setting (`database` in the
settings file, `--db`, $TLA_AGENT_DB; docs/agent.md "Group practice").

A Server stands where a file's Path stands: `str()` names it without its password, `parent`
is the folder the agent keeps its own files in beside it (root.pem, funds.toml, the outbox),
and it `exists()` (the practice's IT person creates the database; the agent its tables).
"""

from pathlib import Path

import platformdirs

SCHEMES = ("postgresql://", "postgresql+psycopg://", "postgres://")


class Server:
    """A PostgreSQL database by URL; the URL with its password is `url`, never printed."""

    def __init__(self, url: str):
        self.url = url

    def __str__(self) -> str:
        return shown(self.url)

    def __repr__(self) -> str:
        return "Server(%s)" % self

    def __eq__(self, other) -> bool:
        return isinstance(other, Server) and other.url == self.url

    def __hash__(self) -> int:
        return hash(self.url)

    @property
    def parent(self) -> Path:
        return platformdirs.user_data_path("tla", appauthor=False)

    def exists(self) -> bool:
        return True

    def is_file(self) -> bool:
        return False


def parse(text) -> "Path | Server":
    """A Path, or a Server when `text` is a PostgreSQL URL."""
    if isinstance(text, (Path, Server)):
        return text
    value = str(text).strip()
    if value.lower().startswith(SCHEMES):
        return Server(value)
    return Path(value).expanduser()


def is_server(text) -> bool:
    return isinstance(parse(text), Server)


def shown(url: str) -> str:
    """The URL as it may be printed: its password replaced by ***."""
    head, sep, rest = url.partition("://")
    if not sep:
        return url
    auth, at, host = rest.rpartition("@")
    if at and ":" in auth:
        auth = auth.split(":", 1)[0] + ":***"
    return head + sep + auth + at + host
