"""The web app's protections: a session cookie signed with a secret of this install (random,
kept 0600 beside the database), a CSRF token per session on every form, and a login per
person (host_agent/people.py) once the practice has accounts, or when the app listens
beyond this PC (then `--password-file`'s password is the first administrator's).

The session carries no data but its id and whether it logged in: both signed (HMAC-SHA256),
so a cookie cannot be forged without the secret. The CSRF token is the HMAC of the session
id: a page of another site cannot read it, so its forged POST is refused (403). Wrong
passwords are held per account and per client (LoginHolds), never for everyone at once.
"""

import hashlib
import hmac
import ipaddress
import os
import re
import secrets
import threading
import time
from pathlib import Path

from host_agent import files, people, settings, user_files, workspace
from host_agent.store import location

COOKIE = "tla_session"
SECRET_FOLDER = "web-secrets"  # in the agent's data folder (0700), one file per database
PASSWORD_MAX = people.PASSWORD_MAX
# Wrong passwords allowed in a window to one account, and from one client, then that
# account's (or that client's) logins wait for the window to pass: a guesser over the
# network gets a few tries a minute, not the thousands argon2id allows; the others log in.
LOGIN_TRIES = 5
LOGIN_WINDOW = 60.0
HOLDS_MAX = 10000  # accounts and clients a hold remembers: a flood of names stays bounded


class Config:
    """What `tla-agent serve` was given. `slots` (tests) replaces the PC/SC readers for
    sealing: a function giving (reader names, make_slot); `find_ports` (tests) the ports
    found (a function of the USB ids giving host_agent.ports.Port's)."""

    def __init__(
        self,
        db: Path,
        root: Path | None = None,
        host: str = "127.0.0.1",
        password: str | None = None,
        secret: bytes | None = None,
        terminal_port: str = "",
        outbox: Path | None = None,
        today: int | None = None,
        slots=None,
        settings=None,
        find_ports=None,
    ):
        self.db = location.parse(db)  # a file's Path, or a PostgreSQL Server
        self.root = Path(root) if root is not None else None  # None: root.pem beside the db
        self.host = host
        # `--password-file`'s password, hashed: the first administrator's, made in the store
        # when it has no account yet (people.first_administrator).
        self.first_hash = people.hash_password(password) if password else None
        self.accounts_seen = False  # once the store has accounts, it always has
        self.secret = secret if secret is not None else load_secret(self.db)
        self.terminal_port = terminal_port
        self.outbox = Path(outbox) if outbox is not None else None  # None: beside the db
        self.today = today
        self.slots = slots
        # The ports a terminal may be on (host_agent/ports.candidates; tests: a fixed list).
        self.find_ports = find_ports
        self.settings = settings  # host_agent.settings.Settings, or None: every default
        self.holds = LoginHolds()
        # The logged-in sessions of this run: {session id: (account id, its `changed` then)}.
        # A logout ends its session here, so a copy of its cookie (seen on the network, left
        # on the PC) no longer opens the pages; an account disabled or given a new password
        # since ends its sessions too.
        self.logins: dict[str, tuple[int, int]] = {}
        if self.first_hash is None and not is_loopback(host) and not has_accounts(self):
            raise ValueError(
                "listening on %s lets other computers reach the practice's data: add an "
                "account (tla-agent users add) or give a password (--password-file), or "
                "listen on 127.0.0.1" % host
            )


def request_store(config: Config):
    """The one store of a request (app.py: every look-up, the page and its access-log
    line use it, then it is closed), or None when the database file is missing (the pages
    say so). Opened without SQLite's quick_check: `serve` checked the file when it
    started (cli/serve.py), and a page opens it again for every request."""
    if isinstance(config.db, Path) and not config.db.exists():
        return None
    return workspace.open_store(config.db, quick_check=False)


def _with(config: Config, store, work):
    """`work(store)` on the request's store, or on one opened for it alone (a call from
    outside a request: `serve` starting, a test)."""
    return work(store) if store is not None else workspace.on_store(config.db, work)


def has_accounts(config: Config, store=None) -> bool:
    """Whether the practice has accounts (then everyone logs in), the first administrator
    made first from `--password-file`'s password. False when there is no database yet."""
    if not config.accounts_seen:
        first_administrator(config, store)
    return config.accounts_seen or config.first_hash is not None


def first_administrator(config: Config, store=None) -> bool | None:
    """Make `--password-file`'s password the first administrator's when the practice has
    no account: True when made now, False when it had accounts, None: no database yet (a
    login is asked; it says what is missing)."""
    if store is None and isinstance(config.db, Path) and not config.db.exists():
        return None  # the pages say it is missing; a server that does not answer: AgentError

    def make(store) -> bool:
        made = config.first_hash is not None and people.first_administrator(
            store, config.first_hash
        )
        config.accounts_seen = store.has_accounts()
        return made

    return _with(config, store, make)


def visitor(config: Config, sid: str, store=None) -> people.Viewer | None:
    """The account logged in on session `sid`, or None (logged out here when the account
    was disabled, changed or removed since)."""
    held = config.logins.get(sid)
    if held is None:
        return None
    row = _with(config, store, lambda store: store.account_by_id(held[0]))
    if row is None or row["disabled"] or row["changed"] != held[1]:
        config.logins.pop(sid, None)
        return None
    return people.of_account(row)


def check_login(config: Config, login: str, password: str, store=None):
    """(the account's row or None, whether the password is its own). Takes as long for a
    login no account has: the answer does not tell which exist."""
    row = _with(config, store, lambda store: store.account(login)) if len(login) <= 64 else None
    return row, people.password_ok(row["password"] if row else None, password)


# RFC 9110 7.2: Host = uri-host [ ":" port ]; a DNS name, an IPv4 address or [an IPv6 one].
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(
    r"(?P<name>%s(?:\.%s)*\.?|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?" % (_LABEL, _LABEL),
    re.ASCII,
)


def host_of(headers) -> str | None:
    """The host name the request's one Host header names (an IPv6 address without its
    brackets), or None when the header is absent, repeated or malformed: never the
    address the server listens on in its place, as the request's URL would give."""
    values = headers.getlist("host")
    if len(values) != 1 or len(values[0]) > 255:
        return None
    m = _HOST.fullmatch(values[0])
    if m is None or (m.group("port") is not None and not 0 < int(m.group("port")) < 65536):
        return None
    name = m.group("name")
    if name.startswith("["):
        try:
            return str(ipaddress.IPv6Address(name[1:-1]))
        except ValueError:
            return None
    return name.rstrip(".").lower()


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secret_path(db: Path) -> Path:
    """Where the session secret of database `db` lives: the agent's own data folder (the
    platform's, as the default database), never beside the database, which may be the
    folder the practice works in (where a `git add -A` or a shared drive would take it).
    One secret per database (named by the digest of its path): a cookie of one practice
    database is not one of another."""
    where = location.parse(db)
    # A file by its full path; a server by its URL shown without its password.
    said = str(where.resolve()) if isinstance(where, Path) else str(where)
    name = hashlib.sha256(said.encode()).hexdigest()[:24]
    return settings.default_database().parent / SECRET_FOLDER / name


def load_secret(db: Path) -> bytes:
    """This install's session secret for `db`: read from the data folder, or made there
    (0600 in a 0700 folder) on the first start. A database folder that does not exist yet
    gets a secret of this run only (no database, nothing to keep a session for)."""
    path = secret_path(db)
    try:
        data = path.read_bytes()
    except OSError:
        data = b""
    if len(data) >= 32:
        try:
            user_files.check_private(path)  # whoever reads it can forge a logged-in cookie
        except ValueError as e:
            raise ValueError("the session secret %s: %s" % (path, e)) from None
        return data
    secret = secrets.token_bytes(32)
    if location.parse(db).parent.is_dir():
        files.write_private(path, secret)
    return secret


def read_password_file(path: Path) -> str:
    """The first line of the password file, which must be its owner's only (0600, like the
    database): ValueError in plain words otherwise, or when it is not UTF-8 text."""
    data = files.read_small(path, PASSWORD_MAX, "a password file")
    user_files.check_private(path)
    source = user_files.text(data)  # a BOM dropped
    text = source.splitlines()[0].strip() if source.strip() else ""
    if len(text) < 8:
        raise ValueError("%s: the password must be 8 characters or more" % path)
    return text


class LoginHolds:
    """The wrong-password hold, per account and per client (keys such as "compte:marie",
    "client:192.0.2.7"): a try counts on each of its keys before it is checked, under the
    lock, so that 60 passwords posted at once get LOGIN_TRIES checks, not as many as arrive
    while the first ones are checked; a right password takes its try back."""

    def __init__(self):
        self.tries: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def reserve(self, keys) -> float | None:
        """This try's mark for release(), or None (held) when one of `keys` already counts
        LOGIN_TRIES tries in the last LOGIN_WINDOW seconds."""
        now = time.monotonic()
        with self.lock:
            if len(self.tries) > HOLDS_MAX:
                self._forget_old(now)
            for key in keys:
                recent = [t for t in self.tries.get(key, ()) if now - t < LOGIN_WINDOW]
                self.tries[key] = recent
                if len(recent) >= LOGIN_TRIES:
                    return None
            for key in keys:
                self.tries[key].append(now)
            return now

    def release(self, keys, mark: float) -> None:
        with self.lock:
            for key in keys:
                if mark in self.tries.get(key, ()):
                    self.tries[key].remove(mark)

    def _forget_old(self, now: float) -> None:
        for key in [k for k, v in self.tries.items() if not v or now - v[-1] >= LOGIN_WINDOW]:
            del self.tries[key]
        while len(self.tries) > HOLDS_MAX:  # a flood within the window: the oldest go
            self.tries.pop(next(iter(self.tries)))


def hold_keys(login: str, client: str) -> tuple[str, str]:
    return "compte:" + login[:64], "client:" + client


def _mac(secret: bytes, text: str) -> str:
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def new_session(secret: bytes, logged_in: bool = False) -> str:
    sid = secrets.token_hex(16)
    body = "%s.%d" % (sid, int(logged_in))
    return "%s.%s" % (body, _mac(secret, "session:" + body))


def read_session(secret: bytes, cookie: str | None):
    """(session id, logged in) from a cookie, or None when absent or not ours."""
    if not cookie or len(cookie) > 200 or cookie.count(".") != 2:
        return None
    sid, flag, mac = cookie.split(".")
    if not hmac.compare_digest(mac, _mac(secret, "session:%s.%s" % (sid, flag))):
        return None
    return sid, flag == "1"


def csrf_token(secret: bytes, sid: str) -> str:
    return _mac(secret, "csrf:" + sid)


def csrf_ok(secret: bytes, sid: str, given) -> bool:
    return isinstance(given, str) and hmac.compare_digest(given, csrf_token(secret, sid))


def random_id() -> str:
    return os.urandom(12).hex()
